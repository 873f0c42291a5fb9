// MPHO Lot Number [Data Structure 035], data identifier '&,1': the lot of a device of human origin
// (ICCBBA ST-001 §2.4.35, ST-011):
//   MPHO_LOT.read('000000000000XYZ123') → { value: '000000000000XYZ123' }
//
// 18 characters, left-padded with zeros and kept as printed (the FDA's GUDID field is the 18);
// inside a UDI only capital letters and digits.

import { type StructureSpec, upperAlphanumericError } from './structure.ts';

export const MPHO_LOT: StructureSpec = {
  number: '035',
  name: 'MPHO Lot Number',
  id: '&,1',
  length: 18,
  read(content) {
    const bad = upperAlphanumericError('lot number (&,1)', content);
    return bad ? { error: bad } : { value: content };
  },
};
