// The parser's front door: one scan in, one ParseResult out. No I/O, never throws.
//   parse(']d2010950600013435217290131\x1d10AB-123') → { ok: true, scheme: 'gs1', … }
//   parse('+A99912345/$$52001510X33')              → { ok: true, scheme: 'hibc', … }
//   parse(']d1=/A9997AB3456T0123')                  → { ok: true, scheme: 'isbt128', … }
//   parse('https://id.gs1.org/01/09506000134352/10/AB-123') → { ok: true, scheme: 'gs1', … }
//   parse('19121212-1212')                          → { ok: false, scheme: 'personal-id', … }
//
// Routing: an AIM identifier that announces GS1 means element strings; otherwise the data itself
// says what it is ('+' HIBC, '=' or '&' ISBT 128, 'http(s)://' Digital Link, '(' bracketed, digits
// element strings).

import { currentYearStart } from './calendar.ts';
import { parseBracketed } from './gs1/bracketed.ts';
import { isValidGs1CheckDigits } from './gs1/check-digits.ts';
import { checkElements, countedDigits, hasPersonAi } from './gs1/check-elements.ts';
import { looksLikeDigitalLink, parseDigitalLink } from './gs1/digital-link.ts';
import { AI_ENTRIES } from './gs1/ai-table.generated.ts';
import { GS, parseElementString, type SplitResult } from './gs1/element-string.ts';
import { udiFromElements } from './gs1/udi-from-elements.ts';
import { looksLikeHibc, parseHibc } from './hibc/parse-hibc.ts';
import { looksLikeIsbt128, parseIsbt128 } from './isbt128/parse-isbt128.ts';
import { containsPersonalId, mayHoldPersonalId, PERSONAL_ID_MESSAGE } from './personal-id.ts';
import { emptyUdi, error, type Element, type ParseError, type ParseResult, type Scheme, type Udi } from './result.ts';
import { splitSymbology } from './symbology.ts';

/** The longest scan accepted: above the capacity of any symbol a scanner reads (QR: 2,953 bytes). */
export const MAX_SCAN_LENGTH = 4096;

export interface ParseOptions {
  /** Characters the scanner sends for FNC1 besides GS (0x1D), e.g. ['^']. */
  gsSubstitutes?: readonly string[];
  /** The reference time for the GS1 century rule of two-digit years. Default: now. */
  now?: Date;
}

const latin1 = new TextDecoder('latin1');

function result(scheme: Scheme, symbology: string | null, errors: ParseError[], elements: Element[] = []): ParseResult {
  return { ok: false, scheme, symbology, elements, udi: emptyUdi(), errors };
}

function personalId(symbology: string | null): ParseResult {
  return result('personal-id', symbology, [error('personal-id', PERSONAL_ID_MESSAGE)]);
}

/** Trailing terminators (CR, LF, TAB) belong to the transport, not to the data. */
function stripTerminators(s: string): string {
  let end = s.length;
  while (end > 0) {
    const c = s.charCodeAt(end - 1);
    if (c !== 0x0d && c !== 0x0a && c !== 0x09) break;
    end--;
  }
  return end === s.length ? s : s.slice(0, end);
}

/** The default options, shared rather than a new `{}` per call. */
const NO_OPTIONS: ParseOptions = Object.freeze({});

export function parse(input: string | Uint8Array, options: ParseOptions = NO_OPTIONS): ParseResult {
  // Bytes are read as Latin-1, one character per byte: invalid UTF-8 cannot break decoding, and
  // any byte above 0x7F is outside every barcode character set, so it is reported, not guessed.
  const raw = stripTerminators(typeof input === 'string' ? input : latin1.decode(input));
  if (raw.length > MAX_SCAN_LENGTH) return containsPersonalId(raw) ? personalId(null) : tooLongResult(raw.length);
  const sym = splitSymbology(raw);
  const { id, data } = sym;
  if (data.length === 0) return result('unknown', id, [error('empty', 'The scan holds no data.')]);

  const separators = options.gsSubstitutes?.length ? GS + options.gsSubstitutes.join('') : GS;
  const startsWithSeparator = separators.includes(data[0] ?? '');
  let parsed: ParseResult;
  if (sym.kind === 'gs1' || startsWithSeparator) {
    parsed = gs1Result(parseElementString(data, separators), id, options.now);
  } else if (sym.kind === 'ean') {
    parsed = eanResult(data, id);
  } else if (looksLikeHibc(data)) {
    const h = parseHibc(data, options.now);
    parsed = { ok: h.ok, scheme: 'hibc', symbology: id, elements: [], udi: h.udi, errors: h.errors };
  } else if (looksLikeIsbt128(data)) {
    const b = parseIsbt128(data);
    // The DIN has no UDI field, so the value check below would not see it: checked here.
    if (b.din !== null && containsPersonalId(b.din)) return personalId(id);
    parsed = { ok: b.ok, scheme: 'isbt128', symbology: id, elements: [], udi: b.udi, errors: b.errors };
  } else if (looksLikeDigitalLink(data)) {
    parsed = gs1Result(parseDigitalLink(data), id, options.now);
  } else if (data.charCodeAt(0) === 0x28 /* ( */) {
    parsed = gs1Result(parseBracketed(data), id, options.now);
  } else if (isDigit(data.charCodeAt(0))) {
    // GS1 data read with AIM identifiers off (the leading FNC1 is then not sent), or a bare GTIN.
    parsed = gs1Result(parseElementString(data, separators), id, options.now);
    // Without a symbology identifier, 12 digits may as well be a wristband's personnummer
    // (YYYYMMDDNNNN) whose last digit happens to pass the GTIN check too: refused as personal.
    if (!parsed.ok && isBareGtin(data)) parsed = containsPersonalId(data) ? personalId(id) : eanResult(data, id);
  } else {
    parsed = result('unknown', id, [error('unrecognised', 'This is not a GS1, GS1 Digital Link, HIBC or ISBT 128 code.')]);
  }
  if (sym.malformed) parsed.errors.unshift(error('bad-symbology', 'The scan starts with "]" but not with a valid AIM symbology identifier.'));

  if (parsed.scheme === 'personal-id') return parsed;
  // A personal identity number may hide in any code that is not a clean product code, and in
  // the values (lot, serial, product number, …) of one that is; a Digital Link's percent-encoded
  // value is read decoded. A clean code is read value by value, not whole: its date fields
  // (a HIBC expiry before a lot, a bracketed (7003)) would join into date-shaped digits.
  if (holdsPersonalId(parsed) || (!parsed.ok && (containsPersonalId(data) || containsPersonalId(raw)))) {
    return personalId(id);
  }
  if (sym.malformed) parsed.ok = false;
  return parsed;
}

