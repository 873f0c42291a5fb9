// What a client that has not logged in may cost the real broker (connection-guard.ts in
// server.ts), over real loopback sockets: oversized packets are refused from their header, a
// silent connection is dropped at the connect timeout. Each refusal has its control case (a
// normal login, a largest legitimate message) against the same broker.

import { connect as tcpConnect, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { scanTopic } from '../../protocol/topics.ts';
import { MAX_MESSAGE_BYTES } from '../../protocol/wire.ts';
import { DEFAULT_CONNECTION_LIMITS } from './connection-guard.ts';
import type { RunningBroker } from './server.ts';
import { GW_A, USERS, capturedLog, connectClient, endClient, loginOf, startSecureTestBroker, within } from './test-support.ts';

const { logger, lines: logLines } = capturedLog();

function rawSocket(url: string): Promise<Socket> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const s = tcpConnect({ host: hostname, port: Number(port) }, () => resolve(s));
    s.once('error', reject);
  });
}

/** Writes `total` zero bytes after `header`, as fast as the socket takes them, until it closes. */
function stream(s: Socket, header: Buffer, total: number): Promise<void> {
  const closed = new Promise<void>((resolve) => s.once('close', () => resolve()));
  s.on('error', () => undefined); // EPIPE / ECONNRESET once the broker has closed it
  const chunk = Buffer.alloc(64 * 1024);
  let sent = 0;
  const pump = (): void => {
    while (sent < total && !s.destroyed) {
      sent += chunk.length;
      if (!s.write(chunk)) return void s.once('drain', pump);
    }
  };
  s.write(header);
  pump();
  return closed;
}

describe('packet size limits', () => {
  let broker: RunningBroker;
  beforeAll(async () => {
    broker = await startSecureTestBroker({ logger });
  });
  afterAll(async () => {
    await broker.close();
  });

  test('a CONNECT declaring 16 MiB is refused from its header: the broker reads at most a few chunks of it, and a real login still works', async () => {
    const declared = 16 * 1024 * 1024;
    const s = await rawSocket(broker.url);
    // CONNECT, remaining length 16 MiB (varint 0x80 0x80 0x80 0x08), then zeros
    await within(stream(s, Buffer.from([0x10, 0x80, 0x80, 0x80, 0x08]), declared), 20_000, 'the broker to close the socket');
    expect(broker.stats.packetTooLarge).toBe(1);
    const line = logLines.find((l) => String(l.msg).includes('packet over the size limit'));
    expect(line).toMatchObject({ declared, limit: DEFAULT_CONNECTION_LIMITS.maxPacketBytesBeforeConnack, authenticated: false });
    expect(line!.bytesRead as number).toBeLessThan(1024 * 1024); // of 16 MiB offered

    const control = await connectClient(broker.url, loginOf(USERS.gwA));
    expect(control.connected).toBe(true);
    await endClient(control);
  });

  test('after login: a message of the largest size the protocol encodes is delivered; one over the limit closes the connection', async () => {
    const a = await connectClient(broker.url, loginOf(USERS.gwA));
    await a.publishAsync(scanTopic(GW_A), Buffer.alloc(MAX_MESSAGE_BYTES, 1), { qos: 1 });
    const before = broker.stats.packetTooLarge;
    const closed = new Promise<void>((resolve) => a.once('close', () => resolve()));
    a.publish(scanTopic(GW_A), Buffer.alloc(DEFAULT_CONNECTION_LIMITS.maxPacketBytes + 1, 1), { qos: 1 });
    await within(closed, 10_000, 'the broker to close the connection');
    expect(broker.stats.packetTooLarge).toBe(before + 1);
    await endClient(a);
  });
});

test('a client that connects and never logs in is dropped at the connect timeout (a login in time: connection-guard.test.ts)', async () => {
  const broker = await startSecureTestBroker({ logger, limits: { connectTimeoutMs: 300 } });
  try {
    const silent = await rawSocket(broker.url);
    await within(new Promise((resolve) => silent.once('close', resolve)), 10_000, 'the silent socket to be closed');
    expect(broker.stats.connectTimeout).toBe(1);
    expect(logLines.some((l) => String(l.msg).includes('no login within the connect timeout') && l.timeoutMs === 300)).toBe(true);
  } finally {
    await broker.close();
  }
});
