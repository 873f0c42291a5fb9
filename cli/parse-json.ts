// Parse results as JSON lines, written by hand for their fixed shape straight into UTF-8 bytes:
// exactly the bytes of JSON.stringify(result) + '\n' (parse-json.test.ts holds the two together
// on fuzzed results). `implant-scan parse` spent as long building, flattening and encoding
// JSON.stringify strings as parsing; this writes each character once, into one buffer per batch.
//   const out = new JsonLines();
//   out.result(parse(']d2010950600013435217290131'), false);
//   process.stdout.write(out.take());  // {"ok":true,"scheme":"gs1","symbology":"]d2","elements":[…],…}\n

import { plainReason, type ParseResult } from '../protocol/udi/index.ts';

const HEX = '0123456789abcdef';
/** JSON.stringify's short escapes; any other control character is written \u00XX. */
const SHORT_ESCAPE: Record<number, number> = { 0x08: 0x62, 0x09: 0x74, 0x0a: 0x6e, 0x0c: 0x66, 0x0d: 0x72, 0x22: 0x22, 0x5c: 0x5c };

const NO_MESSAGES: readonly string[] = [];

/** Fixed ASCII text (keys, punctuation) as little-endian 32-bit words, written four bytes at a
 * time: a byte loop over these was a tenth of `implant-scan parse`'s time. The last word may
 * carry up to three zero bytes past the text; the next write, or the end of the line, covers them
 * (result() makes room for the worst case with far more to spare). */
interface Fixed {
  readonly words: Int32Array;
  readonly length: number;
}
function bytesOf(s: string): Fixed {
  const bytes = new Uint8Array(Math.ceil(s.length / 4) * 4);
  for (let i = 0; i < s.length; i++) bytes[i] = s.charCodeAt(i);
  const view = new DataView(bytes.buffer);
  return { words: Int32Array.from({ length: bytes.length / 4 }, (_, i) => view.getInt32(4 * i, true)), length: s.length };
}
const OK_TRUE = bytesOf('{"ok":true,"scheme":');
const OK_FALSE = bytesOf('{"ok":false,"scheme":');
const SYMBOLOGY = bytesOf(',"symbology":');
const ELEMENTS = bytesOf(',"elements":[');
const FIRST_AI = bytesOf('{"ai":');
const NEXT_AI = bytesOf(',{"ai":');
const VALUE = bytesOf(',"value":');
const UDI_DI = bytesOf('],"udi":{"di":');
const LOT = bytesOf(',"lot":');
const SERIAL = bytesOf(',"serial":');
const EXPIRY = bytesOf(',"expiry":');
const MANUFACTURED = bytesOf(',"manufactured":');
const ERRORS = bytesOf('},"errors":[');
const FIRST_CODE = bytesOf('{"code":');
const NEXT_CODE = bytesOf(',{"code":');
const MESSAGE = bytesOf(',"message":');
const END = bytesOf(']}\n');
const NULL = bytesOf('null');

const viewOf = (buf: Buffer): DataView => new DataView(buf.buffer, buf.byteOffset, buf.byteLength);

export class JsonLines {
  private buf: Buffer;
  /** The same bytes as buf, for the fixed text's word writes. */
  private view: DataView;
  private n = 0;

  constructor(private readonly capacity = 1 << 19) {
    this.buf = Buffer.allocUnsafe(capacity);
    this.view = viewOf(this.buf);
  }

  /** The bytes written so far, handed over; the writer starts a new buffer (the old one may be
   * still queued in a stream, so it is never written again). */
  take(): Buffer {
    const out = this.buf.subarray(0, this.n);
    this.buf = Buffer.allocUnsafe(this.capacity);
    this.view = viewOf(this.buf);
    this.n = 0;
    return out;
  }

  get length(): number {
    return this.n;
  }

