// The gateway suite's long run (bench/gateway.bench.ts): the controller driven directly for many
// scans, with every part that holds state per scan real — GatewayController (parse, sequence,
// scan log, publisher), the outbox (fsync, segments, retiring), GatewayLink to aedes — and a
// subscriber that answers each ScanEvent with a receipt, so that the outbox retires what it sent.
// Only the serial line is left out (the pty costs ~0.3 ms a scan, which would make 1,000,000 scans
// take an hour). RSS and heap are sampled every 10 % (and again after a full GC); the peak RSS is
// read after every window of frames. The first 10,000 scans measure the rate; the count is then
// cut to what fits the time budget.
//   const r = await controllerRss({ brokerUrl, dir, scans: 20_000 })
//   r.samples → [{ scans: 0, rssMB, heapUsedMB, pending }, …]

import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { connect, type MqttClient } from 'mqtt';
import pino from 'pino';
import { parseConfig } from '../gateway/config.ts';
import { GatewayController } from '../gateway/controller.ts';
import { GatewayMetrics } from '../gateway/metrics.ts';
import { FileBirthSeqStore } from '../gateway/mqtt/birth-seq-store.ts';
import { GatewayLink } from '../gateway/mqtt/link.ts';
import { Outbox } from '../gateway/outbox/outbox.ts';
import { SequenceFile } from '../gateway/sequence.ts';
import { DoubleReadFilter } from '../gateway/serial/double-read.ts';
import { receiptTopic, scanTopic } from '../protocol/topics.ts';
import { decodeScanEvent, encodeScanReceipt } from '../protocol/wire.ts';
import { collectGarbage } from './measure.ts';

export interface RssSample {
  scans: number;
  rssMB: number;
  heapUsedMB: number;
  /** Scans accepted but not yet receipted (still in the outbox). */
  pending: number;
  seconds: number;
  /** After a full GC (with --expose-gc): what the heap really retains, and RSS then. */
  heapAfterGcMB: number;
  rssAfterGcMB: number;
}

export interface RssRun {
  scans: number;
  /** The count asked for; fewer when the rate measured over the first scans would not fit the budget. */
  planned: number;
  /** Scans/s over the first calibration scans, from which `scans` was chosen. */
  calibrationRate: number;
  seconds: number;
  /** RSS of this process before anything of the run was created (broker and bench already up). */
  baselineRssMB: number;
  samples: RssSample[];
  startRssMB: number;
  /** The highest RSS seen after any window of frames, not only at the 10 % samples. */
  peakRssMB: number;
  endRssMB: number;
  /** After the run, everything closed, one full GC. */
  afterCloseRssMB: number;
  refused: number;
  /** The outbox's depth at the end, after the last receipts. */
  pendingAtEnd: number;
  /** True when the count was cut to fit the budget. */
  cut: boolean;
}

export interface RssOptions {
  brokerUrl: string;
  dir: string;
  scans: number;
  /** The time the run should take: after the first `calibration` scans, the count is cut to what fits. */
  budgetMs: number;
  /** Scans from which the rate is measured (default 10,000 or `scans` if fewer). */
  calibration?: number;
  /** Frames handed to the controller before waiting for their outcomes. */
  window?: number;
  /** The most scans accepted and not yet receipted before the driver waits for receipts. */
  maxPending?: number;
}

const ADDRESS = { site: 'bench-hospital', theatre: 'or-2', gateway: 'gw-rss' };
const mb = (bytes: number) => Math.round((bytes / 2 ** 20) * 10) / 10;
export const rssScanText = (i: number) => `]d201073999900010921729013110LOT${i}\x1d21SN${i}`;

function connected(url: string, clientId: string): Promise<MqttClient> {
  return new Promise((resolve, reject) => {
    const c = connect(url, { clientId, protocolVersion: 4, clean: true, reconnectPeriod: 0 });
    c.once('connect', () => resolve(c));
    c.once('error', reject);
  });
}

