// HIBC supplemental data fields, each after a '/' at the end of the secondary data (ANSI/HIBC 2.6
// §2.3; Data Identifiers of ANSI MH10.8.2):
//   parseSupplemental('S77DE1G45')   → { kind: 'serial', value: '77DE1G45' }
//   parseSupplemental('16D20111212') → { kind: 'manufactured', value: '2011-12-12' }
//   parseSupplemental('14D20290131') → { kind: 'expiry', value: '2029-01-31' }
//   parseSupplemental('Q100')        → { kind: 'quantity', value: '100' }
//   parseSupplemental('1T123')       → { error: { code: 'bad-hibc', … unknown field … } }
//
// /S serial number (a label that carries a lot too), /16D date of manufacture YYYYMMDD, /14D
// expiry date YYYYMMDD (four-digit year), /Q quantity (digits; MH10.8.2 DI 'Q', at most
// MAX_QUANTITY_DIGITS like GS1's (30)). No other field is defined; an unknown one is reported,
// never dropped, because dropping it would hide data the label carries.

import { error, type ParseError } from '../result.ts';
import { fieldCharsetError, isDigits } from './charset.ts';
import { hibcDate } from './dates.ts';
import { MAX_LOT_LENGTH } from './secondary.ts';
import { shown } from '../gs1/ai-label.ts';

export type SupplementalKind = 'serial' | 'manufactured' | 'expiry' | 'quantity';

/** The longest /Q quantity: 8 digits, as GS1's count of items (30). */
export const MAX_QUANTITY_DIGITS = 8;

export type Supplemental = { kind: SupplementalKind; value: string; error?: undefined } | { kind?: undefined; value?: undefined; error: ParseError };

/** The field's text for a message: its first characters only, digits masked. */
function shownField(field: string): string {
  return `/${shown(field.length > 6 ? field.slice(0, 6) : field)}${field.length > 6 ? '…' : ''}`;
}

function date(kind: 'manufactured' | 'expiry', di: string, field: string): Supplemental {
  const value = field.slice(di.length);
  const what = kind === 'manufactured' ? 'manufacturing date' : 'expiry date';
  const d = hibcDate('YYYYMMDD', value);
  if (d.problem === undefined) return { kind, value: d.iso };
  if (value.length < 8 && (value.length === 0 || isDigits(value))) {
    return { error: error('truncated', `The ${what} after '/${di}' needs 8 digits (YYYYMMDD), but only ${value.length} follow.`) };
  }
  if (value.length !== 8 || !isDigits(value)) {
    return { error: error('bad-date', `The ${what} after '/${di}' must be 8 digits (YYYYMMDD), but it is '${shown(value.slice(0, 12))}'.`) };
  }
  return { error: error('bad-date', `The ${what} '${shown(value)}' (after '/${di}') is impossible: ${d.problem}.`) };
}

function quantity(value: string): Supplemental {
  if (value.length === 0) return { error: error('truncated', "The quantity after '/Q' is missing.") };
  if (!isDigits(value)) return { error: error('bad-value', `The quantity after '/Q' must be digits, but it is '${shown(value.slice(0, 12))}'.`) };
  if (value.length > MAX_QUANTITY_DIGITS) {
    return { error: error('too-long', `The quantity after '/Q' has ${value.length} digits; at most ${MAX_QUANTITY_DIGITS} are allowed.`) };
  }
  return { kind: 'quantity', value };
}

export function parseSupplemental(field: string): Supplemental {
  if (field.length === 0) return { error: error('bad-hibc', "The HIBC code has an empty field: two '/' in a row, or a '/' at the end.") };
  if (field.startsWith('16D')) return date('manufactured', '16D', field);
  if (field.startsWith('14D')) return date('expiry', '14D', field);
  if (field.charCodeAt(0) === 0x51 /* Q */) return quantity(field.slice(1));
  if (field.charCodeAt(0) === 0x53 /* S */) {
    const value = field.slice(1);
    if (value.length === 0) return { error: error('truncated', "The serial number after '/S' is missing.") };
    if (value.length > MAX_LOT_LENGTH) {
      return { error: error('too-long', `The HIBC serial number has ${value.length} characters; at most ${MAX_LOT_LENGTH} are allowed.`) };
    }
    const bad = fieldCharsetError('HIBC serial number', value);
    return bad ? { error: bad } : { kind: 'serial', value };
  }
  return {
    error: error(
      'bad-hibc',
      `The HIBC code holds an unknown field '${shownField(field)}': only /S (serial), /16D (manufacturing date), /14D (expiry date) and /Q (quantity) may follow the secondary data.`,
    ),
  };
}
