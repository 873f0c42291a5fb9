// The sequence file and the birth-seq store against power loss (simulated-disk.ts), alone and, for
// the sequence, together with the outbox that records which numbers were used. Properties: a
// number handed out (sequence) or saved (birth-seq) before the cut is never handed out again or
// read back lower; the stores always open after a cut; no temporary file survives an open.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FileBirthSeqStore } from '../mqtt/birth-seq-store.ts';
import { Outbox } from '../outbox/outbox.ts';
import { BLOCK, SequenceFile } from '../sequence.ts';
import { seededRandom } from './seeded-random.test-support.ts';
import { SimulatedDisk } from './simulated-disk.ts';

const RUNS = Number(process.env.POWER_LOSS_RUNS ?? 300);
const boots = (max: number) =>
  fc.array(fc.record({ count: fc.nat({ max: Number(BLOCK) * 2 + 10 }), cut: fc.nat({ max: 12 }) }), { minLength: 1, maxLength: max });

const noTemporaryFiles = (disk: SimulatedDisk) => expect([...disk.files('/data').keys()].filter((n) => n.endsWith('.tmp'))).toEqual([]);

describe('sequence file under power loss', () => {
  it('never hands out a number again, and always opens', async () => {
    let reservationsCut = 0;
    await fc.assert(
      fc.asyncProperty(boots(5), fc.integer(), async (epochs, seed) => {
        const disk = new SimulatedDisk(['/data']);
        const random = seededRandom(seed);
        let highest = 0n;
        for (const { count, cut } of epochs) {
          disk.cutPowerAfter(cut);
          const seq = await SequenceFile.open('/data/sequence', { io: disk.process() }).catch((e: unknown) => {
            if (disk.powerLost) return null; // cut while it removed a stale temporary file
            throw e;
          });
          if (seq === null) {
            disk.reboot(random);
            continue;
          }
          noTemporaryFiles(disk);
          for (let i = 0; i < count && !disk.powerLost; i++) {
            const n = await seq.next().catch(() => null);
            if (n === null) break;
            expect(n > highest, `${n} after ${highest}`).toBe(true);
            highest = n;
          }
          if (disk.powerLost) reservationsCut++;
          disk.cutPowerAfter(0);
          disk.reboot(random);
        }
        const seq = await SequenceFile.open('/data/sequence', { io: disk.process() });
        expect((await seq.next()) > highest).toBe(true);
      }),
      { numRuns: RUNS },
    );
    expect(reservationsCut).toBeGreaterThan(RUNS / 4);
  });

  it('with the outbox: continues right after the last number stored, never below one acknowledged', async () => {
    let continued = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.record({ scans: fc.nat({ max: 40 }), retireEvery: fc.integer({ min: 1, max: 4 }), cut: fc.nat({ max: 120 }) }), { minLength: 1, maxLength: 5 }),
        fc.integer(),
        async (epochs, seed) => {
          const disk = new SimulatedDisk(['/data']);
          const random = seededRandom(seed);
          let acked = 0n;
          let attempted = 0n;
          for (const { scans, retireEvery, cut } of epochs) {
            disk.cutPowerAfter(cut);
            const io = disk.process();
            let outbox: Outbox;
            let seq: SequenceFile;
            try {
              outbox = await Outbox.open({ dir: '/data/outbox', segmentBytes: 512, io });
              seq = await SequenceFile.open('/data/sequence', { used: outbox.highWaterMark, io });
            } catch (e) {
              if (!disk.powerLost) throw e;
              disk.reboot(random);
              continue;
            }
            for (let i = 0; i < scans && !disk.powerLost; i++) {
              const n = await seq.next().catch(() => null);
              if (n === null) break;
              expect(n > acked, `${n} after acknowledged ${acked}`).toBe(true);
              if (n > attempted) attempted = n;
              const ok = await outbox.append(`s${n}`, new Uint8Array(40), { mark: n }).then(
                () => true,
                () => false,
              );
              if (!ok) break;
              acked = n;
              if (i % retireEvery === 0) await outbox.retire(`s${n}`).catch(() => undefined);
            }
            disk.cutPowerAfter(0);
            disk.reboot(random);
          }
          const outbox = await Outbox.open({ dir: '/data/outbox', segmentBytes: 512, io: disk.process() });
          const seq = await SequenceFile.open('/data/sequence', { used: outbox.highWaterMark, io: disk.process() });
          const next = await seq.next();
          expect(next > acked, `${next} after acknowledged ${acked}`).toBe(true);
          // No gap beyond what the crashed runs had handed out, unless no number ever reached the
          // journal (then it continues at the reserved ceiling: protocol/README.md).
          if (outbox.highWaterMark !== null) {
            expect(next <= attempted + 1n, `${next}: a gap after ${attempted}`).toBe(true);
            continued++;
          }
        },
      ),
      { numRuns: RUNS },
    );
    expect(continued).toBeGreaterThan(RUNS / 2);
  });
});

describe('birth-seq store under power loss', () => {
  it('reads back at least the last number saved, and always loads', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.record({ saves: fc.nat({ max: 4 }), cut: fc.nat({ max: 14 }) }), { minLength: 1, maxLength: 5 }), fc.integer(), async (epochs, seed) => {
        const disk = new SimulatedDisk(['/data']);
        const random = seededRandom(seed);
        let saved = 0n;
        let next = 1n;
        for (const { saves, cut } of epochs) {
          disk.cutPowerAfter(cut);
          const store = new FileBirthSeqStore('/data/birth-seq', disk.process());
          const loaded = await store.load().catch((e: unknown) => {
            if (disk.powerLost) return null;
            throw e;
          });
          if (loaded !== null) {
            expect(loaded >= saved).toBe(true);
            noTemporaryFiles(disk);
          }
          for (let i = 0; i < saves && !disk.powerLost; i++) {
            const n = next++;
            if (await store.save(n).then(() => true, () => false)) saved = n;
          }
          disk.cutPowerAfter(0);
          disk.reboot(random);
        }
        expect((await new FileBirthSeqStore('/data/birth-seq', disk.process()).load()) >= saved).toBe(true);
      }),
      { numRuns: RUNS },
    );
  });
});
