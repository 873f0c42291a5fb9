// The scanner, attached to the controller: serial frames in, status out, framing errors counted.
//   const scanner = attachScanner(controller, config, metrics, logger);  …  await scanner.close();

import type { Logger } from 'pino';
import type { GatewayConfig } from './config.ts';
import type { GatewayController } from './controller.ts';
import type { GatewayMetrics } from './metrics.ts';
import { SerialSource } from './serial/serial-source.ts';

export function attachScanner(controller: GatewayController, config: GatewayConfig, metrics: GatewayMetrics, logger: Logger): { source: SerialSource; close(): Promise<void> } {
  const { path, baudRate, terminators, interCharTimeoutMs, maxLineBytes } = config.scanner;
  const source = new SerialSource({ path, baudRate, terminators, interCharTimeoutMs, maxLineBytes, logger });
  source.on('frame', (bytes, receivedAt) => {
    // The error's name only: a message could quote the scan, and the scan may hold personal data.
    controller.handleFrame(bytes, receivedAt).catch((e: unknown) => logger.error({ err: e instanceof Error ? e.name : typeof e }, 'the controller rejected a frame (it never should): the scan was not recorded'));
  });
  source.on('status', (s) => controller.setScannerStatus(s));
  source.on('framing-error', (e) => {
    metrics.framingErrors.inc({ kind: e.kind });
    logger.warn({ kind: e.kind, bytes: e.bytes, cause: e.cause }, 'scanner input dropped');
  });
  source.start();
  return { source, close: () => source.close() };
}
