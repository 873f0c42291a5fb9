// The checks every GS1 input syntax shares, after it has been split into elements:
//   checkElements([{ai:'01',value:'09506000134352'}, {ai:'17',value:'290231'}]) →
//     [{ code: 'bad-date', message: '(17) … February has no day 31' }]
// plus patient-data AIs, which make the whole scan personal data.

import { error, type Element, type ParseError } from '../result.ts';
import { aiEntry } from './ai-table.ts';
import { validateAssociations } from './validate-associations.ts';
import { validateValue } from './validate-value.ts';

// AIs that identify a person rather than a product: GSRN of a care provider or a recipient
// (patient), the service relation instance number, and the 725x patient details.
const PERSON_AIS = new Set(['8017', '8018', '8019', '7250', '7251', '7252', '7253', '7254', '7255', '7256', '7257', '7258', '7259']);

export function hasPersonAi(elements: readonly Element[]): boolean {
  for (const e of elements) if (PERSON_AIS.has(e.ai)) return true;
  return false;
}

export function checkElements(elements: readonly Element[], now?: Date): ParseError[] {
  const errors: ParseError[] = [];
  for (const e of elements) {
    const entry = aiEntry(e.ai);
    if (entry === undefined) {
      errors.push(error('unknown-ai', `(${e.ai}) is not a GS1 Application Identifier.`));
      continue;
    }
    for (const err of validateValue(entry, e.value, now)) errors.push(err);
  }
  for (const err of validateAssociations(elements)) errors.push(err);
  return errors;
}
