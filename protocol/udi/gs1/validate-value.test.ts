// validateValue's shortcut for one-part values (length and characters right: only the linters
// run) answers exactly as the general way through the parts, on any value of any such AI.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AI_ENTRIES } from './ai-table.generated.ts';
import { validateValue, validateValueByParts } from './validate-value.ts';

const NOW = new Date('2026-06-01T00:00:00Z');
const ONE_PART = AI_ENTRIES.map((entry, index) => ({ entry, index })).filter(({ entry }) => entry.components.length === 1);

describe('validateValue on one-part AIs', () => {
  it('agrees with the general way on any value', () => {
    // Mostly digits (N parts, dates, check digits pass now and then), some CSET 82, CSET 39 and
    // base64url characters, "=" padding, and characters no part allows.
    const unit = fc.oneof(
      { weight: 8, arbitrary: fc.constantFrom(...'0123456789'.split('')) },
      { weight: 3, arbitrary: fc.constantFrom(...'AZaz!"%&-./_#=:?'.split('')) },
      { weight: 1, arbitrary: fc.constantFrom(' ', '\x1d', 'é', '\\', '\u2013') },
    );
    const case_ = fc.constantFrom(...ONE_PART).chain(({ entry, index }) => {
      const { max } = entry.components[0]!;
      return fc.record({ entry: fc.constant(entry), index: fc.constant(index), value: fc.string({ unit, maxLength: max + 2 }) });
    });
    let passed = 0;
    fc.assert(
      fc.property(case_, ({ entry, index, value }) => {
        const fast = validateValue(entry, value, NOW, index);
        if (fast.length === 0) passed++;
        expect(fast).toEqual(validateValueByParts(entry, value, NOW));
      }),
      { numRuns: Number(process.env.FUZZ_RUNS ?? 20_000) },
    );
    expect(passed).toBeGreaterThan(1000); // the shortcut's own answer, not only its fall-through
  });

  it.each([
    ['01', '09506000134352', []],
    ['01', '09506000134353', ['bad-check-digit']],
    ['17', '290231', ['bad-date']],
    ['10', 'AB-123', []],
    ['10', 'AB 123', ['bad-charset']],
    ['10', '', ['too-short']],
  ])('(%s) %s → %j', (ai, value, codes) => {
    const index = AI_ENTRIES.findIndex((e) => e.ai === ai);
    expect(validateValue(AI_ENTRIES[index]!, value, NOW, index).map((e) => e.code)).toEqual(codes);
  });
});
