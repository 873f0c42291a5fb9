// The HIBC primary data structure, which identifies the product (ANSI/HIBC 2.6 §2.1):
//   '+' LIC (4) · product/catalogue number (1–18) · unit of measure (1 digit) · check character
//   parsePrimary('A99912345') → { lic: 'A999', pcn: '1234', uom: '5', di: 'A99912345', errors: [] }
//
// The input is the part between the leading '+' and the check character (or the '/' that joins
// a secondary structure). The LIC (Labeler Identification Code, assigned by HIBCC) begins with a
// letter; the other characters of LIC and product number are digits or capital letters; the unit
// of measure is one digit (0 = the unit of use, 1–8 packaging levels, 9 variable quantity).
// UDI-DI = LIC + product number + unit of measure: no '+', no check character.

import { error, type ParseError } from '../result.ts';
import { describeCode, fieldCharsetError, isDigitCode } from './charset.ts';

export const LIC_LENGTH = 4;
export const MAX_PCN_LENGTH = 18;

export interface Primary {
  /** Labeler Identification Code. */
  lic: string;
  /** The labeler's product or catalogue number. */
  pcn: string;
  /** Unit of measure digit. */
  uom: string;
  /** LIC + PCN + U/M, or null when the structure is broken. */
  di: string | null;
  errors: ParseError[];
}

export function parsePrimary(body: string): Primary {
  const errors: ParseError[] = [];
  const fail = (e: ParseError): Primary => ({ lic: '', pcn: '', uom: '', di: null, errors: [e] });

  // LIC (4) + at least one product character + U/M.
  if (body.length < LIC_LENGTH + 2) {
    return fail(
      error(
        'truncated',
        `The HIBC product code is cut short: after '+' it needs a 4-character labeler code, a product number and a unit-of-measure digit, but holds only ${body.length} character${body.length === 1 ? '' : 's'}.`,
      ),
    );
  }
  const lic = body.slice(0, LIC_LENGTH);
  const pcn = body.slice(LIC_LENGTH, body.length - 1);
  const uom = body.slice(body.length - 1);

  const first = lic.charCodeAt(0);
  if (!(first >= 0x41 && first <= 0x5a)) {
    errors.push(error('bad-hibc', `An HIBC labeler code (LIC) begins with a capital letter, but this one begins with ${describeCode(first)}.`));
  } else {
    const bad = fieldCharsetError('HIBC labeler code (LIC)', lic);
    if (bad) errors.push(bad);
  }
  if (pcn.length > MAX_PCN_LENGTH) {
    errors.push(error('too-long', `The HIBC product number has ${pcn.length} characters; at most ${MAX_PCN_LENGTH} are allowed.`));
  } else {
    const bad = fieldCharsetError('HIBC product number', pcn);
    if (bad) errors.push(bad);
  }
  if (!isDigitCode(uom.charCodeAt(0))) {
    errors.push(error('bad-hibc', `The HIBC product code must end with a unit-of-measure digit (0–9), but it ends with ${describeCode(uom.charCodeAt(0))}.`));
  }
  return { lic, pcn, uom, di: errors.length === 0 ? lic + pcn + uom : null, errors };
}
