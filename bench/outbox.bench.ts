// Suite "outbox": what accepting a scan costs on this disk. The gateway's outbox
// (gateway/outbox: CRC-framed record, write, fdatasync; group commit) against the simplest durable
// journal there is, `appendFileSync` + `fsyncSync` of each record, in this process, in rotation:
// - one scan at a time (a nurse scanning): append → durable latency, p50/p99, beside the disk's
//   bare write + fdatasync latency (the floor any durable outbox has);
// - a burst of 1,000 scans at once (a tray scanned quickly, or a replay): scans/s.

import { appendFileSync, closeSync, fdatasyncSync, fsyncSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Outbox } from '../gateway/outbox/outbox.ts';
import { SCAN_EVENT } from '../protocol/fixtures/samples.ts';
import { encodeScanEvent } from '../protocol/wire.ts';
import { defaultMeasureOptions, type Measurement } from './measure.ts';
import { compareAsync, latencies } from './measure-async.ts';
import type { Suite, SuiteContext, SuiteReport } from './suite.ts';
import { formatNumber, renderTable } from './table.ts';

async function run(ctx: SuiteContext): Promise<SuiteReport> {
  const burst = ctx.quick ? 200 : 1000;
  const rounds = ctx.measure.rounds ?? (ctx.quick ? 3 : 10);
  const warmupRounds = ctx.measure.warmupRounds ?? (ctx.quick ? 1 : defaultMeasureOptions.warmupRounds);
  const latencySamples = ctx.quick ? 100 : 1000;
  const payload = encodeScanEvent(SCAN_EVENT);
  const dir = mkdtempSync(join(tmpdir(), 'bench-outbox-'));
  const outbox = await Outbox.open({ dir: join(dir, 'outbox') });
  const naivePath = join(dir, 'naive.journal');
  const rawFd = openSync(join(dir, 'raw.bin'), 'a');
  let next = 0;

  // The baseline journal: one append + fsync per record, synchronous (what a quick hand-rolled
  // "durable log" does). Wrapped in a promise only to be timed like ours.
  const naiveAppend = async (): Promise<void> => {
    appendFileSync(naivePath, payload);
    const fd = openSync(naivePath, 'r');
    fsyncSync(fd);
    closeSync(fd);
  };
  const ourAppend = async (): Promise<void> => {
    const id = `s${next++}`;
    await outbox.append(id, payload);
    await outbox.retire(id);
  };

  try {
    const throughput = await compareAsync(
      [
        { name: `Outbox: ${burst} appends at once (group commit)`, ops: burst, run: async () => void (await Promise.all(Array.from({ length: burst }, () => outbox.append(`s${next++}`, payload)))) },
        { name: `appendFileSync + fsyncSync, ${burst} records`, ops: burst, run: async () => { for (let i = 0; i < burst; i++) await naiveAppend(); } },
      ],
      rounds,
      warmupRounds,
    );
    // Retire the burst records so the outbox does not grow round after round.
    for (const p of [...outbox.pending()]) await outbox.retire(p.id);
    const latency = [
      await latencies('Outbox append (durable) + retire, one at a time', latencySamples, () => ourAppend()),
      await latencies('Outbox append (durable), one at a time', latencySamples, () => outbox.append(`s${next++}`, payload)),
      await latencies('appendFileSync + fsyncSync, one at a time', latencySamples, () => naiveAppend()),
      await latencies('bare writeSync + fdatasyncSync (the disk floor)', latencySamples, async () => {
        writeSync(rawFd, payload);
        fdatasyncSync(rawFd);
      }),
    ];
    const [ours, naive] = throughput as [Measurement, Measurement];
    const burstRatio = ours.opsPerSec / naive.opsPerSec;
    const floor = latency[3]!;
    const single = latency[1]!;
    ctx.log(`${payload.length}-byte ScanEvent records, in ${dir} (${process.env.TMPDIR ?? '/tmp'}); ${rounds} rounds of ${burst}`);
    ctx.log(renderTable(['case', 'scans/s', 'µs/scan median', 'µs/scan p99'], throughput.map((m) => [m.name, Math.round(m.opsPerSec), m.medianUsPerOp, m.p99UsPerOp])));
    ctx.log(`\none durable append at a time (${latencySamples} each):`);
    ctx.log(renderTable(['case', 'p50 µs', 'p99 µs', 'max µs'], latency.map((l) => [l.name, l.p50Us, l.p99Us, l.maxUs])));
    ctx.log(`\nburst throughput ÷ the naive journal's: ${formatNumber(burstRatio)}×; one append's p99 − the disk's fdatasync p99: ${formatNumber((single.p99Us - floor.p99Us) / 1000)} ms`);
    return {
      notes: [
        'Both journals write to the same directory on the same disk, in this process, in rotation round by round.',
        'The naive journal is appendFileSync + fsyncSync per record; ours is CRC-framed records, fdatasync, group commit.',
        'The disk floor is writeSync + fdatasyncSync of the same bytes on an open file: no durable outbox can beat it for one record.',
      ],
      results: { throughput, burstRatio, latency, overheadP99Ms: (single.p99Us - floor.p99Us) / 1000 },
    };
  } finally {
    await outbox.close();
    closeSync(rawFd);
    rmSync(dir, { recursive: true, force: true });
  }
}

export const outboxSuite: Suite = {
  name: 'outbox',
  description: 'durable outbox append (fsync, group commit) vs appendFileSync + fsyncSync: burst scans/s, one-at-a-time latency beside the disk floor',
  run,
};
