// The theatre gateway daemon: config in, every part started, one close() that stops them in order.
//   const gw = await startGateway(config, { logger });
//   gw.stationUrl → 'http://127.0.0.1:8080/'   …   await gw.close();   // on SIGTERM
//
// Start order: outbox (recovery) → sequence → controller → station page → scanner → broker link
// → READY=1. Scans are accepted as soon as the outbox is open, even with the broker unreachable.
// Stop order: scanner closed (no new scans) → pending fsyncs finished → link closed (retained
// OFFLINE) → station page → outbox closed → STOPPING=1.

import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { configHash, type GatewayConfig } from './config.ts';
import { GatewayController } from './controller.ts';
import { createIndicator } from '../hw/indicator/index.ts';
import { GatewayMetrics } from './metrics.ts';
import { FileBirthSeqStore } from './mqtt/birth-seq-store.ts';
import { GatewayLink } from './mqtt/link.ts';
import { gatewayMetricsHooks } from './mqtt/link-metrics.ts';
import { Outbox } from './outbox/outbox.ts';
import { SequenceFile } from './sequence.ts';
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
}

export async function startGateway(config: GatewayConfig, options: StartOptions): Promise<GatewayHandle> {
  const { logger } = options;
  const notifier = options.notifier ?? systemdNotifier({ onError: (m) => logger.warn(m) });
  const metrics = new GatewayMetrics();

  const outbox = await Outbox.open({ dir: join(config.dataDir, 'outbox'), capacityBytes: config.outbox.capacityBytes });
  logger.info({ pending: outbox.depth }, 'outbox open');
  const sequence = await SequenceFile.open(join(config.dataDir, 'sequence'), { used: outbox.highWaterMark });
  if (sequence.resumed.afterGap) logger.warn({ sequence: Number(sequence.resumed.next) }, 'the journal cannot vouch for the last sequence number used: continuing at the next reserved block (numbers before it are skipped)');

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
    ...(config.broker.username ? { username: config.broker.username } : {}),
    ...(password ? { password } : {}),
    ...(tls ? { tls } : {}),
  });

  const indicator = createIndicator(config.indicator);
  const doubleReads = new DoubleReadFilter({ windowMs: config.scanner.doubleReadWindowMs });
  const controller = new GatewayController({ config, outbox, link, sequence, metrics, logger, indicator, isDoubleRead: doubleReads.isDoubleRead });
  const station = await startStationServer({ source: controller, metrics, host: config.station.host, port: config.station.port, logger: logger.child({ part: 'station' }) });
  const scanner = attachScanner(controller, config, metrics, logger.child({ part: 'scanner' }));

  const status = () => {
    const s = controller.currentStatus();
    return `scanner ${s.scanner}; broker ${s.broker}; ${s.outbox} scan(s) waiting for a receipt`;
  };
  controller.on('status', () => void notifier.notify({ STATUS: status() }));
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
