// A tiny seeded PRNG (mulberry32): the corpus and the faults are reproducible from one number.
//   const r = prng(42);
//   r.int(1, 6);            // 1..6 inclusive
//   r.pick(['a', 'b']);     // one element
//   r.chance(0.25);         // true about a quarter of the time
//   r.next();               // a float in [0, 1)

export interface Prng {
  next(): number;
  int(lo: number, hi: number): number;
  /** One element of a list, or one character of a string. */
  pick<T>(items: readonly T[]): T;
  pick(items: string): string;
  chance(p: number): boolean;
}

export function prng(seed: number): Prng {
  let a = seed >>> 0;
  const next = (): number => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    int(lo, hi) {
      if (!Number.isInteger(lo) || !Number.isInteger(hi) || hi < lo) throw new RangeError(`int(${lo}, ${hi})`);
      return lo + Math.floor(next() * (hi - lo + 1));
    },
    pick<T>(items: readonly T[] | string): T | string {
      if (items.length === 0) throw new RangeError('pick from an empty list');
      return items[Math.floor(next() * items.length)]!;
    },
    chance(p) {
      return next() < p;
    },
  };
}
