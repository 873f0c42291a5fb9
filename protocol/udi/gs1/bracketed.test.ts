import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { workAtDouble } from '../work-count.test-support.ts';
import { AI_ENTRIES } from './ai-table.generated.ts';
import { parseBracketed, toBracketed } from './bracketed.ts';

const CSET82 = `!"%&'()*+,-./0123456789:;<=>?ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz`;
const codes = (text: string) => parseBracketed(text).errors.map((e) => e.code);
const els = (...pairs: [string, string][]) => pairs.map(([ai, value]) => ({ ai, value }));

describe('parseBracketed', () => {
  it('splits the bracketed form into elements', () => {
    expect(parseBracketed('(01)09506000134352(17)290131(10)AB-123')).toEqual({
      elements: els(['01', '09506000134352'], ['17', '290131'], ['10', 'AB-123']),
      errors: [],
    });
  });

  it('reads 2-, 3- and 4-digit AIs', () => {
    expect(parseBracketed('(00)106141411234567897(240)A1(3103)000195(8020)R').elements).toEqual(
      els(['00', '106141411234567897'], ['240', 'A1'], ['3103', '000195'], ['8020', 'R']),
    );
  });

  it('reads "\\(" as a data bracket, also at the end and before an AI', () => {
    expect(parseBracketed('(10)12345\\(11)991225').elements).toEqual(els(['10', '12345(11)991225']));
    expect(parseBracketed('(10)12345\\(').elements).toEqual(els(['10', '12345(']));
    expect(parseBracketed('(10)\\(A\\((21)X').elements).toEqual(els(['10', '(A('], ['21', 'X']));
  });

  it('keeps a backslash that escapes nothing, and only one before "("', () => {
    expect(parseBracketed('(10)A\\B').elements).toEqual(els(['10', 'A\\B']));
    expect(parseBracketed('(10)A\\\\(21)X').elements).toEqual(els(['10', 'A\\(21)X']));
  });

  it('is lenient: a "(" that does not open a known AI is data', () => {
    expect(parseBracketed('(10)LOT(A)(21)X')).toEqual({ elements: els(['10', 'LOT(A)'], ['21', 'X']), errors: [] });
    expect(parseBracketed('(10)A(1)B(9999)C(').elements).toEqual(els(['10', 'A(1)B(9999)C(']));
    expect(parseBracketed('(10)A(0112)B').elements).toEqual(els(['10', 'A(0112)B'])); // "(01" then "1)": no AI
    expect(parseBracketed('(10)A)B((21)C').elements).toEqual(els(['10', 'A)B('], ['21', 'C']));
  });

  it('reports text before the first "("', () => {
    expect(codes('01)09506000134352')).toEqual(['bad-bracketed']);
    expect(codes(' (01)09506000134352')).toEqual(['bad-bracketed']);
    expect(codes('')).toEqual(['bad-bracketed']);
  });

  it('reports a missing, non-numeric, unknown or unterminated first AI', () => {
    expect(codes('()12345')).toEqual(['bad-bracketed']);
    expect(codes('(1A)12345')).toEqual(['bad-bracketed']);
    expect(codes('(1)12345')).toEqual(['unknown-ai']);
    expect(codes('(23)12345')).toEqual(['unknown-ai']);
    expect(codes('(12345)12345')).toEqual(['unknown-ai']);
    expect(codes('(1234567890')).toEqual(['unknown-ai']);
    expect(codes('(')).toEqual(['truncated']);
    expect(codes('(01')).toEqual(['truncated']);
  });

  it('reports empty values and keeps the element', () => {
    expect(parseBracketed('(10)(11)980101')).toMatchObject({
      elements: els(['10', ''], ['11', '980101']),
      errors: [{ code: 'bad-bracketed' }],
    });
    expect(parseBracketed('(10)12345(11)')).toMatchObject({ elements: els(['10', '12345'], ['11', '']), errors: [{ code: 'truncated' }] });
  });

  it('says what is wrong, without echoing long input', () => {
    const [e] = parseBracketed(`X${'9'.repeat(5000)}`).errors;
    expect(e?.message).toMatch(/must start with "\(" and an AI/);
    expect(e!.message.length).toBeLessThan(200);
    expect(parseBracketed('(23)1').errors[0]?.message).toBe('(23) is not a GS1 Application Identifier.');
  });

  it('stays linear on hostile 64 KiB input (work counted, not timed)', () => {
    expect(parseBracketed('(01)'.repeat(16384))).toMatchObject({ elements: { length: 16384 }, errors: [{ code: 'bad-bracketed' }] });
    const hostile = [
      (k: number) => '(01)'.repeat(16384 * k),
      (k: number) => '('.repeat(65536 * k),
      (k: number) => `(10)${'\\('.repeat(32000 * k)}`,
      (k: number) => `(10)${'(0'.repeat(32000 * k)}`,
      (k: number) => `(10)${'(10'.repeat(21000 * k)}`,
      (k: number) => '(9'.repeat(32768 * k),
    ];
    const parseOne = (s: string) => {
      const r = parseBracketed(s);
      expect(r.elements.length + r.errors.length).toBeGreaterThan(0);
    };
    // Half the input and all of it: twice the input, at most about twice the work.
    for (const make of hostile) {
      const work = workAtDouble(make, parseOne, 0.5);
      expect(work.twice).toBeLessThanOrEqual(2.2 * work.n + 64);
    }
  });
});

