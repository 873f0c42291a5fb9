import { describe, expect, it } from 'vitest';
import { prng } from './prng.ts';

describe('prng', () => {
  it('is a pure function of the seed', () => {
    const a = prng(42);
    const b = prng(42);
    const c = prng(43);
    const xs = Array.from({ length: 50 }, () => a.next());
    expect(Array.from({ length: 50 }, () => b.next())).toEqual(xs);
    expect(Array.from({ length: 50 }, () => c.next())).not.toEqual(xs);
    expect(xs.every((x) => x >= 0 && x < 1)).toBe(true);
  });

  it('int(lo, hi) is inclusive at both ends and stays inside', () => {
    const r = prng(1);
    const seen = new Set<number>();
    for (let i = 0; i < 2000; i++) seen.add(r.int(-2, 3));
    expect([...seen].sort((x, y) => x - y)).toEqual([-2, -1, 0, 1, 2, 3]);
    expect(r.int(7, 7)).toBe(7);
    expect(() => r.int(3, 2)).toThrow(RangeError);
    expect(() => r.int(0.5, 2)).toThrow(RangeError);
  });

  it('pick takes from lists and strings; chance(0) never, chance(1) always', () => {
    const r = prng(2);
    const letters = new Set(Array.from({ length: 500 }, () => r.pick('abc')));
    expect(letters).toEqual(new Set(['a', 'b', 'c']));
    expect(r.pick([9])).toBe(9);
    expect(() => r.pick([])).toThrow(RangeError);
    const n = Array.from({ length: 1000 }, () => r.chance(0.25)).filter(Boolean).length;
    expect(n).toBeGreaterThan(180);
    expect(n).toBeLessThan(320);
    expect(Array.from({ length: 100 }, () => r.chance(0)).some(Boolean)).toBe(false);
    expect(Array.from({ length: 100 }, () => r.chance(1)).every(Boolean)).toBe(true);
  });
});
