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

export class JsonLines {
  private buf: Buffer;
  private n = 0;

  constructor(private readonly capacity = 1 << 19) {
    this.buf = Buffer.allocUnsafe(capacity);
  }

  /** The bytes written so far, handed over; the writer starts a new buffer (the old one may be
   * still queued in a stream, so it is never written again). */
  take(): Buffer {
    const out = this.buf.subarray(0, this.n);
    this.buf = Buffer.allocUnsafe(this.capacity);
    this.n = 0;
    return out;
  }

  get length(): number {
    return this.n;
  }

  /** One result and a newline. `verbose`: each error's precise message; otherwise its plain reason. */
  result(r: ParseResult, verbose: boolean): void {
    const { elements, udi, errors } = r;
    this.ascii(r.ok ? '{"ok":true,"scheme":' : '{"ok":false,"scheme":');
    this.string(r.scheme);
    this.ascii(',"symbology":');
    this.nullable(r.symbology);
    this.ascii(',"elements":[');
    for (let i = 0; i < elements.length; i++) {
      const e = elements[i]!;
      this.ascii(i === 0 ? '{"ai":' : ',{"ai":');
      this.string(e.ai);
      this.ascii(',"value":');
      this.string(e.value);
      this.ascii('}');
    }
    this.ascii('],"udi":{"di":');
    this.nullable(udi.di);
    this.ascii(',"lot":');
    this.nullable(udi.lot);
    this.ascii(',"serial":');
    this.nullable(udi.serial);
    this.ascii(',"expiry":');
    this.nullable(udi.expiry);
    this.ascii(',"manufactured":');
    this.nullable(udi.manufactured);
    this.ascii('},"errors":[');
    for (let i = 0; i < errors.length; i++) {
      const e = errors[i]!;
      this.ascii(i === 0 ? '{"code":' : ',{"code":');
      this.string(e.code);
      this.ascii(',"message":');
      this.string(verbose ? e.message : plainReason(e.code));
      this.ascii('}');
    }
    this.ascii(']}\n');
  }

  private room(bytes: number): void {
    if (this.n + bytes <= this.buf.length) return;
    const bigger = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.n + bytes));
    this.buf.copy(bigger, 0, 0, this.n);
    this.buf = bigger;
  }

  /** Fixed ASCII text of this file (keys, punctuation): copied as is. */
  private ascii(s: string): void {
    this.room(s.length);
    const { buf } = this;
    let n = this.n;
    for (let i = 0; i < s.length; i++) buf[n++] = s.charCodeAt(i);
    this.n = n;
  }

  private nullable(s: string | null): void {
    if (s === null) this.ascii('null');
    else this.string(s);
  }

  /** A JSON string in UTF-8, escaped as JSON.stringify escapes (lone surrogates as \udXXX). */
  private string(s: string): void {
    this.room(s.length * 6 + 2); // the most one UTF-16 unit can take: \uXXXX
    const { buf } = this;
    let n = this.n;
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
    this.n = n;
  }
}

/** Writes uXXXX (lower-case hex, as JSON.stringify) after a backslash; returns the new end. */
function unicodeEscape(buf: Buffer, n: number, c: number): number {
  buf[n++] = 0x75;
  for (let shift = 12; shift >= 0; shift -= 4) buf[n++] = HEX.charCodeAt((c >> shift) & 0xf);
  return n;
}
