// One ISBT 128 scan (ICCBBA ST-001, ST-011 "Coding and Labeling of Medical Devices Using
// ISBT 128") → UDI data, for implants of human origin (bone, tendon, heart valves, skin):
//   parseIsbt128('=/A9997AB3456T0123')
//     → ok, udi.di 'A9997AB3456T0123'                                     (the DI alone, linear)
//   parseIsbt128('=+06000=/A9999XYZ100T0476=,000025=A99972312345600=>025032=}023032&,1000000000000XYZ123')
//     → ok, udi { di: 'A9999XYZ100T0476', serial: '000025', lot: '000000000000XYZ123',
//                 expiry: '2025-02-01', manufactured: '2023-02-01' }, din 'A999723123456'
//   parseIsbt128('=A99991712345600') → not ok, 'not-a-product' (a DIN names no product)
//
// A scan is one data structure, several concatenated (Code 128 concatenation), or a compound
// message '=+aabbb' followed by exactly aa structures. UDI-DI = Processor Product Identification
// Code [034]; production identifiers: Product Divisions [032] → serial, MPHO Lot Number [035] →
// lot, Expiration Date [004], Production Date [008], and the Donation Identification Number [001],
// which has no UDI field of its own (it stays in the carrier's text). ST-011's rules for a UDI
// compound message are checked: it begins with the DI, and holds the DIN and the product divisions.
// Linear in the input (each character read once) and never throws.

import { shown } from '../gs1/ai-label.ts';
import { emptyUdi, error, type ParseError, type Udi } from '../result.ts';
import { COMPOUND_HEADER_LENGTH, COMPOUND_ID, readCompoundHeader } from './compound-message.ts';
import { structureAt } from './data-structures.ts';
import { DONATION_ID } from './donation-id.ts';
import { EXPIRATION_DATE, PRODUCTION_DATE } from './dated.ts';
import { MPHO_LOT } from './mpho-lot.ts';
import { PROCESSOR_PRODUCT_ID } from './processor-product-id.ts';
import { PRODUCT_DIVISIONS } from './product-divisions.ts';

export interface Isbt128Structure {
  /** ICCBBA's data structure number, e.g. '034'. */
  number: string;
  /** The value read: the DI, the DIN without flags, a date as YYYY-MM-DD, … */
  value: string;
}

export interface Isbt128Result {
  ok: boolean;
  udi: Udi;
  errors: ParseError[];
  /** The structures read, in scan order (the compound header not among them). */
  structures: Isbt128Structure[];
  /** The Donation Identification Number (13 characters), or null. */
  din: string | null;
}

/** Every ISBT 128 data identifier begins with '=' or '&'; no GS1 or HIBC code does. */
export function looksLikeIsbt128(data: string): boolean {
  const c = data.charCodeAt(0);
  return c === 0x3d || c === 0x26;
}

function badCharset(data: string): ParseError | null {
  for (let i = 0; i < data.length; i++) {
    const c = data.charCodeAt(i);
    if (c > 0x20 && c < 0x7f) continue;
    return error('bad-charset', `ISBT 128 data holds printable ASCII only, but position ${i + 1} holds ${c === 0x20 ? 'a space' : `the character 0x${c.toString(16).toUpperCase().padStart(2, '0')}`}.`);
  }
  return null;
}

function result(errors: ParseError[], structures: Isbt128Structure[] = [], udi: Udi = emptyUdi(), din: string | null = null): Isbt128Result {
  return { ok: errors.length === 0, udi, errors, structures, din };
}

export function parseIsbt128(data: string): Isbt128Result {
  const charset = badCharset(data);
  if (charset) return result([charset]);

  const errors: ParseError[] = [];
  let at = 0;
  let declared: number | null = null;
  if (data.startsWith(COMPOUND_ID)) {
    const header = readCompoundHeader(data.slice(2, 2 + COMPOUND_HEADER_LENGTH));
    if (header.error) return result([header.error]);
    declared = header.count;
    at = 2 + COMPOUND_HEADER_LENGTH;
  }

  const structures: Isbt128Structure[] = [];
  const seen = new Set<string>();
  while (at < data.length) {
    const found = structureAt(data, at);
    if (found === null) {
      const nested = data.startsWith(COMPOUND_ID, at);
      errors.push(
        nested
          ? error('bad-isbt128', 'An ISBT 128 compound message (=+) may not hold a second one.')
          : error('bad-isbt128', `At position ${at + 1} begins '${shown(data.slice(at, at + 3))}', which is not the data identifier of an ISBT 128 structure a UDI uses (=/ =, = => =} &,1).`),
      );
      break;
    }
    const { spec, contentAt } = found;
    const content = data.slice(contentAt, contentAt + spec.length);
    if (content.length < spec.length) {
      errors.push(error('truncated', `The ISBT 128 ${spec.name} (${spec.id}) needs ${spec.length} characters, but the code ends after ${content.length}.`));
      break;
    }
    at = contentAt + spec.length;
    const read = spec.read(content);
    if (read.error) {
      errors.push(read.error);
      continue;
    }
    if (seen.has(spec.number)) {
      errors.push(error('bad-isbt128', `The ISBT 128 code holds the ${spec.name} (${spec.id}) twice.`));
      continue;
    }
    seen.add(spec.number);
    structures.push({ number: spec.number, value: read.value });
  }

  const value = (number: string): string | null => structures.find((s) => s.number === number)?.value ?? null;
  const udi: Udi = {
    di: value(PROCESSOR_PRODUCT_ID.number),
    lot: value(MPHO_LOT.number),
    serial: value(PRODUCT_DIVISIONS.number),
    expiry: value(EXPIRATION_DATE.number),
    manufactured: value(PRODUCTION_DATE.number),
  };
  const din = value(DONATION_ID.number);
  if (errors.length > 0) return result(errors, structures, udi, din);

  if (declared !== null) {
    if (declared !== structures.length) {
      errors.push(error('bad-isbt128', `The ISBT 128 compound message (=+) says ${declared} data structures follow, but ${structures.length} do.`));
    } else if (udi.di !== null && (structures[0]?.number !== PROCESSOR_PRODUCT_ID.number || din === null || udi.serial === null)) {
      errors.push(
        error('bad-isbt128', 'An ISBT 128 UDI compound message begins with the product identification code (=/) and holds the donation identification number (=) and the product divisions (=,).'),
      );
    }
  }
  if (errors.length === 0 && udi.di === null) {
    errors.push(
      error('not-a-product', 'This ISBT 128 code carries no processor product identification code (=/), so it names no product. Scan the label\'s 2-D symbol or its "=/" bar code.'),
    );
  }
  return result(errors, structures, udi, din);
}
