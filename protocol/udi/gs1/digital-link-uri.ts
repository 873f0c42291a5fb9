// The parts of a Digital Link URI that carry GS1 data, after the URI-level checks:
//   splitUri('https://id.example.com/pre/01/09506000134352?17=290131#top') →
//     { segments: ['pre', '01', '09506000134352'], query: '17=290131' }
//   splitUri('https://id.example.com') → bad-digital-link: no path
//   splitUri('https://a/01/1 2')       → bad-charset: a space cannot be in a URI
// Like the GS1 Barcode Syntax Engine: every character must be one a URI may hold (RFC 3986
// unreserved, reserved or '%'), the host is checked only for characters it may not hold (no
// user info, no percent-encoded host), the fragment is ignored. Unlike it, the scheme is matched
// case-insensitively (RFC 3986 §3.1), and one trailing '/' on the path is tolerated, as the
// plausibility expressions of the Digital Link URI syntax standard do.

import { error, type ParseError } from '../result.ts';

const URI_CHARS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~:/?#[]@!$&'()*+,;=%";
const BAD_HOST_CHARS = "_~@!$&'()*+,;=%";
const IS_URI_CHAR = new Uint8Array(128);
const IS_BAD_HOST_CHAR = new Uint8Array(128);
for (let i = 0; i < URI_CHARS.length; i++) IS_URI_CHAR[URI_CHARS.charCodeAt(i)] = 1;
for (let i = 0; i < BAD_HOST_CHARS.length; i++) IS_BAD_HOST_CHAR[BAD_HOST_CHARS.charCodeAt(i)] = 1;

export interface UriParts {
  /** Path segments after the host, without the leading '/' (and one trailing '/' dropped). */
  segments: string[];
  /** The query without '?', or null when there is none. */
  query: string | null;
}

/** Length of the scheme with "://" ("http://" 7, "https://" 8), any letter case; 0 if neither. */
export function schemeLength(text: string): number {
  if (text.length < 7 || !startsWithLower(text, 'http')) return 0;
  if (startsWithLower(text, 'http://')) return 7;
  return startsWithLower(text, 'https://') ? 8 : 0;
}

function startsWithLower(text: string, prefix: string): boolean {
  for (let i = 0; i < prefix.length; i++) {
    const p = prefix.charCodeAt(i);
    const c = text.charCodeAt(i);
    if (c !== p && !(p >= 0x61 && p <= 0x7a && c === p - 0x20)) return false;
  }
  return true;
}

export function splitUri(uri: string): UriParts | ParseError {
  const n = uri.length;
  for (let i = 0; i < n; i++) {
    const c = uri.charCodeAt(i);
    if (c >= 128 || IS_URI_CHAR[c] === 0) {
      const hex = c.toString(16).toUpperCase().padStart(4, '0');
      return error('bad-charset', `The Digital Link holds a character no URI may hold (U+${hex}) at position ${i + 1}; such characters must be percent-encoded.`);
    }
  }
  const hostStart = schemeLength(uri);
  if (hostStart === 0) return error('bad-digital-link', 'A GS1 Digital Link starts with "http://" or "https://".');

  let hostEnd = hostStart;
  while (hostEnd < n) {
    const c = uri.charCodeAt(hostEnd);
    if (c === 0x2f /* / */ || c === 0x3f /* ? */ || c === 0x23 /* # */) break;
    if (IS_BAD_HOST_CHAR[c] === 1) return error('bad-digital-link', `The host name of the Digital Link holds "${uri[hostEnd]}", which a host name may not hold.`);
    hostEnd++;
  }
  if (hostEnd === hostStart) return error('bad-digital-link', 'The Digital Link has no host name after "//".');
  if (uri.charCodeAt(hostEnd) !== 0x2f) return error('bad-digital-link', 'The Digital Link has no path: the GS1 data, e.g. "/01/<GTIN>", follows the host name.');

  const hash = uri.indexOf('#', hostEnd);
  const end = hash < 0 ? n : hash;
  const mark = uri.indexOf('?', hostEnd);
  const pathEnd = mark < 0 || mark > end ? end : mark;
  const segments = uri.slice(hostEnd + 1, pathEnd).split('/');
  if (segments.length > 1 && segments[segments.length - 1] === '') segments.pop();
  return { segments, query: pathEnd < end ? uri.slice(pathEnd + 1, end) : null };
}
