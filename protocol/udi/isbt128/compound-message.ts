// Compound Message [Data Structure 023], data identifier '=+': several data structures in one 2-D
// symbol (ICCBBA ST-001 §2.4.23, ST-011 §6):
//   readCompoundHeader('06000') → { count: 6, sequence: '000' }     (6 structures follow, in any order)
//   readCompoundHeader('04035') → { count: 4, sequence: '035' }     (ICCBBA's specified sequence 035)
//
// aa (01–99): how many data structures follow; bbb: 000 for an unspecified order, else the number
// of a specified sequence in ICCBBA's table RT017 (not checked here: the table is licensed).
// ST-011: a UDI's compound message begins with the Processor Product Identification Code.

import { error, type ParseError } from '../result.ts';
import { isDigits } from './structure.ts';

export const COMPOUND_ID = '=+';
export const COMPOUND_HEADER_LENGTH = 5;

export type CompoundHeader = { count: number; sequence: string; error?: undefined } | { count?: undefined; sequence?: undefined; error: ParseError };

export function readCompoundHeader(content: string): CompoundHeader {
  if (!isDigits(content) || content.length !== COMPOUND_HEADER_LENGTH) {
    return { error: error('bad-value', 'An ISBT 128 compound message (=+) begins with 5 digits: how many data structures follow, and their sequence.') };
  }
  const count = Number(content.slice(0, 2));
  if (count === 0) return { error: error('bad-value', 'An ISBT 128 compound message (=+) says no data structures follow.') };
  return { count, sequence: content.slice(2) };
}
