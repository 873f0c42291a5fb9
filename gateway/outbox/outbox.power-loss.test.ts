// The outbox against power loss (gateway/storage/simulated-disk.ts): scans appended and retired in
// bursts while segments rotate and compaction runs, the power cut at a random change to the disk,
// sometimes during recovery itself, sometimes on a full disk; then the next boot.
// Property: every acknowledged scan is there with its bytes, no acknowledged retire is undone,
// nothing is invented or duplicated, pending() is oldest first, and power loss alone never reads
// as damage. The uplink keeps its journal in this same Outbox (cli/uplink.ts), so this covers it.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { seededRandom } from '../storage/seeded-random.test-support.ts';
import { SimulatedDisk } from '../storage/simulated-disk.ts';
import { Outbox } from './outbox.ts';
import { scaledRuns } from './runs.test-support.ts';

const DIR = '/data/outbox';
const RUNS = Number(process.env.POWER_LOSS_RUNS ?? scaledRuns(300));

type Op = { op: 'append'; burst: number; size: number } | { op: 'retire'; pick: number; count: number };
const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 3, arbitrary: fc.record({ op: fc.constant('append' as const), burst: fc.integer({ min: 1, max: 6 }), size: fc.integer({ min: 1, max: 200 }) }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('retire' as const), pick: fc.nat(), count: fc.integer({ min: 1, max: 6 }) }) },
);
const epochArb = fc.record({
  ops: fc.array(opArb, { minLength: 1, maxLength: 25 }),
  /** The power goes off after this many changes to the disk (open and recovery included). */
  cut: fc.oneof(fc.nat({ max: 40 }), fc.nat({ max: 300 })),
  /** Sometimes the disk is (nearly) full during this boot. */
  capacity: fc.option(fc.integer({ min: 1024, max: 12_000 }), { freq: 4 }),
});

const payloadOf = (n: number, size: number) => new Uint8Array(size).map((_, j) => (n * 7 + j) % 256);

export interface PowerLossStats {
  runs: number;
  cutsDuringRecovery: number;
  acknowledged: number;
}

/** One run: boots, each with a workload and a power cut; checks the journal after every boot. */
async function run(epochs: { ops: Op[]; cut: number; capacity: number | null }[], seed: number, stats: PowerLossStats) {
  const disk = new SimulatedDisk(['/data']);
  const random = seededRandom(seed);
  const attempted = new Map<string, { n: number; payload: Uint8Array }>();
  const acked = new Set<string>();
  const retireTried = new Set<string>();
  const retired = new Set<string>();
  let n = 0;
  const open = () => Outbox.open({ dir: DIR, segmentBytes: 1024, io: disk.process() });

  const check = (o: Outbox) => {
    const pending = [...o.pending()].map((p) => ({ id: p.id, payload: p.payload }));
    const ids = pending.map((p) => p.id);
    expect(new Set(ids).size, 'no scan twice').toBe(ids.length);
    for (const p of pending) {
      const a = attempted.get(p.id);
      expect(a, `${p.id} was never appended`).toBeDefined();
      expect(Buffer.from(p.payload).equals(Buffer.from(a!.payload)), `${p.id} has its bytes`).toBe(true);
      expect(retired.has(p.id), `${p.id}'s retire was acknowledged`).toBe(false);
    }
    for (const id of acked) if (!retireTried.has(id)) expect(ids, `${id} was acknowledged`).toContain(id);
    const order = ids.map((id) => attempted.get(id)!.n);
    expect(order, 'oldest first').toEqual([...order].sort((a, b) => a - b));
    expect(o.recovery.verdict, 'a power cut is not damage').not.toBe('damaged');
  };

  for (const epoch of epochs) {
    disk.capacityBytes = epoch.capacity ?? Infinity;
    disk.cutPowerAfter(epoch.cut);
    let o: Outbox;
    try {
      o = await open();
    } catch (e) {
      if (!disk.powerLost) throw e;
      stats.cutsDuringRecovery++;
      disk.reboot(random);
      continue;
    }
    if (disk.powerLost) {
      // Cut while recovery handled a full disk: it opened, but the process is dead.
      stats.cutsDuringRecovery++;
      disk.reboot(random);
      continue;
    }
    check(o);
    for (const op of epoch.ops) {
      if (disk.powerLost) break;
      if (op.op === 'append') {
        const ids = Array.from({ length: op.burst }, () => `s${n++}`);
        await Promise.all(
          ids.map((id) => {
            const payload = payloadOf(attempted.size, op.size);
            attempted.set(id, { n: attempted.size, payload });
            return o.append(id, payload).then(
              () => acked.add(id),
              () => undefined,
            );
          }),
        );
      } else {
        const live = [...o.pending()].map((p) => p.id);
        const ids = new Set(Array.from({ length: Math.min(op.count, live.length) }, (_, i) => live[(op.pick + i * 5) % live.length]!));
        await Promise.all(
          [...ids].map((id) => {
            retireTried.add(id);
            return o.retire(id).then(
              () => retired.add(id),
              () => undefined,
            );
          }),
        );
      }
    }
    disk.cutPowerAfter(0); // if the workload ended first, the power goes now
    await o.close().catch(() => undefined);
    disk.reboot(random);
  }
  disk.capacityBytes = Infinity;
  const last = await open();
  check(last);
  await last.close();
  stats.runs++;
  stats.acknowledged += acked.size;
}

