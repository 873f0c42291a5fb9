// One HIBC scan (Health Industry Bar Code, ANSI/HIBC 2.6 Supplier Labeling Standard) → UDI data.
//   parseHibc('+A999123457')               → ok, di 'A99912345'                    (primary)
//   parseHibc('+A99912345/$$3290131LOT429') → ok, di 'A99912345', lot 'LOT42', expiry 2029-01-31
//   parseHibc('+$$3290131LOT427A')         → not ok ('not-a-product'): a secondary on its own,
//                                             linked by '7' to the primary +A999123457
//   parseHibc('*+A999123457*')             → as without the Code 39 start/stop characters
//
// Three structures, told apart by the character after '+':
//   primary     + LIC PCN U/M C                          a capital letter follows '+'
//   combined    + LIC PCN U/M / secondary [/suppl…] C    one check character C over everything
//                                                        before it; no link character
//   secondary   + secondary [/suppl…] L C                '$' or a digit follows '+'; L (link) is
//                                                        the primary's check character
// The check character is always the last one and is computed over all characters before it from
// the '+' on (mod43.ts). '+/' begins the HIBC Provider Applications Standard (hospital-internal
// patient, staff and item labels), which is refused without echoing it.
// Linear in the input, bounded by MAX_HIBC_LENGTH, and never throws.

import { emptyUdi, error, type ParseError, type Udi } from '../result.ts';
import { charsetError, isDigitCode } from './charset.ts';
import { mod43CheckChar, showChar } from './mod43.ts';
import { parsePrimary } from './primary.ts';
import { parseProduction } from './production.ts';

/** Longer than any HIBC supplier label's data (the longest well-formed one has about 110). */
export const MAX_HIBC_LENGTH = 256;

/** 'pair': a primary and a separate secondary scanned apart and joined by pair.ts. */
export type HibcStructure = 'primary' | 'combined' | 'secondary' | 'pair';

/** The parts of an HIBC code beyond the UDI; null fields were absent or broken. */
export interface HibcFields {
  structure: HibcStructure;
  lic: string | null;
  pcn: string | null;
  uom: string | null;
  /** The secondary structure's flags, e.g. '$$3', '$+', 'YYJJJ' (null: primary only). */
  form: string | null;
  quantity: number | null;
  /** The last character, as scanned. */
  check: string;
  /** A separate secondary's link character (the primary's check character), else null. */
  link: string | null;
}

export interface HibcResult {
  ok: boolean;
  udi: Udi;
  errors: ParseError[];
  /** null when the data is not an HIBC supplier code at all (wrong characters, PAS, …). */
  hibc: HibcFields | null;
}

/** An HIBC supplier-labeling code starts with '+' (or '*+' with Code 39 start/stop characters). */
export function looksLikeHibc(data: string): boolean {
  return data.charCodeAt(0) === 0x2b || (data.charCodeAt(0) === 0x2a && data.charCodeAt(1) === 0x2b);
}

function refused(e: ParseError): HibcResult {
  return { ok: false, udi: emptyUdi(), errors: [e], hibc: null };
}

/** Removes the Code 39 start/stop '*' pair, or says why it cannot. */
function unwrap(data: string): string | ParseError {
  const starts = data.charCodeAt(0) === 0x2a;
  const ends = data.length > 1 && data.charCodeAt(data.length - 1) === 0x2a;
  if (starts && ends) return data.slice(1, -1);
  if (starts || (ends && data.charCodeAt(0) === 0x2b)) {
    return error('bad-hibc', "The HIBC code has a Code 39 start/stop character '*' at one end but not at the other.");
  }
  return data;
}

export function parseHibc(data: string, now?: Date): HibcResult {
  if (data.length > MAX_HIBC_LENGTH) {
    return refused(error('too-long', `The HIBC code has ${data.length} characters; HIBC label data is never longer than ${MAX_HIBC_LENGTH}.`));
  }
  const code = unwrap(data);
  if (typeof code !== 'string') return refused(code);
  if (code.charCodeAt(0) !== 0x2b) return refused(error('bad-hibc', "An HIBC code begins with '+'."));
  const badChar = charsetError(code);
  if (badChar) return refused(badChar);
  if (code.length < 3) {
    return refused(error('truncated', "The HIBC code is cut short: after '+' it holds almost nothing."));
  }
  if (code.charCodeAt(1) === 0x2f /* / */) {
    return refused(
      error(
        'bad-hibc',
        "This is an HIBC Provider Applications code ('+/'): a hospital's own label for a patient, staff member or item, not a supplier's product code.",
      ),
    );
  }

  const errors: ParseError[] = [];
  const check = code.charAt(code.length - 1);
  const body = code.slice(0, -1);
  const computed = mod43CheckChar(body);
  if (computed !== null && computed !== check) {
    errors.push(
      error(
        'bad-check-digit',
        `HIBC check character is ${showChar(check)} but the data computes ${showChar(computed)}: the code was misread or misprinted.`,
      ),
    );
  }

  const second = body.charCodeAt(1);
  if (second === 0x24 /* $ */ || isDigitCode(second)) return separateSecondary(body, check, errors, now);

  const slash = body.indexOf('/');
  const primary = parsePrimary(slash < 0 ? body.slice(1) : body.slice(1, slash));
  errors.push(...primary.errors);
  const udi: Udi = { ...emptyUdi(), di: primary.di };
  const fields: HibcFields = {
    structure: slash < 0 ? 'primary' : 'combined',
    lic: primary.di === null ? null : primary.lic,
    pcn: primary.di === null ? null : primary.pcn,
    uom: primary.di === null ? null : primary.uom,
    form: null,
    quantity: null,
    check,
    link: null,
  };
  if (slash >= 0) {
    const p = parseProduction(body.slice(slash + 1), now);
    errors.push(...p.errors);
    udi.lot = p.lot;
    udi.serial = p.serial;
    udi.expiry = p.expiry;
    udi.manufactured = p.manufactured;
    fields.form = p.form;
    fields.quantity = p.quantity;
  }
  return { ok: errors.length === 0 && udi.di !== null, udi, errors, hibc: fields };
}

/** '+' secondary [/supplemental…] L, the link character L last. */
function separateSecondary(body: string, check: string, errors: ParseError[], now: Date | undefined): HibcResult {
  const link = body.charAt(body.length - 1);
  const p = parseProduction(body.slice(1, -1), now);
  errors.push(...p.errors);
  errors.push(
    error(
      'not-a-product',
      `This is the second HIBC barcode of a label (lot, serial or expiry, linked by ${showChar(link)}); it does not name the product. Scan the label's other HIBC barcode, the one with the product number, too.`,
    ),
  );
  return {
    ok: false,
    udi: { di: null, lot: p.lot, serial: p.serial, expiry: p.expiry, manufactured: p.manufactured },
    errors,
    hibc: { structure: 'secondary', lic: null, pcn: null, uom: null, form: p.form, quantity: p.quantity, check, link },
  };
}
