// Expiration Date [Data Structure 004], '=>', and Production Date [Data Structure 008], '=}'
// (ICCBBA ST-001 §2.4.4, §2.4.8), both cyyjjj (julian-date.ts):
//   EXPIRATION_DATE.read('019031') → { value: '2019-01-31' }
//   PRODUCTION_DATE.read('017032') → { value: '2017-02-01' }

import { error } from '../result.ts';
import { JULIAN_DATE_LENGTH, readJulianDate } from './julian-date.ts';
import type { StructureSpec } from './structure.ts';

function dateStructure(number: string, name: string, id: string): StructureSpec {
  return {
    number,
    name,
    id,
    length: JULIAN_DATE_LENGTH,
    read(content) {
      const d = readJulianDate(content);
      return d.problem === undefined ? { value: d.iso } : { error: error('bad-date', `The ISBT 128 ${name.toLowerCase()} (${id}) is not a date: ${d.problem}.`) };
    },
  };
}

export const EXPIRATION_DATE = dateStructure('004', 'Expiration Date', '=>');
export const PRODUCTION_DATE = dateStructure('008', 'Production Date', '=}');
