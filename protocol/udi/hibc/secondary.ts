// The HIBC secondary data structure: quantity, expiry date, lot or serial (ANSI/HIBC 2.6 §2.2):
//   parseSecondary('$$3290131LOT42') → { lot: 'LOT42', serial: null, expiry: '2029-01-31', quantity: null, … }
//   parseSecondary('$$+52001510X3')  → { lot: null, serial: '10X3', expiry: '2020-01-15', … }
//   parseSecondary('$$8053290131A1') → { lot: 'A1', quantity: 5, expiry: '2029-01-31', … }
//
// The input is the secondary data without the leading '+' (separate form) or '/' (combined form)
// and without link and check characters, and without the supplemental '/…' fields. Forms:
//   $  lot                   lot only                      $+ serial       serial only
//   $$ MMYY lot              (the flag is the date's first digit, 0 or 1)
//   $$2 MMDDYY lot   $$3 YYMMDD lot   $$4 YYMMDDHH lot   $$5 YYJJJ lot   $$6 YYJJJHH lot
//   $$7 lot                  no expiry date
//   $$8 QQ <date> lot        2-digit quantity, then a date field as after '$$' (MMYY, 2–6 + date,
//   $$9 QQQQQ <date> lot     or 7 for none); 5-digit quantity likewise
//   $$+ …                    every $$ form with a serial number in place of the lot
//   YYJJJ lot                the original format: a 5-digit Julian date, then a lot of up to 13
// Lot and serial hold up to 18 digits or capital letters. Choices where the standard is silent:
// after a quantity, a letter may follow directly (no date, the lot begins); a lot or serial may be
// empty only when a date or quantity is present, or supplemental fields follow ('$/Q24/S7', the
// caller says so); otherwise the structure carries nothing.

import { error, type ParseError } from '../result.ts';
import { describeCode, fieldCharsetError, isDigitCode, isDigits } from './charset.ts';
import { DATE_LENGTH, type DateFormat, hibcDate } from './dates.ts';
import { shown } from '../gs1/ai-label.ts';

export const MAX_LOT_LENGTH = 18;
/** The lot after the original 5-digit Julian date is shorter. */
export const MAX_LEGACY_LOT_LENGTH = 13;

export interface Secondary {
  /** The flags as printed, e.g. '$$3', '$$+8', '$', or 'YYJJJ' for the original format. */
  form: string;
  lot: string | null;
  serial: string | null;
  /** YYYY-MM-DD */
  expiry: string | null;
  quantity: number | null;
  errors: ParseError[];
}

const FLAG_FORMAT: Readonly<Record<string, DateFormat>> = { '2': 'MMDDYY', '3': 'YYMMDD', '4': 'YYMMDDHH', '5': 'YYJJJ', '6': 'YYJJJHH' };

class Cursor {
  pos = 0;
  constructor(readonly s: string) {}
  get rest(): number {
    return this.s.length - this.pos;
  }
  peek(): string {
    return this.s.charAt(this.pos);
  }
}

/** Reads a date of `format` at the cursor; adds an error and returns null when it is not one. */
function readDate(c: Cursor, format: DateFormat, where: string, errors: ParseError[], now: Date | undefined): string | null {
  const len = DATE_LENGTH[format];
  const value = c.s.slice(c.pos, c.pos + len);
  c.pos += value.length;
  const digitsOnly = value.length === 0 || isDigits(value);
  if (!digitsOnly) {
    errors.push(error('bad-date', `The expiry date ${where} must be ${len} digits (${format}), but it holds '${shown(value)}'.`));
    return null;
  }
  if (value.length < len) {
    errors.push(error('truncated', `The expiry date ${where} needs ${len} digits (${format}), but the code ends after ${value.length}.`));
    return null;
  }
  const d = hibcDate(format, value, now);
  if (d.problem !== undefined) {
    errors.push(error('bad-date', `The expiry date '${shown(value)}' (${format}, ${where}) is impossible: ${d.problem}.`));
    return null;
  }
  return d.iso;
}

function readQuantity(c: Cursor, len: number, after: string, errors: ParseError[]): number | null {
  const value = c.s.slice(c.pos, c.pos + len);
  c.pos += value.length;
  if (value.length > 0 && !isDigits(value)) {
    errors.push(error('bad-hibc', `The quantity after ${after} must be ${len} digits, but it holds '${shown(value)}'.`));
    return null;
  }
  if (value.length < len) {
    errors.push(error('truncated', `The quantity after ${after} needs ${len} digits, but the code ends after ${value.length}.`));
    return null;
  }
  return Number(value);
}

