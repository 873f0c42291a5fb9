// pending() promises oldest first. Checked against an array model at every step while segments
// rotate and compaction copies records forward at run time (not only after a reopen, where
// recovery sorts by sequence anyway).
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Outbox } from './outbox.ts';
import { scaledRuns } from './runs.test-support.ts';

const RUNS = scaledRuns(40);

let work: string;
beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'outbox-order-'));
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

type Op = { op: 'append'; size: number; burst: number } | { op: 'retire'; pick: number; count: number };
const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 3, arbitrary: fc.record({ op: fc.constant('append' as const), size: fc.integer({ min: 1, max: 300 }), burst: fc.integer({ min: 1, max: 8 }) }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('retire' as const), pick: fc.nat(), count: fc.integer({ min: 1, max: 8 }) }) },
);

describe('outbox order at run time', () => {
  it('pending() is oldest first after every step, while compaction copies records forward', async () => {
    let run = 0;
    let compactions = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(opArb, { minLength: 20, maxLength: 120 }), async (ops) => {
        const o = await Outbox.open({ dir: join(work, `run-${run++}`), segmentBytes: 1024 });
        const model: string[] = [];
        let next = 0;
        const check = () => expect([...o.pending()].map((p) => p.id)).toEqual(model);
        try {
          for (const op of ops) {
            const before = o.bytes;
            if (op.op === 'append') {
              // A burst: appended together, so several share one write and compaction follows it.
              const ids = Array.from({ length: op.burst }, () => `s${next++}`);
              model.push(...ids);
              await Promise.all(ids.map((id) => o.append(id, new Uint8Array(op.size).fill(next % 256))));
            } else if (model.length > 0) {
              const ids = new Set<string>();
              for (let i = 0; i < op.count; i++) ids.add(model[(op.pick + i * 7) % model.length]!);
              for (const id of ids) model.splice(model.indexOf(id), 1);
              await Promise.all([...ids].map((id) => o.retire(id)));
            }
            // Compaction may still be running after the promises resolve: look while it does,
            // and again once the event loop has let it go on.
            check();
            await new Promise((r) => setImmediate(r));
            check();
            if (o.bytes < before) compactions++;
          }
        } finally {
          await o.close();
        }
      }),
      { numRuns: RUNS },
    );
    // The property is about compaction: it must have happened in the runs, many times.
    expect(compactions).toBeGreaterThanOrEqual(RUNS / 2); // compaction ran while the property watched, in most cases
  });
});