describe('toBracketed', () => {
  it('writes elements with every "(" in a value escaped', () => {
    expect(toBracketed(els(['01', '09506000134352'], ['10', 'A(1)']))).toBe('(01)09506000134352(10)A\\(1)');
    expect(toBracketed([])).toBe('');
  });
});

describe('bracketed properties', () => {
  const knownAi = fc.constantFrom(...AI_ENTRIES.map((e) => e.ai));
  const cset82 = (minLength: number) => fc.string({ unit: fc.constantFrom(...CSET82), minLength, maxLength: 30 });
  // Values rich in brackets and AI-like text, where a careless escape would show.
  const tricky = fc.array(fc.oneof(cset82(0), fc.constantFrom('(', ')', '(01)', '(10)', '(3103)', '(9', '((', '01')), { maxLength: 6 }).map((a) => a.join(''));

  it('round-trips any elements with known AIs and CSET 82 values', () => {
    const element = fc.record({ ai: knownAi, value: fc.oneof(cset82(1), tricky.filter((v) => v !== '')) });
    fc.assert(
      fc.property(fc.array(element, { minLength: 1, maxLength: 8 }), (elements) => {
        expect(parseBracketed(toBracketed(elements))).toEqual({ elements, errors: [] });
      }),
      { numRuns: 20_000 },
    );
  });

  it('round-trips the elements even when values are empty (reporting them)', () => {
    const element = fc.record({ ai: knownAi, value: fc.oneof(cset82(0), tricky) });
    fc.assert(
      fc.property(fc.array(element, { minLength: 1, maxLength: 6 }), (elements) => {
        const r = parseBracketed(toBracketed(elements));
        expect(r.elements).toEqual(elements);
        expect(r.errors.length).toBe(elements.some((e) => e.value === '') ? 1 : 0);
      }),
      { numRuns: 5_000 },
    );
  });

  it('never throws, and every message is non-empty', () => {
    const piece = fc.oneof(fc.constantFrom('(', ')', '\\', '\\(', '(01)', '(10)', '(23)', '(1A)', '()', '(9999)'), fc.string({ maxLength: 8 }));
    const shaped = fc.array(piece, { maxLength: 12 }).map((a) => a.join(''));
    const valid = fc.array(fc.record({ ai: knownAi, value: cset82(1) }), { minLength: 1, maxLength: 6 }).map(toBracketed);
    let clean = 0;
    fc.assert(
      fc.property(fc.oneof(fc.string({ unit: 'binary', maxLength: 200 }), shaped, valid), (s) => {
        const r = parseBracketed(s);
        for (const e of r.errors) expect(e.message).not.toBe('');
        if (r.errors.length === 0) {
          clean += 1;
          expect(parseBracketed(toBracketed(r.elements)).elements).toEqual(r.elements);
        }
      }),
      { numRuns: 20_000 },
    );
    // Both branches must run often: errors with their messages, clean input with its round trip.
    expect(clean / 20_000).toBeGreaterThanOrEqual(0.25);
  });
});