  /** One result and a newline. `verbose`: each error's precise message; otherwise its plain reason. */
  result(r: ParseResult, verbose: boolean): void {
    const { elements, udi, errors } = r;
    // Room for the worst case first (every character escaped as \uXXXX), so that the writing
    // below checks nothing: it works on a local buffer and offset.
    let most = 256 + 6 * (r.scheme.length + (r.symbology?.length ?? 0));
    for (let i = 0; i < elements.length; i++) most += 32 + 6 * (elements[i]!.ai.length + elements[i]!.value.length);
    most += 6 * ((udi.di?.length ?? 0) + (udi.lot?.length ?? 0) + (udi.serial?.length ?? 0) + (udi.expiry?.length ?? 0) + (udi.manufactured?.length ?? 0));
    const messages = errors.length === 0 ? NO_MESSAGES : errors.map((e) => (verbose ? e.message : plainReason(e.code)));
    for (let i = 0; i < errors.length; i++) most += 32 + 6 * (errors[i]!.code.length + messages[i]!.length);
    this.room(most);
    const { buf, view } = this;
    let n = this.n;
    n = ascii(view, n, r.ok ? OK_TRUE : OK_FALSE);
    n = string(buf, n, r.scheme);
    n = ascii(view, n, SYMBOLOGY);
    n = nullable(buf, view, n, r.symbology);
    n = ascii(view, n, ELEMENTS);
    for (let i = 0; i < elements.length; i++) {
      const e = elements[i]!;
      n = ascii(view, n, i === 0 ? FIRST_AI : NEXT_AI);
      n = string(buf, n, e.ai);
      n = ascii(view, n, VALUE);
      n = string(buf, n, e.value);
      buf[n++] = 0x7d; // }
    }
    n = ascii(view, n, UDI_DI);
    n = nullable(buf, view, n, udi.di);
    n = ascii(view, n, LOT);
    n = nullable(buf, view, n, udi.lot);
    n = ascii(view, n, SERIAL);
    n = nullable(buf, view, n, udi.serial);
    n = ascii(view, n, EXPIRY);
    n = nullable(buf, view, n, udi.expiry);
    n = ascii(view, n, MANUFACTURED);
    n = nullable(buf, view, n, udi.manufactured);
    n = ascii(view, n, ERRORS);
    for (let i = 0; i < errors.length; i++) {
      n = ascii(view, n, i === 0 ? FIRST_CODE : NEXT_CODE);
      n = string(buf, n, errors[i]!.code);
      n = ascii(view, n, MESSAGE);
      n = string(buf, n, messages[i]!);
      buf[n++] = 0x7d; // }
    }
    this.n = ascii(view, n, END);
  }

  private room(bytes: number): void {
    if (this.n + bytes <= this.buf.length) return;
    const bigger = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.n + bytes));
    this.buf.copy(bigger, 0, 0, this.n);
    this.buf = bigger;
    this.view = viewOf(bigger);
  }
}

// Each writer puts its text at buf[n…] and returns the new end; the caller has made room.

/** Fixed text of this file (keys, punctuation), a word at a time. */
function ascii(view: DataView, n: number, text: Fixed): number {
  const { words } = text;
  for (let i = 0; i < words.length; i++) view.setInt32(n + 4 * i, words[i]!, true);
  return n + text.length;
}

function nullable(buf: Buffer, view: DataView, n: number, s: string | null): number {
  return s === null ? ascii(view, n, NULL) : string(buf, n, s);
}

/** A JSON string in UTF-8, escaped as JSON.stringify escapes (lone surrogates as \udXXX). At
 * most 6 bytes per UTF-16 unit (\uXXXX), plus the quotes. */
function string(buf: Buffer, n: number, s: string): number {
  buf[n++] = 0x22;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) {
      if (c >= 0x20 && c !== 0x22 && c !== 0x5c) buf[n++] = c;
      else {
        buf[n++] = 0x5c;
        const short = SHORT_ESCAPE[c];
        if (short !== undefined) buf[n++] = short;
        else n = unicodeEscape(buf, n, c);
      }
    } else if (c < 0x800) {
      buf[n++] = 0xc0 | (c >> 6);
      buf[n++] = 0x80 | (c & 0x3f);
    } else if (c < 0xd800 || c > 0xdfff) {
      buf[n++] = 0xe0 | (c >> 12);
      buf[n++] = 0x80 | ((c >> 6) & 0x3f);
      buf[n++] = 0x80 | (c & 0x3f);
    } else {
      const low = s.charCodeAt(i + 1); // NaN past the end
      if (c <= 0xdbff && low >= 0xdc00 && low <= 0xdfff) {
        const cp = 0x10000 + ((c - 0xd800) << 10) + (low - 0xdc00);
        buf[n++] = 0xf0 | (cp >> 18);
        buf[n++] = 0x80 | ((cp >> 12) & 0x3f);
        buf[n++] = 0x80 | ((cp >> 6) & 0x3f);
        buf[n++] = 0x80 | (cp & 0x3f);
        i++;
      } else {
        buf[n++] = 0x5c;
        n = unicodeEscape(buf, n, c);
      }
    }
  }
  buf[n++] = 0x22;
  return n;
}

/** Writes uXXXX (lower-case hex, as JSON.stringify) after a backslash; returns the new end. */
function unicodeEscape(buf: Buffer, n: number, c: number): number {
  buf[n++] = 0x75;
  for (let shift = 12; shift >= 0; shift -= 4) buf[n++] = HEX.charCodeAt((c >> shift) & 0xf);
  return n;
}
