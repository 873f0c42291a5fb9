// The chaos suite in CI: ≥ 100 seeded fault trials over the real chain (processes, pty, aedes and
// Mosquitto, SQLite), then the oracle. `npm run chaos` runs the long one (CHAOS_TRIALS=1000).
//   CHAOS_TRIALS=20 CHAOS_SEED=3 npx vitest run test/chaos
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildCli } from '../built-cli.test-support.ts';
import type { BrokerKind } from './chain.ts';
import { formatReport, runChaos } from './suite.ts';

const trials = Number(process.env.CHAOS_TRIALS ?? 100);
const seed = Number(process.env.CHAOS_SEED ?? 20261205);
/** A wall-clock end for a long run that must stop in time (ISO time): no trial starts after it. */
const until = process.env.CHAOS_UNTIL ? Date.parse(process.env.CHAOS_UNTIL) : undefined;
/** One broker only (aedes or mosquitto); both, half the trials each, by default. */
const brokers = process.env.CHAOS_BROKER ? [process.env.CHAOS_BROKER as BrokerKind] : undefined;

describe('chaos: the real chain under seeded faults', () => {
  it(`${trials} fault trials: every accepted scan reaches the registry exactly once, nothing personal anywhere`, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'implant-scan-chaos-'));
    try {
      const report = await runChaos({ cli: await buildCli(), dir, trials, seed, ...(until ? { until } : {}), ...(brokers ? { brokers } : {}), log: (l) => process.stdout.write(`chaos: ${l}\n`) });
      process.stdout.write(`\nchaos seed ${seed}\n${formatReport(report)}\n`);
      if (until === undefined) expect(report.trials).toBe(trials);
      expect(report.accepted).toBeGreaterThan(trials); // the oracle had scans to judge
      expect(report.personalScanned).toBeGreaterThan(0);
      expect({ lost: report.lost, duplicated: report.duplicated, invented: report.invented, unrecovered: report.unrecovered, registry: report.registryMismatches, leaks: report.leaks }).toEqual({
        lost: [],
        duplicated: [],
        invented: [],
        unrecovered: [],
        registry: [],
        leaks: [],
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, Math.max(600_000, trials * 30_000));
});
