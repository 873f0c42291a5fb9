// Everything after the product in an HIBC code: the secondary structure plus its supplemental fields.
//   parseProduction('$$52001510X3/16D20111212/S77DE1G45')
//     → { lot: '10X3', serial: '77DE1G45', expiry: '2020-01-15', manufactured: '2011-12-12', … }
//   parseProduction('$/Q24/S77DE1G45') → { lot: null, serial: '77DE1G45', quantity: 24, … }
//
// Lot, serial and dates hold only digits and capitals, so every '/' starts a supplemental field.
// A field may not repeat; a /S or /14D that contradicts the secondary structure (a serial in a
// '$+' form, an expiry in a dated form) is an error, since the label then disagrees with itself;
// the same value twice is accepted; so is a /Q beside a '$$8'/'$$9' quantity. A '$' (or '$$7')
// whose lot is empty is accepted when supplemental fields follow: they carry the data.

import { error, type ParseError } from '../result.ts';
import { parseSecondary } from './secondary.ts';
import { parseSupplemental, type SupplementalKind } from './supplemental.ts';
import { shown } from '../gs1/ai-label.ts';

export interface Production {
  /** The secondary structure's flags, e.g. '$$3' (see secondary.ts). */
  form: string;
  lot: string | null;
  serial: string | null;
  /** YYYY-MM-DD */
  expiry: string | null;
  /** YYYY-MM-DD */
  manufactured: string | null;
  quantity: number | null;
  errors: ParseError[];
}

/** Enough to say what is wrong; a code with '/' repeated 200 times needs no 200 messages. */
const MAX_FIELD_ERRORS = 5;

const FIELD_NAME: Readonly<Record<SupplementalKind, string>> = {
  serial: 'serial number (/S)',
  manufactured: 'manufacturing date (/16D)',
  expiry: 'expiry date (/14D)',
  quantity: 'quantity (/Q)',
};

export function parseProduction(s: string, now?: Date): Production {
  const slash = s.indexOf('/');
  const main = parseSecondary(slash < 0 ? s : s.slice(0, slash), now, slash >= 0);
  const errors = [...main.errors];
  const out: Production = { form: main.form, lot: main.lot, serial: main.serial, expiry: main.expiry, manufactured: null, quantity: main.quantity, errors };
  if (slash < 0) return out;

  const seen = new Set<SupplementalKind>();
  let broken = 0;
  for (const field of s.slice(slash + 1).split('/')) {
    const f = parseSupplemental(field);
    if (f.error) {
      if (++broken > MAX_FIELD_ERRORS) {
        errors.push(error('bad-hibc', `The HIBC code has more than ${MAX_FIELD_ERRORS} broken '/' fields; the rest were not checked.`));
        break;
      }
      errors.push(f.error);
      continue;
    }
    if (seen.has(f.kind)) {
      errors.push(error('bad-hibc', `The HIBC code holds the ${FIELD_NAME[f.kind]} twice.`));
      continue;
    }
    seen.add(f.kind);
    if (f.kind === 'manufactured') {
      out.manufactured = f.value;
    } else if (f.kind === 'quantity') {
      const q = Number(f.value);
      if (out.quantity !== null && out.quantity !== q) {
        errors.push(error('bad-hibc', 'The HIBC code holds two different quantities (/Q and the secondary data).'));
      } else out.quantity = q;
    } else if (f.kind === 'serial') {
      if (out.serial !== null && out.serial !== f.value) {
        errors.push(error('bad-hibc', `The HIBC code holds two different serial numbers: '${shown(out.serial)}' and '${shown(f.value)}' (/S).`));
      } else out.serial = f.value;
    } else if (out.expiry !== null && out.expiry !== f.value) {
      errors.push(error('bad-hibc', `The HIBC code holds two different expiry dates (/14D).`));
    } else out.expiry = f.value;
  }
  return out;
}
