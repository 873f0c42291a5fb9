// The (8030) digital signature's association rules, with the vectors of GS1's reference
// implementation (gs1-syntax-engine src/c-lib/ai.c unit tests: validateAIrequisites and
// validateDigSigRequiresSerialisedKey).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { countWork } from '../work-count.test-support.ts';
import { parseBracketed } from './bracketed.ts';
import { checkElements } from './check-elements.ts';
import { forgetAssociationVerdicts, validateAssociations } from './validate-associations.ts';

const codes = (bracketed: string) => {
  const split = parseBracketed(bracketed);
  expect(split.errors).toEqual([]);
  return checkElements(split.elements).map((e) => e.code);
};

describe('(8030) DIGSIG requires a serialised key', () => {
  it.each([
    ['(8030)DIGSIG', false],
    ['(8030)DIGSIG(00)123456789012345675', true],
    ['(8030)DIGSIG(01)12345678901231', false],
    ['(8030)DIGSIG(01)12345678901231(21)ABC123', true],
    ['(8030)DIGSIG(253)1234567890128X', true],
    ['(8030)DIGSIG(255)12345678901280', true],
    ['(8030)DIGSIG(8003)01234567890128X', true],
    ['(8030)DIGSIG(8004)01234567890', true],
    ['(8030)DIGSIG(8006)123456789012310102', false],
    ['(8030)DIGSIG(8006)123456789012310102(21)ABC123', true],
    ['(8030)DIGSIG(8010)1234567890', false],
    ['(8030)DIGSIG(8010)1234567890(8011)123456789012', true],
  ])('%s → valid: %s', (code, valid) => {
    expect(codes(code).includes('missing-required-ai')).toBe(!valid);
  });
});

describe('(8030) DIGSIG makes the optional serial of (253), (255), (8003) mandatory', () => {
  it.each([
    ['(253)1234567890128', true],
    ['(253)1234567890128(8030)ABC123', false],
    ['(253)1234567890128X(8030)ABC123', true],
    ['(255)1234567890128', true],
    ['(255)1234567890128(8030)ABC123', false],
    ['(255)12345678901280(8030)ABC123', true],
    ['(8003)01234567890128', true],
    ['(8003)01234567890128(8030)ABC123', false],
    ['(8003)01234567890128X(8030)ABC123', true],
  ])('%s → valid: %s', (code, valid) => {
    expect(codes(code)).toEqual(valid ? [] : ['missing-required-ai']);
  });

  it('says which key lacks its serial', () => {
    const split = parseBracketed('(8030)ABC123(253)1234567890128');
    expect(checkElements(split.elements)).toEqual([{ code: 'missing-required-ai', message: '(253) GDTI signed by (8030) DIGSIG needs its serial component' }]);
  });
});

describe('(8030) properties', () => {
  const RUNS = Number(process.env.FUZZ_RUNS ?? 20_000);
  const serial = fc.string({ unit: fc.constantFrom(...'ABCXYZ0123456789'), maxLength: 16 });
  it('a signed GDTI/GCN/GRAI is refused exactly when its serial is missing, in any order, never throwing', () => {
    fc.assert(
      fc.property(fc.constantFrom(['253', '1234567890128'], ['255', '1234567890128'], ['8003', '01234567890128']), serial, fc.boolean(), ([ai, key], tail, first) => {
        const value = key + (ai === '255' ? tail.replace(/[^0-9]/g, '').slice(0, 12) : tail);
        const elements = [{ ai: ai!, value }, { ai: '8030', value: 'ABC123' }];
        const found = checkElements(first ? elements : elements.reverse()).map((e) => e.code);
        expect(found.includes('missing-required-ai')).toBe(value === key);
      }),
      { numRuns: RUNS },
    );
  });

  it('costs work linear in the number of elements', () => {
    const make = (n: number) => [{ ai: '8030', value: 'ABC123' }, ...Array.from({ length: n }, (_, i) => ({ ai: '253', value: `1234567890128X${i}` }))];
    const small = countWork(() => checkElements(make(200)));
    const large = countWork(() => checkElements(make(400)));
    expect(large).toBeLessThanOrEqual(2.2 * small + 16);
  });
});

describe('the remembered req/ex verdicts', () => {
  // A small pool, so that the same sets of AIs come back in other orders and with other values
  // (the memo is hit), among AIs that require and exclude each other, patterns and one outside
  // the table. Each answer, remembered or not, is the one computed after forgetting everything.
  const ai = fc.constantFrom('01', '02', '17', '10', '21', '235', '37', '255', '3100', '3103', '8030', '253', '99x');
  const element = fc.record({ ai, value: fc.constantFrom('A', 'B', '1234567890128', '1234567890128X') });
  it('change no answer, in any sequence of scans', () => {
    fc.assert(
      fc.property(fc.array(fc.array(element, { maxLength: 5 }), { minLength: 1, maxLength: 12 }), (scans) => {
        for (const elements of scans) {
          const answer = validateAssociations(elements);
          forgetAssociationVerdicts();
          expect(answer).toEqual(validateAssociations(elements));
        }
      }),
      { numRuns: Number(process.env.FUZZ_RUNS ?? 5_000) },
    );
  });

  it('are per set: a remembered clean set does not pass a set that holds one AI more or another', () => {
    forgetAssociationVerdicts();
    expect(validateAssociations([{ ai: '01', value: '1' }, { ai: '10', value: 'A' }])).toEqual([]);
    expect(validateAssociations([{ ai: '10', value: 'A' }, { ai: '01', value: '1' }])).toEqual([]);
    expect(validateAssociations([{ ai: '10', value: 'A' }, { ai: '02', value: '1' }]).map((e) => e.code)).toEqual(['missing-required-ai']);
    expect(validateAssociations([{ ai: '01', value: '1' }, { ai: '10', value: 'A' }, { ai: '02', value: '1' }]).map((e) => e.code)).toEqual(['missing-required-ai', 'excluded-ai']);
  });
});
