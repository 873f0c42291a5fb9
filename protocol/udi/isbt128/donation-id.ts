// Donation Identification Number [Data Structure 001], data identifier '=' and the first character
// of the number: the distinct identification code of the donation a device was made from (ICCBBA
// ST-001 §2.4.1, ST-011):
//   DONATION_ID.read('A99991712345600') → { value: 'A999917123456' }    (ST-011's example, flags 00)
//   DONATION_ID.read('G12341765432170') → { value: 'G123417654321' }    (flags 70 = 60 + check 10)
//   DONATION_ID.read('G12341765432171') → { error: { code: 'bad-check-digit', … } }
//
// 15 characters: facility identification number (5; the first A–N, P–Z or 1–9, which tells the
// DIN from every other '=' structure), year (2 digits), sequence number (6 digits) and two flag
// characters. The DIN is the first 13. Flags 60–96 carry its ISO/IEC 7064 MOD 37-2 check value
// (60 + value, mod37-2.ts) and are checked; any other flags (00 in a UDI, 01–59 process control)
// carry no check and are dropped.

import { error } from '../result.ts';
import { mod37x2Value } from './mod37-2.ts';
import { finError, isDigits, type StructureSpec, upperAlphanumericError } from './structure.ts';

export const DIN_LENGTH = 13;

/** Whether `c` may begin a DIN: A–N, P–Z, 1–9. */
export function startsDin(c: number): boolean {
  return (c >= 0x31 && c <= 0x39) || (c >= 0x41 && c <= 0x5a && c !== 0x4f);
}

export const DONATION_ID: StructureSpec = {
  number: '001',
  name: 'Donation Identification Number',
  id: '=',
  length: 15,
  read(content) {
    const bad = finError('donation identification number (=)', content.slice(0, 5)) ?? upperAlphanumericError('donation identification number flags', content.slice(13));
    if (bad) return { error: bad };
    if (!isDigits(content.slice(5, 13))) {
      return { error: error('bad-value', 'The ISBT 128 donation identification number (=) has letters where its year and sequence number (8 digits) belong.') };
    }
    const din = content.slice(0, DIN_LENGTH);
    const flags = content.slice(DIN_LENGTH);
    if (isDigits(flags) && Number(flags) >= 60 && Number(flags) <= 96 && mod37x2Value(din) !== Number(flags) - 60) {
      return { error: error('bad-check-digit', 'The check value in the flags of the ISBT 128 donation identification number (=) does not match the number: it was misread or misprinted.') };
    }
    return { value: din };
  },
};