/** The lot or serial field that ends the structure. */
function readField(c: Cursor, what: 'lot' | 'serial', max: number, required: boolean, after: string, errors: ParseError[]): string | null {
  const value = c.s.slice(c.pos);
  c.pos = c.s.length;
  const name = what === 'lot' ? 'lot number' : 'serial number';
  if (value.length === 0) {
    if (required) errors.push(error('truncated', `The HIBC ${name} after ${after} is missing.`));
    return null;
  }
  if (value.length > max) {
    errors.push(error('too-long', `The HIBC ${name} has ${value.length} characters; at most ${max} are allowed.`));
    return null;
  }
  const bad = fieldCharsetError(`HIBC ${name}`, value);
  if (bad) {
    errors.push(bad);
    return null;
  }
  return value;
}

export function parseSecondary(s: string, now?: Date, supplementalFollows = false): Secondary {
  const errors: ParseError[] = [];
  const out: Secondary = { form: '', lot: null, serial: null, expiry: null, quantity: null, errors };
  const c = new Cursor(s);

  if (s.length === 0) {
    errors.push(error('truncated', 'The HIBC secondary data (lot, serial or expiry) is empty.'));
    return out;
  }
  const first = s.charCodeAt(0);
  if (isDigitCode(first)) {
    // The original format: YYJJJ, then a lot of up to 13.
    out.form = 'YYJJJ';
    out.expiry = readDate(c, 'YYJJJ', 'at the start of the secondary data', errors, now);
    out.lot = readField(c, 'lot', MAX_LEGACY_LOT_LENGTH, false, 'the Julian date', errors);
    return out;
  }
  if (first !== 0x24 /* $ */) {
    errors.push(
      error('bad-hibc', `HIBC secondary data begins with '$' (or a 5-digit Julian date), but this begins with ${describeCode(first)}.`),
    );
    return out;
  }
  c.pos = 1;
  if (c.peek() !== '$') {
    // '$' lot, or '$+' serial.
    const serial = c.peek() === '+';
    if (serial) c.pos++;
    out.form = serial ? '$+' : '$';
    const value = readField(c, serial ? 'serial' : 'lot', MAX_LOT_LENGTH, !supplementalFollows, `'${out.form}'`, errors);
    if (serial) out.serial = value;
    else out.lot = value;
    return out;
  }
  c.pos = 2;
  const serial = c.peek() === '+';
  if (serial) c.pos++;
  let form = serial ? '$$+' : '$$';

  let flag = c.peek();
  if (flag === '') {
    errors.push(error('truncated', `The HIBC secondary data ends after '${form}': an expiry date or a format digit must follow.`));
    out.form = form;
    return out;
  }
  let afterQuantity = false;
  if (flag === '8' || flag === '9') {
    c.pos++;
    form += flag;
    out.quantity = readQuantity(c, flag === '8' ? 2 : 5, `'${form}'`, errors);
    if (errors.length > 0) {
      out.form = form;
      return out;
    }
    afterQuantity = true;
    flag = c.peek();
  }

  let dated = false;
  if (flag === '0' || flag === '1') {
    // MMYY: the flag is the first digit of the month.
    out.expiry = readDate(c, 'MMYY', `after '${form}'`, errors, now);
    dated = true;
  } else if (flag >= '2' && flag <= '6' && flag.length === 1) {
    c.pos++;
    const format = FLAG_FORMAT[flag] ?? 'YYMMDD';
    const at = `'${form}${flag}'`;
    form += flag;
    out.expiry = readDate(c, format, `after ${at}`, errors, now);
    dated = true;
  } else if (flag === '7') {
    c.pos++;
    form += flag;
  } else if (afterQuantity && (flag === '8' || flag === '9')) {
    errors.push(error('bad-hibc', `After the quantity of '${form}' comes an expiry date or '7', not a second quantity flag '${flag}'.`));
  } else if (!afterQuantity) {
    errors.push(
      error('bad-hibc', `After '${form}' comes an expiry date (MMYY) or a format digit 2–9, but here comes ${describeCode(flag.charCodeAt(0))}.`),
    );
  }
  // (After a quantity, the end of the data or a letter: no expiry date.)
  out.form = form;
  if (errors.length > 0) return out;

  const value = readField(c, serial ? 'serial' : 'lot', MAX_LOT_LENGTH, !dated && !afterQuantity && !supplementalFollows, `'${form}'`, errors);
  if (serial) out.serial = value;
  else out.lot = value;
  return out;
}
