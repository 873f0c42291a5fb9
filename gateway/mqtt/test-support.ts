// Helpers for the link's tests: a pino logger whose lines the test can read, sample scans for
// gateway A (protocol/fixtures/samples.ts), and a link opened with test-friendly defaults.

import { once } from 'node:events';
import { createServer, type AddressInfo } from 'node:net';
import pino, { type Logger } from 'pino';
import { SCAN_EVENT } from '../../protocol/fixtures/samples.ts';
import type { GatewayAddress } from '../../protocol/topics.ts';
import type { ScanEvent } from '../../protocol/wire.ts';
import { GW_A, USERS, within } from '../broker/test-support.ts';
import { MemoryBirthSeqStore } from './birth-seq-store.ts';
import { GatewayLink, type GatewayLinkOptions, type LinkEvents } from './link.ts';

export const ADDRESS_A: GatewayAddress = { site: GW_A.site, theatre: GW_A.theatre, gateway: GW_A.gateway };

export interface CapturedLog {
  logger: Logger;
  lines: string[];
  /** Parsed lines. */
  entries(): Array<Record<string, unknown>>;
}

export function captureLog(level: pino.Level = 'debug'): CapturedLog {
  const lines: string[] = [];
  const logger = pino({ level }, { write: (line: string) => void lines.push(line) });
  return { logger, lines, entries: () => lines.map((l) => JSON.parse(l) as Record<string, unknown>) };
}

/** Scan n of gateway A: a distinct scan id and sequence number. */
export function scanOfA(n: number): ScanEvent {
  const suffix = n.toString(16).padStart(12, '0');
  return { ...SCAN_EVENT, scanId: `019b76da-a800-7a3e-9c41-${suffix}`, sequence: BigInt(n) };
}

/** Gateway A's link with its test credentials and short reconnect delays. */
export function openLinkA(url: string, options: Partial<GatewayLinkOptions> = {}): Promise<GatewayLink> {
  return GatewayLink.open({
    url,
    address: ADDRESS_A,
    softwareVersion: '0.1.0+test',
    configHash: '0123456789abcdef',
    birthSeqStore: new MemoryBirthSeqStore(),
    logger: pino({ level: 'silent' }),
    username: USERS.gwA.username,
    password: USERS.gwA.password,
    reconnect: { initialMs: 40, maxMs: 400 },
    ...options,
  });
}

/** The next `event` from the link, within a bound. */
export function next<K extends keyof LinkEvents>(link: GatewayLink, event: K, timeoutMs = 10_000): Promise<LinkEvents[K]> {
  return within(once(link as unknown as NodeJS.EventEmitter, event) as Promise<LinkEvents[K]>, timeoutMs, `the link's '${event}' event`);
}

/**
 * Holds a loopback port (a free one, or `port`) with a listener that drops every connection at
 * once — a broker that is down — so that no other test takes the port before `release()`, after
 * which a broker can start on it.
 */
export async function reservePort(port = 0): Promise<{ port: number; release(): Promise<void> }> {
  const server = createServer((socket) => socket.destroy());
  server.listen(port, '127.0.0.1');
  await once(server, 'listening');
  const { port: held } = server.address() as AddressInfo;
  return { port: held, release: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

/** A loopback port that was free a moment ago. */
export async function freePort(): Promise<number> {
  const reserved = await reservePort();
  await reserved.release();
  return reserved.port;
}

/** err.code of a certificate alert from the broker, as this Node's OpenSSL names it: 3.5 and later (Node 24) "SSL/TLS", earlier "SSLV3". */
export function certificateAlertCode(alert: 'CERTIFICATE_REVOKED' | 'CERTIFICATE_EXPIRED'): string {
  const [major = 0, minor = 0] = process.versions.openssl.split('.').map(Number);
  return `ERR_SSL_${major > 3 || (major === 3 && minor >= 5) ? 'SSL/TLS' : 'SSLV3'}_ALERT_${alert}`;
}
