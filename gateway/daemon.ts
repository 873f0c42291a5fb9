// The theatre gateway daemon: config in, every part started, one close() that stops them in order.
//   const gw = await startGateway(config, { logger });
//   gw.stationUrl → 'http://127.0.0.1:8080/'   …   await gw.close();   // on SIGTERM
//
// Start order: disk reserve → outbox (recovery) → sequence → broker link → controller (recovery
// report announced) → station page → scanner → READY=1. Scans are accepted as soon as the outbox
// is open, even with the broker unreachable.
// A full disk does not stop it: the reserve (disk-reserve.ts) is given back so that the sequence
// block, the birth number and the retire records can still be written; the pending scans are
// published; new scans are refused loudly (disk-full) until a check every spaceCheckMs finds
// room again.
// Stop order: scanner closed (no new scans) → pending fsyncs finished → link closed (retained
// OFFLINE) → station page → outbox closed → STOPPING=1.

import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { configHash, type GatewayConfig } from './config.ts';
import { DISK_FULL_ATTENTION, GatewayController, type SequenceSource } from './controller.ts';
import { DiskReserve } from './disk-reserve.ts';
import { createIndicator } from '../hw/indicator/index.ts';
import { GatewayMetrics } from './metrics.ts';
import { FileBirthSeqStore } from './mqtt/birth-seq-store.ts';
import { GatewayLink } from './mqtt/link.ts';
import { gatewayMetricsHooks } from './mqtt/link-metrics.ts';
import { Outbox } from './outbox/outbox.ts';
import { announceRecovery } from './recovery-report.ts';
import { SequenceFile } from './sequence.ts';
import { isDiskFull } from './storage-failure.ts';
import { attachScanner } from './scanner.ts';
import { DoubleReadFilter } from './serial/double-read.ts';
import { startStationServer } from './station/server.ts';
import { systemdNotifier, type SystemdNotifier } from './systemd-notify.ts';

export const SOFTWARE_VERSION = '0.1.0';

export interface GatewayHandle {
  controller: GatewayController;
  metrics: GatewayMetrics;
  stationUrl: string;
  link: GatewayLink;
  close(): Promise<void>;
}

export interface StartOptions {
  logger: Logger;
  notifier?: SystemdNotifier;
  softwareVersion?: string;
  /** Disk space kept in reserve for a full disk (default 1 MiB). */
  reserveBytes?: number;
  /** While the disk is full, how often to look for free space again (default 10 s). */
  spaceCheckMs?: number;
  /** The least time between two STATUS= messages to systemd (default 1 s). */
  statusIntervalMs?: number;
}

export async function startGateway(config: GatewayConfig, options: StartOptions): Promise<GatewayHandle> {
  const { logger } = options;
  const notifier = options.notifier ?? systemdNotifier({ onError: (m) => logger.warn(m) });
  const metrics = new GatewayMetrics();

  const reserve = new DiskReserve(join(config.dataDir, 'reserve'), options.reserveBytes ?? 1 << 20);
  let diskFull = false;
  /** Runs a start-up step; on a full disk gives the reserve back and tries once more. */
  const withSpace = async <T>(step: () => Promise<T>): Promise<T> => {
    try {
      return await step();
    } catch (e) {
      if (!isDiskFull(e)) throw e;
      diskFull = true;
      await reserve.release();
      return step();
    }
  };
  await mkdir(config.dataDir, { recursive: true });
  if (!(await reserve.ensure()) || (await reserve.diskIsFull())) {
    diskFull = true;
    await reserve.release();
  }
  const outbox = await withSpace(() => Outbox.open({ dir: join(config.dataDir, 'outbox'), capacityBytes: config.outbox.capacityBytes }));
  logger.info({ pending: outbox.depth }, 'outbox open');
  const sequencePath = join(config.dataDir, 'sequence');
  const used = { used: outbox.highWaterMark };
  const sequence = await withSpace(() => SequenceFile.open(sequencePath, used)).then(
    (opened) => {
      if (opened.resumed.afterGap) logger.warn({ sequence: Number(opened.resumed.next) }, 'the journal cannot vouch for the last sequence number used: continuing at the next reserved block (numbers before it are skipped)');
      return opened;
    },
    (e: unknown) => {
      if (!isDiskFull(e)) throw e;
      return reopeningSequence(sequencePath, used);
    },
  );

  const password = config.broker.passwordFile ? (await readFile(config.broker.passwordFile, 'utf8')).trim() : undefined;
  const tls = config.broker.tls
    ? { ca: await readFile(config.broker.tls.ca), cert: await readFile(config.broker.tls.cert), key: await readFile(config.broker.tls.key) }
    : undefined;
  const link = await GatewayLink.open({
    url: config.broker.url,
    address: { site: config.site, theatre: config.theatre, gateway: config.gateway },
    softwareVersion: options.softwareVersion ?? SOFTWARE_VERSION,
    configHash: configHash(config),
    birthSeqStore: new FileBirthSeqStore(join(config.dataDir, 'birth-seq')),
    logger: logger.child({ part: 'mqtt' }),
    metrics: gatewayMetricsHooks(metrics),
    keepaliveSeconds: config.broker.keepaliveSeconds,
    maxInFlight: config.broker.maxInFlight,
    ...(config.broker.username ? { username: config.broker.username } : {}),
    ...(password ? { password } : {}),
    ...(tls ? { tls } : {}),
  });

  const indicator = createIndicator(config.indicator);
  const doubleReads = new DoubleReadFilter({ windowMs: config.scanner.doubleReadWindowMs });
  const controller = new GatewayController({ config, outbox, link, sequence, metrics, logger, indicator, isDoubleRead: doubleReads.isDoubleRead });
  announceRecovery(outbox.recovery, { logger, metrics, attention: controller });
  const space = watchForSpace(controller, reserve, options.spaceCheckMs ?? 10_000, logger);
  controller.on('disk-full', space.start);
  if (diskFull) {
    logger.error('the disk is full at start-up: pending scans are published, new scans are refused until space is freed');
    controller.setAttention('disk-full', DISK_FULL_ATTENTION);
  }
  const station = await startStationServer({ source: controller, metrics, host: config.station.host, port: config.station.port, logger: logger.child({ part: 'station' }) });
  const scanner = attachScanner(controller, config, metrics, logger.child({ part: 'scanner' }));

  const status = () => {
    const s = controller.currentStatus();
    return `scanner ${s.scanner}; broker ${s.broker}; ${s.outbox} scan(s) waiting for a receipt`;
  };
  const statusLine = statusNotifications(notifier, status, options.statusIntervalMs ?? 1000);
  controller.on('status', statusLine.changed);
  await notifier.notify({ READY: '1', STATUS: status() });
  logger.info({ station: station.url }, 'gateway ready: accepting scans');

  // The watchdog is fed only while the event loop turns and the outbox answers.
  let watchdog: NodeJS.Timeout | undefined;
  if (notifier.watchdogIntervalMs !== null) {
    watchdog = setInterval(() => {
      if (outbox.healthy !== false) void notifier.notify({ WATCHDOG: '1' });
    }, notifier.watchdogIntervalMs);
    watchdog.unref();
  }

  let closing: Promise<void> | undefined;
  return {
    controller,
    metrics,
    link,
    stationUrl: station.url,
    close() {
      closing ??= (async () => {
        await notifier.notify({ STOPPING: '1' });
        if (watchdog) clearInterval(watchdog);
        statusLine.stop();
        space.stop();
        await scanner.close();
        await controller.drain();
        controller.close();
        await link.close();
        await station.close();
        await outbox.close();
        logger.info('gateway stopped');
      })();
      return closing;
    },
  };
}

