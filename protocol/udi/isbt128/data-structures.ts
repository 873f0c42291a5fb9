// Which ISBT 128 data structure begins at a position, by its data identifier (ICCBBA ST-001 §2.3):
//   structureAt('=/A9997AB3456T0123=,000025', 0)  → { spec: PROCESSOR_PRODUCT_ID, contentAt: 2 }
//   structureAt('=/A9997AB3456T0123=,000025', 18) → { spec: PRODUCT_DIVISIONS, contentAt: 20 }
//   structureAt('=A99991712345600', 0)            → { spec: DONATION_ID, contentAt: 1 }
//   structureAt('=<E0001000', 0)                  → null   (a blood product code: not a UDI structure)
//
// Only the structures of a UDI are read (ST-011): 001, 004, 008, 032, 034, 035, and the compound
// message header 023 (compound-message.ts). Any other identifier stops the reading, because the
// length of what follows it is unknown here.

import { DONATION_ID, startsDin } from './donation-id.ts';
import { EXPIRATION_DATE, PRODUCTION_DATE } from './dated.ts';
import { MPHO_LOT } from './mpho-lot.ts';
import { PROCESSOR_PRODUCT_ID } from './processor-product-id.ts';
import { PRODUCT_DIVISIONS } from './product-divisions.ts';
import type { StructureSpec } from './structure.ts';

export const UDI_STRUCTURES: readonly StructureSpec[] = [PROCESSOR_PRODUCT_ID, DONATION_ID, PRODUCT_DIVISIONS, EXPIRATION_DATE, PRODUCTION_DATE, MPHO_LOT];

/** '=' + second character → structure (the DIN is found by its first character instead). */
const BY_EQUALS: ReadonlyMap<string, StructureSpec> = new Map([
  ['/', PROCESSOR_PRODUCT_ID],
  [',', PRODUCT_DIVISIONS],
  ['>', EXPIRATION_DATE],
  ['}', PRODUCTION_DATE],
]);

export interface Located {
  spec: StructureSpec;
  /** Where the content begins. */
  contentAt: number;
}

export function structureAt(data: string, at: number): Located | null {
  const first = data.charCodeAt(at);
  const second = data.charAt(at + 1);
  if (first === 0x3d /* = */) {
    if (startsDin(second.charCodeAt(0))) return { spec: DONATION_ID, contentAt: at + 1 };
    const spec = BY_EQUALS.get(second);
    return spec ? { spec, contentAt: at + 2 } : null;
  }
  if (first === 0x26 /* & */ && second === ',' && data.charAt(at + 2) === '1') return { spec: MPHO_LOT, contentAt: at + 3 };
  return null;
}
