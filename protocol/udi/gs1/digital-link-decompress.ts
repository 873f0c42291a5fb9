// Decompression of a compressed GS1 Digital Link path (GS1 Digital Link 1.2, "compression"):
//   decompress('AQnYUc1gmiERBhQ0ytiyZuAGOLc1TQ')
//     → [{01, 05412345000013}, {10, ABC&+123}, {7003, 1903061658}]     (the standard's example)
//   decompress('AQ')  → 'the compressed data ends inside (01) GTIN'
//
// The bits are a sequence of entries until at most 8 bits (padding) are left. An entry begins with
// two hex digits h1 h2: 00–99 are the first two digits of an AI (the rest of the AI follows, one
// 4-bit digit each); a code of the optimisation table stands for several AIs in turn; h1 = F
// begins a non-GS1 key=value pair (7-bit key length from h2 and 3 more bits, 6-bit characters,
// then a value as below), which is read past and dropped like a non-GS1 query parameter. Each
// value part (digital-link-compression-tables.ts) is: fixed digits, ceil(n·log2 10) bits;
// variable digits, a length in bits(max) bits, then the digits; characters, a 3-bit encoding
// (0 digits, 1 lowercase hex, 2 uppercase hex, 3 base64url, 4 7-bit ASCII), for a variable
// length the length, then the characters. A number that has more digits than its length allows
// is refused. Linear: every bit is read once.

import { error, type Element, type ParseError } from '../result.ts';
import { aiLabel } from './ai-label.ts';
import { base64urlValue, bitReader, type BitReader } from './digital-link-bits.ts';
import { AI_LENGTH_BY_PREFIX, OPTIMISED, type ValuePart, valueFormat } from './digital-link-compression-tables.ts';

const HEX = '0123456789ABCDEF';
const BASE64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

/** Bits for a number of `digits` digits, as the standard computes them. */
export const valueBits = (digits: number): number => Math.ceil((digits * Math.log(10)) / Math.log(2) + 0.01);
/** Bits for a length of at most `max`. */
export const lengthBits = (max: number): number => max.toString(2).length;

class Broken extends Error {}

function bits(r: BitReader, n: number, what: string): number {
  const v = r.read(n);
  if (v < 0) throw new Broken(`the compressed data ends inside ${what}`);
  return v;
}

function digits(r: BitReader, count: number, what: string): string {
  const v = r.readBig(valueBits(count));
  if (v < 0n) throw new Broken(`the compressed data ends inside ${what}`);
  const text = v.toString();
  if (text.length > count) throw new Broken(`${what} holds a number longer than its ${count} digits`);
  return text.padStart(count, '0');
}

function characters(r: BitReader, encoding: number, count: number, what: string): string {
  if (encoding === 0) return digits(r, count, what);
  const width = encoding === 1 || encoding === 2 ? 4 : encoding === 3 ? 6 : encoding === 4 ? 7 : 0;
  if (width === 0) throw new Broken(`${what} uses encoding ${encoding}, which the standard does not define`);
  let out = '';
  for (let i = 0; i < count; i++) {
    const v = bits(r, width, what);
    out += width === 4 ? (encoding === 1 ? HEX.charAt(v).toLowerCase() : HEX.charAt(v)) : width === 6 ? BASE64URL.charAt(v) : String.fromCharCode(v);
  }
  return out;
}

function part(r: BitReader, p: ValuePart, what: string): string {
  if (p.numeric) return digits(r, p.fixed ? p.length : bits(r, lengthBits(p.length), what), what);
  const encoding = bits(r, 3, what);
  const count = p.fixed ? p.length : bits(r, lengthBits(p.length), what);
  if (count > p.length) throw new Broken(`${what} says it holds ${count} characters, more than its ${p.length}`);
  return characters(r, encoding, count, what);
}

function value(r: BitReader, ai: string): string {
  const format = valueFormat(ai);
  if (format === undefined) throw new Broken(`(${ai}) is not a GS1 Application Identifier`);
  const what = aiLabel(ai);
  let out = '';
  for (const p of format) out += part(r, p, what);
  return out;
}

/** Whether `text` is base64url: the only characters a compressed path segment holds. */
export function isBase64url(text: string): boolean {
  for (let i = 0; i < text.length; i++) if (base64urlValue(text.charCodeAt(i)) < 0) return false;
  return text.length > 0;
}

/** The GS1 elements of a compressed path segment (base64url), in their order, or why not. */
export function decompress(segment: string): Element[] | ParseError {
  if (!isBase64url(segment)) return error('bad-digital-link', 'A compressed GS1 Digital Link holds only the characters A–Z a–z 0–9 - _.');
  const r = bitReader(segment);
  const out: Element[] = [];
  try {
    while (r.left > 8) {
      const h1 = r.read(4);
      const h2 = r.read(4);
      if (h1 <= 9 && h2 <= 9) {
        const prefix = `${h1}${h2}`;
        const length = AI_LENGTH_BY_PREFIX.get(prefix);
        if (length === undefined) throw new Broken(`no GS1 Application Identifier begins with ${prefix}`);
        let ai = prefix;
        while (ai.length < length) {
          const d = bits(r, 4, 'an Application Identifier');
          if (d > 9) throw new Broken('an Application Identifier holds a digit above 9');
          ai += String(d);
        }
        out.push({ ai, value: value(r, ai) });
      } else if (h1 === 15) {
        const keyLength = h2 * 8 + bits(r, 3, 'a non-GS1 parameter');
        for (let i = 0; i < keyLength; i++) bits(r, 6, 'a non-GS1 parameter'); // its name
        characters(r, bits(r, 3, 'a non-GS1 parameter'), bits(r, 7, 'a non-GS1 parameter'), 'a non-GS1 parameter');
      } else {
        const sequence = OPTIMISED[HEX.charAt(h1) + HEX.charAt(h2)];
        if (sequence === undefined) throw new Broken(`the code ${HEX.charAt(h1)}${HEX.charAt(h2)} stands for no AI sequence`);
        for (const ai of sequence) out.push({ ai, value: value(r, ai) });
      }
    }
  } catch (e) {
    if (e instanceof Broken) return error('bad-digital-link', `This compressed GS1 Digital Link cannot be decoded: ${e.message}.`);
    throw e;
  }
  return out;
}
