// Shared measuring helpers for every suite: warm-up, several timed rounds, median and p99 µs/op,
// ops/s, ratios, and a heap figure. Plain process.hrtime.bigint(), no dependency.
//
//   const [ours, theirs] = compare([{ name: 'ours', ops: items.length, run: () => … }, …], { rounds: 30 });
//   ratio(theirs, ours) // > 1: ours is faster
//
// A round runs one case's `run` once (typically a loop over a whole corpus) and is timed as a
// whole; µs/op is the round's time divided by `ops`. Cases are measured in rotation, round by
// round, so drift (CPU frequency, a noisy neighbour) hits all of them alike.

import { GCProfiler } from 'node:v8';

export interface Case {
  name: string;
  /** Operations one call of `run` performs (e.g. the number of scans in the corpus). */
  ops: number;
  /** One round. Return something derived from the work so that the optimiser cannot drop it. */
  run: () => unknown;
}

export interface MeasureOptions {
  /** Timed rounds per case. */
  rounds: number;
  /** Untimed rounds per case before timing starts (and at least `warmupMs` of running). */
  warmupRounds: number;
  warmupMs: number;
}

export const defaultMeasureOptions: MeasureOptions = { rounds: 30, warmupRounds: 5, warmupMs: 300 };

export interface Measurement {
  name: string;
  opsPerRound: number;
  rounds: number;
  /** Median over rounds of (round time / ops). */
  medianUsPerOp: number;
  /** 99th percentile over rounds (nearest rank) of (round time / ops). */
  p99UsPerOp: number;
  minUsPerOp: number;
  meanUsPerOp: number;
  /** 1e6 / median µs/op. */
  opsPerSec: number;
}

const gc: (() => void) | undefined = (globalThis as { gc?: () => void }).gc;

/** True when node runs with --expose-gc (what `npm run bench` does). */
export const gcAvailable = (): boolean => gc !== undefined;

/** Collects garbage twice (weak references and finalisers need a second pass); no-op without --expose-gc. */
export function collectGarbage(): void {
  if (gc) {
    gc();
    gc();
  }
}

let sink: unknown;
/** Keeps a value observable so that the work producing it is not optimised away. */
export function consume(value: unknown): void {
  sink = value;
}
/** For tests of the helpers only. */
export const lastConsumed = (): unknown => sink;

function timeOnce(c: Case): bigint {
  const t0 = process.hrtime.bigint();
  consume(c.run());
  return process.hrtime.bigint() - t0;
}

/** Nearest-rank percentile of an ascending array. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1]!;
}

export function summarise(name: string, opsPerRound: number, roundNs: readonly bigint[]): Measurement {
  const perOp = roundNs.map((ns) => Number(ns) / 1000 / opsPerRound).sort((a, b) => a - b);
  const n = perOp.length;
  const median = n % 2 === 1 ? perOp[(n - 1) / 2]! : (perOp[n / 2 - 1]! + perOp[n / 2]!) / 2;
  return {
    name,
    opsPerRound,
    rounds: n,
    medianUsPerOp: median,
    p99UsPerOp: percentile(perOp, 99),
    minUsPerOp: perOp[0] ?? Number.NaN,
    meanUsPerOp: perOp.reduce((a, b) => a + b, 0) / n,
    opsPerSec: 1e6 / median,
  };
}

/**
 * Warms every case up, then times `rounds` rounds of each, in rotation. With --expose-gc the heap
 * is collected before each round, so a round pays for the garbage it makes, not for its
 * predecessor's.
 */
export function compare(cases: readonly Case[], options: Partial<MeasureOptions> = {}): Measurement[] {
  const o = { ...defaultMeasureOptions, ...options };
  for (const c of cases) {
    const start = performance.now();
    for (let i = 0; i < o.warmupRounds || performance.now() - start < o.warmupMs; i++) consume(c.run());
  }
  const samples = cases.map(() => [] as bigint[]);
  for (let r = 0; r < o.rounds; r++) {
    // Rotate the starting case so no case always runs right after the same neighbour.
    for (let k = 0; k < cases.length; k++) {
      const i = (r + k) % cases.length;
      collectGarbage();
      samples[i]!.push(timeOnce(cases[i]!));
    }
  }
  return cases.map((c, i) => summarise(c.name, c.ops, samples[i]!));
}

/** One case on its own. */
export function measure(c: Case, options: Partial<MeasureOptions> = {}): Measurement {
  return compare([c], options)[0]!;
}

/** How many times faster `ours` is than `baseline` (baseline median / our median); > 1 is faster. */
export function ratio(baseline: Measurement, ours: Measurement): number {
  return baseline.medianUsPerOp / ours.medianUsPerOp;
}

export interface HeapFigure {
  name: string;
  /** Operations performed in total (ops per run × repeats). */
  ops: number;
  /** Bytes allocated on the V8 heap while running, per op (collected garbage + growth). */
  allocatedBytesPerOp: number;
  /** heapUsed after the runs and a full GC, minus heapUsed before: what the work kept alive. */
  retainedHeapDeltaBytes: number;
  /** The same for memory outside the V8 heap (ArrayBuffers, e.g. a WebAssembly/asm.js heap). */
  retainedExternalDeltaBytes: number;
  /** heapUsed right after the runs, before any forced GC, minus heapUsed before. */
  heapUsedDeltaBeforeGcBytes: number;
}

/**
 * Runs `c.run` `repeats` times and reports the heap it allocated and retained. Allocation is
 * summed from V8's own GC statistics (node:v8 GCProfiler): what each collection freed, plus the
 * growth left at the end. Meaningful with --expose-gc; without it the retained figures include
 * uncollected garbage.
 */
export function heapFigure(c: Case, repeats: number): HeapFigure {
  collectGarbage();
  const before = process.memoryUsage();
  const profiler = new GCProfiler();
  profiler.start();
  for (let i = 0; i < repeats; i++) consume(c.run());
  const afterRuns = process.memoryUsage();
  const stats = profiler.stop();
  let freed = 0;
  for (const s of stats?.statistics ?? []) {
    freed += Math.max(0, s.beforeGC.heapStatistics.usedHeapSize - s.afterGC.heapStatistics.usedHeapSize);
  }
  collectGarbage();
  const after = process.memoryUsage();
  const ops = c.ops * repeats;
  return {
    name: c.name,
    ops,
    allocatedBytesPerOp: Math.max(0, freed + (afterRuns.heapUsed - before.heapUsed)) / ops,
    retainedHeapDeltaBytes: after.heapUsed - before.heapUsed,
    retainedExternalDeltaBytes: after.external - before.external,
    heapUsedDeltaBeforeGcBytes: afterRuns.heapUsed - before.heapUsed,
  };
}
