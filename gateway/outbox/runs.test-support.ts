// How many cases a property test of the outbox runs: its own figure, scaled by
// OUTBOX_RUNS_SCALE (the mutation run, stryker.outbox.config.mjs, runs each mutant at a tenth).
export const scaledRuns = (runs: number): number => Math.max(1, Math.round(runs * Number(process.env.OUTBOX_RUNS_SCALE ?? 1)));