/**
 * The STATUS= line kept current without a systemd-notify process per scan and per receipt: one
 * message in flight at a time, at least intervalMs apart, carrying the newest text (a burst of
 * scans is one or two messages).
 */
function statusNotifications(notifier: SystemdNotifier, text: () => string, intervalMs: number): { changed(): void; stop(): void } {
  let sending = false;
  let changed = false;
  let stopped = false;
  let last = '';
  let timer: NodeJS.Timeout | undefined;
  const send = (): void => {
    timer = undefined;
    if (!changed || stopped) return;
    changed = false;
    const status = text();
    if (status === last) return;
    last = status;
    sending = true;
    void notifier.notify({ STATUS: status }).finally(() => {
      sending = false;
      if (stopped) return;
      timer = setTimeout(send, intervalMs);
      timer.unref();
    });
  };
  return {
    changed() {
      if (!notifier.enabled) return; // outside systemd: nothing listens
      changed = true;
      if (!sending && timer === undefined) send();
    },
    stop() {
      stopped = true;
      clearTimeout(timer);
    },
  };
}

/** A sequence whose file could not be opened (disk full): each next() tries again. */
function reopeningSequence(path: string, options: { used: bigint | null }): SequenceSource {
  let opened: Promise<SequenceSource> | null = null;
  return {
    async next() {
      opened ??= SequenceFile.open(path, options).catch((e: unknown) => {
        opened = null;
        throw e;
      });
      return (await opened).next();
    },
  };
}

/** While the disk is full: the reserve given back, then a look for free space every intervalMs. */
function watchForSpace(controller: GatewayController, reserve: DiskReserve, intervalMs: number, logger: Logger): { start(): void; stop(): void } {
  let timer: NodeJS.Timeout | undefined;
  let checking = false;
  const check = async (): Promise<void> => {
    if (checking) return;
    checking = true;
    try {
      if (!(await reserve.spaceIsBack())) return;
    } catch (e) {
      logger.warn({ err: (e as Error).message }, 'cannot check the free disk space');
      return;
    } finally {
      checking = false;
    }
    if (timer === undefined) return; // stopped meanwhile
    clearInterval(timer);
    timer = undefined;
    logger.warn('disk space is back: accepting scans again');
    controller.clearAttention('disk-full');
  };
  return {
    start() {
      if (timer !== undefined) return;
      logger.error('the disk is full: the space reserve is given back for publishing; new scans are refused until space is freed');
      reserve.release().catch((e: unknown) => logger.warn({ err: (e as Error).message }, 'cannot give back the disk reserve'));
      timer = setInterval(() => void check(), intervalMs);
      timer.unref();
    },
    stop() {
      clearInterval(timer);
      timer = undefined;
    },
  };
}
