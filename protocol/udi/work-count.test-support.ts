// "Linear" without a clock: counts the characters a parse hands to the string and regular-
// expression primitives, so a test compares the work on an input of n with the work on 2n.
//   const w = countWork(() => parse(s));   // deterministic, the same on a busy machine
// Each RegExp exec counts the characters from where it starts to the end of its input (an upper
// bound of a linear match; a loop that re-scans the rest shows up as quadratic), each string search
// the characters it reads, each slice the characters it copies. Backtracking inside one regular
// expression is not seen here; the parser benchmarks (npm run bench) time those cases.

type Method = (this: unknown, ...args: unknown[]) => unknown;

const scans = ['lastIndexOf', 'split', 'replace', 'replaceAll', 'match', 'matchAll', 'search', 'trim', 'trimStart', 'trimEnd', 'toUpperCase', 'toLowerCase', 'normalize'] as const;
const copies = ['slice', 'substring', 'substr', 'padStart', 'padEnd', 'repeat', 'concat'] as const;
const reads = ['charCodeAt', 'codePointAt', 'charAt', 'at'] as const;

export function countWork(run: () => void): number {
  let work = 0;
  const restore: (() => void)[] = [];
  /** cost is read before the call (a global RegExp moves its lastIndex) and given the result. */
  const wrap = (proto: object, name: PropertyKey, cost: (self: unknown, args: unknown[]) => (result: unknown) => number): void => {
    const original = (proto as Record<PropertyKey, Method>)[name]!;
    (proto as Record<PropertyKey, Method>)[name] = function (this: unknown, ...args: unknown[]) {
      const after = cost(this, args);
      const result = original.apply(this, args);
      work += after(result);
      return result;
    };
    restore.push(() => ((proto as Record<PropertyKey, Method>)[name] = original));
  };
  const length = (v: unknown): number => (typeof v === 'string' ? v.length : 0);
  wrap(RegExp.prototype, 'exec', (re, [input]) => {
    const r = re as RegExp;
    const from = r.global || r.sticky ? r.lastIndex : 0;
    return () => Math.max(1, String(input).length - from);
  });
  // A search from a position reads from there to the match (or to the end); a prefix test reads the prefix.
  wrap(String.prototype, 'indexOf', (self, [search, from]) => (at) => {
    const start = Math.max(0, Number(from) || 0);
    return Math.max(1, (at === -1 ? String(self).length : (at as number) + length(search)) - start);
  });
  wrap(String.prototype, 'includes', (self, [, from]) => () => Math.max(1, String(self).length - (Number(from) || 0)));
  for (const name of ['startsWith', 'endsWith'] as const) wrap(String.prototype, name, (_, [search]) => () => Math.max(1, length(search)));
  for (const name of scans) wrap(String.prototype, name, (self) => () => Math.max(1, String(self).length));
  for (const name of copies) wrap(String.prototype, name, () => (result) => Math.max(1, length(result)));
  for (const name of reads) wrap(String.prototype, name, () => () => 1);
  try {
    run();
  } finally {
    for (const undo of restore.reverse()) undo();
  }
  return work;
}

/** The work of parsing make(n) and make(2n), for a test to compare: linear means at most about double. */
export function workAtDouble(make: (n: number) => string, parse: (s: string) => void, n: number): { n: number; twice: number } {
  const small = make(n);
  const large = make(2 * n);
  return { n: countWork(() => parse(small)), twice: countWork(() => parse(large)) };
}
