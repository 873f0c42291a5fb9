// The UDI view of GS1 elements: UDI-DI = GTIN (01), production identifiers lot (10), serial (21),
// expiry (17) and manufacturing date (11).
//   udiFromElements([{ai:'01',value:'09506000134352'},{ai:'17',value:'290100'}]) →
//     { di: '09506000134352', lot: null, serial: null, expiry: '2029-01-31', manufactured: null }

import { emptyUdi, type Element, type Udi } from '../result.ts';
import { yymmddToIso } from './dates.ts';

export function udiFromElements(elements: readonly Element[], now?: Date): Udi {
  const udi = emptyUdi();
  for (let i = 0; i < elements.length; i++) {
    const { ai, value } = elements[i]!;
    switch (ai) {
      case '01':
        udi.di ??= value;
        break;
      case '10':
        udi.lot ??= value;
        break;
      case '21':
        udi.serial ??= value;
        break;
      case '17':
        udi.expiry ??= yymmddToIso(value, true, now);
        break;
      case '7003': // expiry date and time: the date part
        udi.expiry ??= yymmddToIso(value.slice(0, 6), false, now);
        break;
      case '11':
        udi.manufactured ??= yymmddToIso(value, true, now);
        break;
    }
  }
  return udi;
}
