// The guard alone (connection-guard.ts), on stand-in sockets and a fake clock. The same guard in
// a real broker, over real sockets, is in limits.test.ts.

import FakeTimers from '@sinonjs/fake-timers';
import { PassThrough } from 'node:stream';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { ConnectionGuard, type ConnectionLimits } from './connection-guard.ts';

const LIMITS: ConnectionLimits = { maxPacketBytesBeforeConnack: 100, maxPacketBytes: 1000, connectTimeoutMs: 5000, maxUnauthenticated: 4, maxUnauthenticatedPerAddress: 2 };

let port = 40000;
/** A stand-in for a net.Socket: a stream with an address, that tells when it is destroyed. */
function socket(address = '10.0.0.1') {
  const s = new PassThrough() as PassThrough & { remoteAddress: string; remotePort: number; bytesRead: number };
  s.remoteAddress = address;
  s.remotePort = port++;
  s.bytesRead = 0;
  return s;
}

let clock: ReturnType<typeof FakeTimers.install>;
beforeEach(() => {
  clock = FakeTimers.install({ toFake: ['setTimeout', 'clearTimeout'] });
});
afterEach(() => clock.uninstall());

describe('connect timeout', () => {
  test('a connection that never logs in is closed when the connect timeout runs out, not before', () => {
    const guard = new ConnectionGuard(LIMITS);
    const s = socket();
    expect(guard.admit(s)).toBe(true);
    clock.tick(LIMITS.connectTimeoutMs - 1);
    expect(s.destroyed).toBe(false);
    clock.tick(1);
    expect(s.destroyed).toBe(true);
    expect(guard.stats.connectTimeout).toBe(1);
  });

  test('a connection that logs in in time stays open', () => {
    const guard = new ConnectionGuard(LIMITS);
    const s = socket();
    guard.admit(s);
    guard.meter(s);
    clock.tick(LIMITS.connectTimeoutMs - 1);
    guard.authenticated(s);
    clock.tick(10 * LIMITS.connectTimeoutMs);
    expect(s.destroyed).toBe(false);
    expect(guard.stats.connectTimeout).toBe(0);
    expect(guard.unauthenticated).toBe(0);
  });

  test('the TLS socket on a raw one (same address and port) is closed with it', () => {
    const guard = new ConnectionGuard(LIMITS);
    const raw = socket();
    const tls = Object.assign(new PassThrough(), { remoteAddress: raw.remoteAddress, remotePort: raw.remotePort, bytesRead: 0 });
    guard.admit(raw);
    guard.meter(tls);
    clock.tick(LIMITS.connectTimeoutMs);
    expect(raw.destroyed && tls.destroyed).toBe(true);
  });
});

describe('unauthenticated connections are capped', () => {
  test('per source address, then in total; a closed or authenticated one frees its place', async () => {
    const guard = new ConnectionGuard(LIMITS);
    const a = [socket('10.0.0.1'), socket('10.0.0.1'), socket('10.0.0.1')];
    expect(a.map((s) => guard.admit(s))).toEqual([true, true, false]);
    expect(a[2]!.destroyed).toBe(true);
    expect(guard.admit(socket('10.0.0.2'))).toBe(true);
    expect(guard.admit(socket('10.0.0.3'))).toBe(true);
    const overTotal = socket('10.0.0.4');
    expect(guard.admit(overTotal)).toBe(false);
    expect(guard.stats.unauthenticatedOverCap).toBe(2);

    guard.authenticated(a[0]!);
    a[1]!.destroy();
    await new Promise((resolve) => a[1]!.once('close', resolve));
    expect(guard.unauthenticated).toBe(2);
    expect(guard.admit(socket('10.0.0.1'))).toBe(true);
    expect(guard.admit(socket('10.0.0.1'))).toBe(true);
    expect(guard.admit(socket('10.0.0.1'))).toBe(false);
  });
});

test('an address out of login budget is closed at accept; another address is admitted', () => {
  const broke = new Set(['10.0.0.66']);
  const guard = new ConnectionGuard(LIMITS, { acceptsFrom: (address) => !broke.has(address) });
  const flood = socket('10.0.0.66');
  expect(guard.admit(flood)).toBe(false);
  expect(flood.destroyed).toBe(true);
  expect(guard.admit(socket('10.0.0.7'))).toBe(true);
  expect(guard.stats.unauthenticatedOverCap).toBe(1);
});

describe('packet size', () => {
  test('before login a header over the small limit closes the connection and the chunk never reaches the reader', () => {
    const guard = new ConnectionGuard(LIMITS);
    const s = socket();
    guard.admit(s);
    guard.meter(s);
    s.write(Buffer.from([0x10, 101, 0, 0, 0]));
    expect(s.read()).toBeNull();
    expect(s.destroyed).toBe(true);
    expect(guard.stats.packetTooLarge).toBe(1);
  });

  test('after login the larger limit applies', () => {
    const guard = new ConnectionGuard(LIMITS);
    const s = socket();
    guard.admit(s);
    guard.meter(s);
    guard.authenticated(s);
    const packet = Buffer.concat([Buffer.from([0x30, 0xe8, 0x07]), Buffer.alloc(1000)]); // PUBLISH, remaining length 1000
    s.write(packet);
    expect(Buffer.from(s.read() as Buffer)).toEqual(packet);
    s.write(Buffer.from([0x30, 0xe9, 0x07])); // 1001
    expect(s.read()).toBeNull();
    expect(s.destroyed).toBe(true);
  });

  test('a stream the guard did not admit is closed', () => {
    const guard = new ConnectionGuard(LIMITS);
    const s = socket();
    guard.meter(s);
    expect(s.destroyed).toBe(true);
  });
});