export async function controllerRss(opts: RssOptions): Promise<RssRun> {
  const window = opts.window ?? 256;
  const maxPending = opts.maxPending ?? 2000;
  collectGarbage();
  const baselineRssMB = mb(process.memoryUsage().rss);
  const dataDir = join(opts.dir, 'rss-data');
  mkdirSync(dataDir, { recursive: true });
  const logger = pino({ level: 'silent' });
  const config = parseConfig({ ...ADDRESS, dataDir, scanner: { path: '/dev/null' }, broker: { url: opts.brokerUrl }, station: { port: 0 }, indicator: { driver: 'none' }, logLevel: 'silent' });
  const outbox = await Outbox.open({ dir: join(dataDir, 'outbox'), capacityBytes: config.outbox.capacityBytes });
  const sequence = await SequenceFile.open(join(dataDir, 'sequence'));
  const metrics = new GatewayMetrics();
  const link = await GatewayLink.open({
    url: opts.brokerUrl,
    address: ADDRESS,
    softwareVersion: '0.1.0-bench',
    configHash: '0123456789abcdef',
    birthSeqStore: new FileBirthSeqStore(join(dataDir, 'birth-seq')),
    logger,
  });
  const doubleReads = new DoubleReadFilter({ windowMs: config.scanner.doubleReadWindowMs });
  const controller = new GatewayController({ config, outbox, link, sequence, metrics, logger, isDoubleRead: doubleReads.isDoubleRead });
  controller.setScannerStatus('open');

  // The national side, collapsed: every ScanEvent answered at once with an accepted receipt.
  const national = await connected(opts.brokerUrl, 'bench-rss-national');
  const receiptsTo = receiptTopic(ADDRESS);
  national.on('message', (_topic, payload: Buffer) => {
    const d = decodeScanEvent(payload);
    if (!d.ok) return;
    const r = { scanId: d.value.scanId, orderCode: 'K7D2M9QX', caseCode: null, productName: null, status: 'accepted' as const, receivedAtMs: Date.now(), messageCode: 'ok' };
    national.publish(receiptsTo, Buffer.from(encodeScanReceipt(r)), { qos: 1 });
  });
  await national.subscribeAsync(scanTopic(ADDRESS), { qos: 1 });
  await new Promise<void>((resolve) => (link.online ? resolve() : link.once('online', () => resolve())));

  let receipted = 0;
  let accepted = 0;
  let refused = 0;
  let wake: (() => void) | null = null;
  controller.on('receipt', () => {
    receipted++;
    if (wake && accepted - receipted <= maxPending / 2) {
      const w = wake;
      wake = null;
      w();
    }
  });

  const samples: RssSample[] = [];
  const t0 = performance.now();
  const sample = (scans: number) => {
    const m = process.memoryUsage();
    const seconds = Math.round((performance.now() - t0) / 100) / 10;
    collectGarbage();
    const after = process.memoryUsage();
    samples.push({ scans, rssMB: mb(m.rss), heapUsedMB: mb(m.heapUsed), pending: outbox.depth, seconds, heapAfterGcMB: mb(after.heapUsed), rssAfterGcMB: mb(after.rss) });
  };
  sample(0);
  const calibration = Math.min(opts.calibration ?? 10_000, opts.scans);
  let total = opts.scans;
  let calibrationRate = Number.NaN;
  let tenth = Math.max(1, Math.floor(total / 10));
  let done = 0;
  let peakRss = 0;
  try {
    while (done < total) {
      const boundary = done < calibration ? calibration : tenth;
      const n = Math.min(window, total - done, boundary - (done % boundary));
      const outcomes: Promise<unknown>[] = [];
      const at = Date.now();
      for (let k = 0; k < n; k++) {
        const i = done + k;
        outcomes.push(
          controller.handleFrame(Buffer.from(rssScanText(i), 'latin1'), at).then((o) => {
            if (o.accepted) accepted++;
            else refused++;
          }),
        );
      }
      await Promise.all(outcomes);
      done += n;
      peakRss = Math.max(peakRss, process.memoryUsage.rss());
      if (accepted - receipted > maxPending) await new Promise<void>((resolve) => (wake = resolve));
      if (done === calibration && Number.isNaN(calibrationRate)) {
        calibrationRate = done / ((performance.now() - t0) / 1000);
        const fits = Math.floor((calibrationRate * opts.budgetMs) / 1000 / 10_000) * 10_000;
        total = Math.max(calibration, Math.min(opts.scans, fits));
        tenth = Math.max(1, Math.floor(total / 10));
      }
      if (done % tenth === 0 || done === total) sample(done);
    }
    // The last receipts.
    const deadline = Date.now() + 30_000;
    while (outbox.depth > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    const seconds = (performance.now() - t0) / 1000;
    const pendingAtEnd = outbox.depth;
    const rss = samples.map((s) => s.rssMB);
    const result: Omit<RssRun, 'afterCloseRssMB'> = {
      scans: done,
      planned: opts.scans,
      calibrationRate,
      seconds,
      baselineRssMB,
      samples,
      startRssMB: samples[0]!.rssMB,
      peakRssMB: Math.max(mb(peakRss), ...rss),
      endRssMB: rss.at(-1)!,
      refused,
      pendingAtEnd,
      cut: total < opts.scans,
    };
    await controller.drain();
    controller.close();
    await link.close();
    await outbox.close();
    await national.endAsync(true);
    collectGarbage();
    return { ...result, afterCloseRssMB: mb(process.memoryUsage().rss) };
  } catch (e) {
    controller.close();
    await link.close().catch(() => {});
    await outbox.close().catch(() => {});
    national.end(true);
    throw e;
  }
}
