// The checks every GS1 input syntax shares, after it has been split into elements:
//   checkElements([{ai:'01',value:'09506000134352'}, {ai:'17',value:'290231'}]) →
//     [{ code: 'bad-date', message: '(17) … February has no day 31' }]
// plus patient-data AIs, which make the whole scan personal data.

import { error, type Element, type ParseError } from '../result.ts';
import { aiIndex } from './ai-table.ts';
import { AI_ENTRIES } from './ai-table.generated.ts';
import { validateAssociations } from './validate-associations.ts';
import { lastValueDigits, validateValue } from './validate-value.ts';

// AIs that identify a person rather than a product: GSRN of a care provider or a recipient
// (patient), the service relation instance number, and the 725x patient details.
const PERSON_AIS = new Set(['8017', '8018', '8019', '7250', '7251', '7252', '7253', '7254', '7255', '7256', '7257', '7258', '7259']);

export function hasPersonAi(elements: readonly Element[]): boolean {
  // All of them have four digits: the length test spares the Set lookup for most AIs.
  for (let i = 0; i < elements.length; i++) {
    const { ai } = elements[i]!;
    if (ai.length === 4 && PERSON_AIS.has(ai)) return true;
  }
  return false;
}

/** Scratch: the table index of each element's AI, handed to validateAssociations. */
let indices = new Int16Array(16);
/** Scratch: the digits in each element's value as the value check counted them, or -1 (not all
 * read); valid for the elements of the latest call only (countedDigits checks which). */
let digitCounts = new Int16Array(16);
let countedFor: readonly Element[] | null = null;

/** The digit count of each value of `elements` if the latest checkElements call was over this very
 * array (-1 for a value not fully read), else null: for the personal-id guard (parse.ts). */
export function countedDigits(elements: readonly Element[]): Int16Array | null {
  return countedFor === elements ? digitCounts : null;
}

/** `known`, if given, holds the table index of each element's AI (SplitResult.indices). */
export function checkElements(elements: readonly Element[], now?: Date, known?: Int16Array): ParseError[] {
  const errors: ParseError[] = [];
  countedFor = null;
  if (digitCounts.length < elements.length) digitCounts = new Int16Array(elements.length * 2);
  if (known === undefined) {
    if (indices.length < elements.length) indices = new Int16Array(elements.length * 2);
    for (let i = 0; i < elements.length; i++) indices[i] = aiIndex(elements[i]!.ai);
  }
  const tableIndex = known ?? indices;
  // Index loops: for-of over the shared frozen empty arrays that the validators return in the
  // common case allocated an iterator per call.
  for (let i = 0; i < elements.length; i++) {
    const e = elements[i]!;
    const index = tableIndex[i]!;
    const entry = index < 0 ? undefined : AI_ENTRIES[index];
    if (entry === undefined) {
      digitCounts[i] = -1;
      errors.push(error('unknown-ai', `(${e.ai}) is not a GS1 Application Identifier.`));
      continue;
    }
    const found = validateValue(entry, e.value, now, index);
    digitCounts[i] = lastValueDigits();
    for (let k = 0; k < found.length; k++) errors.push(found[k]!);
  }
  const found = validateAssociations(elements, tableIndex);
  for (let k = 0; k < found.length; k++) errors.push(found[k]!);
  countedFor = elements;
  return errors;
}
