// Product Divisions [Data Structure 032], data identifier '=,': the serial number of a device of
// human origin (ICCBBA ST-001 §2.4.32, ST-011):
//   PRODUCT_DIVISIONS.read('000025') → { value: '000025' }
//   PRODUCT_DIVISIONS.read('000000') → { error: { code: 'bad-value', … } }
//
// 6 characters A–Z, 0–9. ST-011 forbids 000000 in a UDI: every device of a donation has its own.

import { error } from '../result.ts';
import { type StructureSpec, upperAlphanumericError } from './structure.ts';

export const PRODUCT_DIVISIONS: StructureSpec = {
  number: '032',
  name: 'Product Divisions',
  id: '=,',
  length: 6,
  read(content) {
    const bad = upperAlphanumericError('product divisions code (=,)', content);
    if (bad) return { error: bad };
    if (content === '000000') return { error: error('bad-value', 'The ISBT 128 product divisions code (=,), the serial number, is all zeros, which a UDI never carries.') };
    return { value: content };
  },
};
