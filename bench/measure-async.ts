// Measuring asynchronous work (a publish that resolves on PUBACK, an append that resolves after
// fsync), in the same way measure.ts measures synchronous cases:
//   await compareAsync([{ name: 'ours', ops: 2000, run: () => burst() }, { name: 'baseline', … }], 15, 3)
//   await latencies('ours, one at a time', 3000, (i) => append(i))   → { p50Us, p99Us, maxUs }

import { collectGarbage, percentile, summarise, type Measurement } from './measure.ts';

export interface AsyncCase {
  name: string;
  /** Operations one run performs. */
  ops: number;
  run: () => Promise<void>;
}

/** Warm-up, then rounds in rotation (the pattern of measure.ts `compare`), each round GC-fair. */
export async function compareAsync(cases: readonly AsyncCase[], rounds: number, warmupRounds: number): Promise<Measurement[]> {
  for (const c of cases) for (let i = 0; i < warmupRounds; i++) await c.run();
  const samples = cases.map(() => [] as bigint[]);
  for (let r = 0; r < rounds; r++) {
    for (let k = 0; k < cases.length; k++) {
      const i = (r + k) % cases.length;
      collectGarbage();
      const t0 = process.hrtime.bigint();
      await cases[i]!.run();
      samples[i]!.push(process.hrtime.bigint() - t0);
    }
  }
  return cases.map((c, i) => summarise(c.name, c.ops, samples[i]!));
}

export interface Latency {
  name: string;
  samples: number;
  p50Us: number;
  p99Us: number;
  maxUs: number;
}

/** `n` operations one after another, each timed from call to resolution. */
export async function latencies(name: string, n: number, op: (i: number) => Promise<void>): Promise<Latency> {
  const us: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = process.hrtime.bigint();
    await op(i);
    us.push(Number(process.hrtime.bigint() - t0) / 1000);
  }
  us.sort((a, b) => a - b);
  return { name, samples: n, p50Us: percentile(us, 50), p99Us: percentile(us, 99), maxUs: us[us.length - 1] ?? Number.NaN };
}

/** Resolves once `ready()` holds, checking every `pollMs`; throws after `timeoutMs` (a bound, not a measurement). */
export async function until(ready: () => boolean, timeoutMs: number, what: string, pollMs = 5): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!ready()) {
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, pollMs));
  }
}