/** The result for a scan of `length` characters over MAX_SCAN_LENGTH: nothing of it is echoed. */
export function tooLongResult(length: number): ParseResult {
  return result('unknown', null, [error('too-long', `The scan has ${length} characters; no barcode holds more than ${MAX_SCAN_LENGTH}.`)]);
}

function gs1Result(split: SplitResult, symbology: string | null, optionsNow: Date | undefined): ParseResult {
  const { elements } = split;
  if (hasPersonAi(elements)) return personalId(symbology);
  // One clock read per scan, not one per date: only the year of "now" matters.
  const now = optionsNow ?? currentYearStart();
  const errors = split.errors.length > 0 ? split.errors : checkElements(elements, now, split.indices);
  const udi = udiFromElements(elements, now);
  if (errors.length === 0 && udi.di === null) {
    errors.push(error('not-a-product', 'This GS1 code carries no GTIN (01), so it identifies no product.'));
  }
  return { ok: errors.length === 0, scheme: 'gs1', symbology, elements, udi, errors };
}

/** AIs whose every part is a checked date or time, e.g. (7003) YYMMDDHHMM: a date-shaped value
 * there is a date, not a personal identity number (10 date-time digits always look like one). */
const DATE_TIME_LINTERS = new Set(['yymmdd', 'yymmd0', 'yyyymmdd', 'hhmi', 'hh', 'mi', 'ss']);
const DATE_TIME_AIS = new Set(
  AI_ENTRIES.filter((e) => e.components.every((c) => c.linters.length > 0 && c.linters.every((l) => DATE_TIME_LINTERS.has(l)))).map((e) => e.ai),
);

function holdsPersonalId(r: ParseResult): boolean {
  // The value checks counted the digits of most GS1 values as they read them (parse's own call).
  return valuesHoldPersonalId(r.elements, r.udi, r.elements.length > 0 ? countedDigits(r.elements) : null);
}

/**
 * Whether a parse's values (what a clean code is read as) hold a personal identity number.
 * `digits[i]`, when given and not -1, is how many digits element i's value holds: a value that
 * cannot hold a number by its count is not read again (the guard's own pre-filter, reused).
 */
export function valuesHoldPersonalId(elements: readonly Element[], udi: Pick<Udi, 'di' | 'lot' | 'serial'>, digits: Int16Array | null = null): boolean {
  // The guard first: it rejects most values after counting their digits, cheaper than the Set.
  for (let i = 0; i < elements.length; i++) {
    const e = elements[i]!;
    const counted = digits === null ? -1 : digits[i]!;
    if (counted >= 0 && !mayHoldPersonalId(counted, e.value.length)) continue;
    if (containsPersonalId(e.value) && !DATE_TIME_AIS.has(e.ai)) return true;
  }
  // A GS1 lot and serial are element values, checked just above; only HIBC and ISBT 128 have them
  // without, and their product codes (in the DI) are free text too.
  if (elements.length > 0) return false;
  const { di, lot, serial } = udi;
  return (di !== null && containsPersonalId(di)) || (lot !== null && containsPersonalId(lot)) || (serial !== null && containsPersonalId(serial));
}

function isDigit(c: number): boolean {
  return c >= 0x30 && c <= 0x39;
}

function isNumeric(s: string): boolean {
  for (let i = 0; i < s.length; i++) if (!isDigit(s.charCodeAt(i))) return false;
  return true;
}

/** GTIN-8, -12 (UPC-A) or -13 (EAN-13) with a valid check digit. */
function isBareGtin(s: string): boolean {
  return (s.length === 8 || s.length === 12 || s.length === 13) && isNumeric(s) && isValidGs1CheckDigits(s);
}

/** EAN/UPC and ITF-14 symbols carry a bare GTIN: it becomes (01), left-padded to 14 digits. */
function eanResult(data: string, symbology: string | null): ParseResult {
  if (!isNumeric(data) || !(data.length === 8 || data.length === 12 || data.length === 13 || data.length === 14)) {
    return result('unknown', symbology, [error('bad-value', 'An EAN/UPC/ITF-14 symbol must hold 8, 12, 13 or 14 digits.')]);
  }
  const elements = [{ ai: '01', value: data.padStart(14, '0') }];
  const errors = checkElements(elements);
  return { ok: errors.length === 0, scheme: 'gs1', symbology, elements, udi: { ...emptyUdi(), di: elements[0]!.value }, errors };
}