describe('outbox under power loss', () => {
  it('keeps every acknowledged scan, undoes no acknowledged retire, invents nothing', async () => {
    const stats: PowerLossStats = { runs: 0, cutsDuringRecovery: 0, acknowledged: 0 };
    await fc.assert(
      fc.asyncProperty(fc.array(epochArb, { minLength: 1, maxLength: 6 }), fc.integer(), (epochs, seed) => run(epochs, seed, stats)),
      { numRuns: RUNS },
    );
    // The property must have had something to hold: scans acknowledged, cuts during recovery too.
    expect(stats.acknowledged).toBeGreaterThan(RUNS * 5);
    expect(stats.cutsDuringRecovery).toBeGreaterThan(0);
  });
});

/** Scripted choices for reboot(): the given values in order, then 0 (keep directory changes, drop file changes). */
const scripted = (values: number[]) => () => values.shift() ?? 0;

describe('recovery makes its own changes durable before anything is written after them', () => {
  async function segmentWithTornTail(disk: SimulatedDisk, fill: number): Promise<void> {
    const o = await Outbox.open({ dir: DIR, segmentBytes: 1024, io: disk.process() });
    for (let i = 0; i < fill; i++) await o.append(`old${i}`, payloadOf(i, 100));
    await o.close();
    const io = disk.process();
    const fd = await io.open(`${DIR}/0000000000000001.journal`, 'r+');
    const size = (await io.readFile(`${DIR}/0000000000000001.journal`)).length;
    await io.write(fd, Buffer.from([0x40, 0, 0, 0, 9, 9]), 0, 6, size); // a record cut short
    await io.fsync(fd);
  }

  it('the cut-off torn tail stays cut off once the next scan went to a new segment', async () => {
    const disk = new SimulatedDisk(['/data']);
    await segmentWithTornTail(disk, 8);
    const o = await Outbox.open({ dir: DIR, segmentBytes: 1024, io: disk.process() });
    expect(o.recovery.verdict).toBe('torn-tail');
    await o.append('new', payloadOf(99, 200)); // does not fit: a new segment
    disk.cutPowerAfter(0);
    disk.reboot(scripted([]));
    const after = await Outbox.open({ dir: DIR, segmentBytes: 1024, io: disk.process() });
    expect(after.recovery.verdict).not.toBe('damaged');
    expect([...after.pending()].map((p) => p.id)).toContain('new');
  });

  it('an empty newest segment removed at start-up does not come back behind the next torn write', async () => {
    const disk = new SimulatedDisk(['/data']);
    const first = await Outbox.open({ dir: DIR, segmentBytes: 1024, io: disk.process() });
    await first.append('a', payloadOf(1, 50));
    await first.close();
    const io = disk.process();
    await io.close(await io.open(`${DIR}/0000000000000002.journal`, 'wx+')); // created, then the power went
    await io.syncDir(DIR);
    const o = await Outbox.open({ dir: DIR, segmentBytes: 1024, io: disk.process() });
    await o.append('b', payloadOf(2, 50));
    disk.cutPowerAfter(1); // the next batch is written, its fdatasync never happens
    await o.append('c', payloadOf(3, 50)).catch(() => undefined);
    // Reboot: the unsynced directory change (if any) lost, the unsynced write torn halfway.
    disk.reboot(scripted([0.9, 0.5, 0.5]));
    const after = await Outbox.open({ dir: DIR, segmentBytes: 1024, io: disk.process() });
    expect(after.recovery.verdict).not.toBe('damaged');
    expect([...after.pending()].map((p) => p.id).slice(0, 2)).toEqual(['a', 'b']);
  });
});
