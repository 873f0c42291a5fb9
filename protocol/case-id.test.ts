import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { containsPersonalId } from './udi/index.ts';
import { dayCaseId, isGatewayCaseId, isValidCaseId, newCaseId } from './case-id.ts';
import { isValidId } from './topics.ts';

describe('case ids', () => {
  it('the gateway makes ids that pass its own check, the wire id rule and the personal-id guard', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 31 }), { minLength: 7, maxLength: 7 }), (digits) => {
        const values = [...digits];
        const id = newCaseId(() => values.shift()!);
        expect(id).toMatch(/^case-[0-9a-z]{8}$/);
        expect(isGatewayCaseId(id)).toBe(true);
        expect(isValidCaseId(id)).toBe(true); // the uplink and the national service keep it
        expect(isValidId(id)).toBe(true);
        expect(containsPersonalId(id)).toBe(false);
      }),
    );
    expect(newCaseId()).not.toBe(newCaseId());
  });

  it('refuses free text: a personnummer, a name, a typed id with one character changed', () => {
    for (const text of ['19121212_1212', '121212-1212', 'Tolvan Tolvansson', 'case-svensson', 'OR-3_2024', '', 'case-', 'day-2026120']) {
      expect(isGatewayCaseId(text)).toBe(false);
    }
    const id = newCaseId();
    const other = id.slice(0, -1) + (id.endsWith('0') ? '1' : '0');
    const changedOnce = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'].map((c) => id.slice(0, 5) + c + id.slice(6)).filter((x) => x !== id);
    expect(isGatewayCaseId(other)).toBe(false);
    expect(changedOnce.filter(isGatewayCaseId).length).toBeLessThan(changedOnce.length / 2);
  });

  it('the day case is the local date', () => {
    expect(dayCaseId(new Date(2026, 11, 5, 10).getTime())).toBe('day-20261205');
    expect(isGatewayCaseId('day-20261205')).toBe(true);
    expect(isValidCaseId('day-20261205')).toBe(true);
  });

  it('random ids: whatever the gateway accepts as its own, downstream keeps', () => {
    fc.assert(fc.property(fc.string(), (s) => isValidCaseId(s) || !isGatewayCaseId(s)));
  });
});
