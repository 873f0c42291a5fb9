// The measuring helpers' arithmetic and bookkeeping. No timing thresholds: figures depend on the
// machine; only their shape and the maths are checked.
import { describe, expect, it } from 'vitest';
import { compare, heapFigure, percentile, ratio, summarise } from './measure.ts';
import { renderTable } from './table.ts';

describe('percentile', () => {
  it('is nearest-rank over an ascending array', () => {
    const xs = Array.from({ length: 100 }, (_, i) => i + 1);
    expect(percentile(xs, 50)).toBe(50);
    expect(percentile(xs, 99)).toBe(99);
    expect(percentile(xs, 100)).toBe(100);
    expect(percentile([7], 99)).toBe(7);
    expect(percentile([], 50)).toBeNaN();
  });
});

describe('summarise', () => {
  it('turns round times into µs per op: median, p99, min, mean, ops/s', () => {
    // 4 rounds of 1,000 ops: 1, 2, 3, 10 ms → 1, 2, 3, 10 µs/op
    const m = summarise('x', 1000, [3_000_000n, 1_000_000n, 10_000_000n, 2_000_000n]);
    expect(m.rounds).toBe(4);
    expect(m.medianUsPerOp).toBe(2.5);
    expect(m.p99UsPerOp).toBe(10);
    expect(m.minUsPerOp).toBe(1);
    expect(m.meanUsPerOp).toBe(4);
    expect(m.opsPerSec).toBe(400_000);
  });
  it('gives the ratio baseline / ours', () => {
    const ours = summarise('ours', 1, [1000n]);
    const theirs = summarise('theirs', 1, [3000n]);
    expect(ratio(theirs, ours)).toBe(3);
  });
});

describe('compare', () => {
  it('times every case for the rounds asked, warm-up excluded', () => {
    const calls = { a: 0, b: 0 };
    const ms = compare(
      [
        { name: 'a', ops: 10, run: () => ++calls.a },
        { name: 'b', ops: 20, run: () => ++calls.b },
      ],
      { rounds: 7, warmupRounds: 3, warmupMs: 0 },
    );
    expect(ms.map((m) => [m.name, m.rounds, m.opsPerRound])).toEqual([
      ['a', 7, 10],
      ['b', 7, 20],
    ]);
    expect(calls).toEqual({ a: 10, b: 10 });
    for (const m of ms) expect(m.medianUsPerOp).toBeGreaterThan(0);
  });
});

describe('heapFigure', () => {
  it('counts the ops and reports allocation per op', () => {
    const h = heapFigure({ name: 'alloc', ops: 1000, run: () => Array.from({ length: 1000 }, (_, i) => ({ i })) }, 3);
    expect(h.ops).toBe(3000);
    expect(h.allocatedBytesPerOp).toBeGreaterThan(0);
  });
});

describe('renderTable', () => {
  it('pads columns and right-aligns numbers', () => {
    expect(renderTable(['case', 'n'], [['a', 1000], ['bb', 2.5], ['c', null]])).toBe(
      ['case      n', '----  -----', 'a     1,000', 'bb     2.50', 'c         –'].join('\n'),
    );
  });
});
