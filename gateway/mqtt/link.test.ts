// GatewayLink against the real embedded aedes broker (gatewayAcl, password credentials) on loopback.
// Every wait is on an event or a state, bounded; no assertion is about timing.

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Client as AedesClient } from 'aedes';
import { createClock } from '@sinonjs/fake-timers';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { RECEIPT_ACCEPTED, SAMPLES } from '../../protocol/fixtures/samples.ts';
import { cmdTopic, receiptTopic, scanTopic, siteStateSubscription } from '../../protocol/topics.ts';
import { decodeScanEvent, decodeState, encodeCommand, encodeScanEvent, encodeScanReceipt, WireEncodeError, type GatewayState } from '../../protocol/wire.ts';
import { gatewayAcl } from '../broker/acl.ts';
import type { RunningBroker } from '../broker/server.ts';
import { USERS, collect, connectClient, endClient, loginOf, startSecureTestBroker, waitUntil, within } from '../broker/test-support.ts';
import { FileBirthSeqStore } from './birth-seq-store.ts';
import type { Timers } from './backoff.ts';
import { LinkClosedError, type GatewayLink } from './link.ts';
import { ADDRESS_A, captureLog, freePort, next, openLinkA, reservePort, scanOfA } from './test-support.ts';

const A = ADDRESS_A;
const COMMAND = SAMPLES['command-start-case'].value;

function states(messages: Array<{ payload: Buffer }>): GatewayState[] {
  return messages.map((m) => {
    const s = decodeState(m.payload);
    if (!s.ok) throw new Error(s.error.message);
    return s.value;
  });
}

const links: GatewayLink[] = [];
const track = (link: GatewayLink): GatewayLink => (links.push(link), link);
afterEach(async () => {
  await Promise.all(links.splice(0).map((l) => l.close()));
});

describe('GatewayLink with a running broker', () => {
  let broker: RunningBroker;
  const aedesClients = new Map<string, AedesClient>();
  beforeAll(async () => {
    broker = await startSecureTestBroker();
    broker.aedes.on('client', (c) => aedesClients.set(c.id, c));
  });
  afterAll(async () => {
    await broker.close();
  });

  test('retained birth on connect; an abrupt drop publishes the will with the SAME birthSeq; the reconnect births a higher one', async () => {
    const uplink = await connectClient(broker.url, loginOf(USERS.uplink));
    const seen = collect(uplink);
    await uplink.subscribeAsync(siteStateSubscription(A.site), { qos: 1 });

    const link = track(await openLinkA(broker.url, { reconnect: { initialMs: 200, maxMs: 400 } }));
    const [online] = await next(link, 'online');
    expect(online.birthSeq).toBe(1n);
    const [birth] = states(await seen.waitFor(1));
    expect(birth).toMatchObject({ status: 'online', birthSeq: 1n, gatewayId: A.gateway, softwareVersion: '0.1.0+test', configHash: '0123456789abcdef' });

    const offline = next(link, 'offline');
    aedesClients.get(A.gateway)!.conn.destroy(); // the socket dies: no DISCONNECT
    await offline;
    const [again] = await next(link, 'online');
    expect(again.birthSeq).toBe(2n);
    const all = states(await seen.waitFor(3));
    expect(all.map((s) => `${s.status} ${s.birthSeq}`)).toEqual(['online 1', 'offline 1', 'online 2']);
    expect(link.stats.reconnects).toBe(1);

    // A subscriber arriving now reads the newest birth, retained.
    const late = await connectClient(broker.url, loginOf(USERS.uplink));
    const lateSeen = collect(late);
    await late.subscribeAsync(siteStateSubscription(A.site), { qos: 1 });
    const [retained] = await lateSeen.waitFor(1);
    expect(retained!.retain).toBe(true);
    expect(states([retained!])[0]).toMatchObject({ status: 'online', birthSeq: 2n });
    await Promise.all([endClient(uplink), endClient(late)]);
  });

  test('birthSeq survives restarts (file store), and close() publishes the retained OFFLINE state', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'birth-seq-'));
    try {
      const path = join(dir, 'birth-seq');
      const uplink = await connectClient(broker.url, loginOf(USERS.uplink));
      const seen = collect(uplink);
      await uplink.subscribeAsync(siteStateSubscription(A.site), { qos: 1 });
      const skip = (await seen.waitFor(1)).length; // the retained state left by the previous test

      const first = await openLinkA(broker.url, { birthSeqStore: new FileBirthSeqStore(path) });
      await next(first, 'online');
      await first.close();
      const second = track(await openLinkA(broker.url, { birthSeqStore: new FileBirthSeqStore(path) }));
      await next(second, 'online');
      expect(second.birthSeq).toBeGreaterThan(first.birthSeq);
      expect(await new FileBirthSeqStore(path).load()).toBe(second.birthSeq);

      const after = states((await seen.waitFor(skip + 3)).slice(skip));
      expect(after.map((s) => `${s.status} ${s.birthSeq}`)).toEqual([`online ${first.birthSeq}`, `offline ${first.birthSeq}`, `online ${second.birthSeq}`]);
      await endClient(uplink);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  test('receipts and commands are decoded and emitted', async () => {
    const link = track(await openLinkA(broker.url));
    await next(link, 'subscribed');
    const uplink = await connectClient(broker.url, loginOf(USERS.uplink));
    const operator = await connectClient(broker.url, loginOf(USERS.operator));
    const receipt = next(link, 'receipt');
    await uplink.publishAsync(receiptTopic(A), Buffer.from(encodeScanReceipt(RECEIPT_ACCEPTED)), { qos: 1 });
    expect((await receipt)[0]).toEqual(RECEIPT_ACCEPTED);
    const command = next(link, 'command');
    await operator.publishAsync(cmdTopic(A), Buffer.from(encodeCommand(COMMAND)), { qos: 1 });
    expect((await command)[0]).toEqual(COMMAND);
    expect(link.stats).toMatchObject({ receipts: 1, commands: 1, malformed: 0 });
    await Promise.all([endClient(uplink), endClient(operator)]);
  });

  test('malformed receipts and commands are counted and logged without their content; a throwing listener is survived', async () => {
    const log = captureLog();
    const malformed: string[] = [];
    const link = track(await openLinkA(broker.url, { logger: log.logger, metrics: { malformed: (kind, code) => malformed.push(`${kind}:${code}`) } }));
    await next(link, 'subscribed');
    const uplink = await connectClient(broker.url, loginOf(USERS.uplink));
    const operator = await connectClient(broker.url, loginOf(USERS.operator));
    link.on('receipt', () => {
      throw new Error('listener bug');
    });

    await uplink.publishAsync(receiptTopic(A), Buffer.from('SECRET-MARKER \xff\xff\xff'), { qos: 1 }); // not protobuf
    await uplink.publishAsync(receiptTopic(A), Buffer.alloc(0), { qos: 1 }); // protobuf, required fields missing
    await operator.publishAsync(cmdTopic(A), Buffer.alloc(64 * 1024 + 1, 0x41), { qos: 1 }); // over the limit
    await uplink.publishAsync(receiptTopic(A), Buffer.from(encodeScanReceipt(RECEIPT_ACCEPTED)), { qos: 1 });
    await waitUntil(() => link.stats.received === 4, 10_000, 'four messages at the link');

    expect(link.stats).toMatchObject({ malformed: 3, receipts: 1, listenerErrors: 1 });
    expect(malformed).toEqual(['receipt:malformed', 'receipt:invalid-field', 'cmd:too-large']);
    const warnings = log.entries().filter((e) => e.msg === 'mqtt: dropped a message that does not decode');
    expect(warnings.map((e) => e.code)).toEqual(['malformed', 'invalid-field', 'too-large']);
    expect(log.lines.join('\n')).not.toMatch(/SECRET-MARKER|AAAA/);
    expect(link.online).toBe(true);
    await Promise.all([endClient(uplink), endClient(operator)]);
  });

  test('publishScan resolves on PUBACK, reports latency, and marks replays historical', async () => {
    const latencies: number[] = [];
    const link = track(await openLinkA(broker.url, { metrics: { publishLatency: (s) => latencies.push(s) } }));
    const uplink = await connectClient(broker.url, loginOf(USERS.uplink));
    const seen = collect(uplink);
    await uplink.subscribeAsync(scanTopic(A), { qos: 1 });
    await link.publishScan(scanOfA(1));
    await link.publishScan(scanOfA(2), { historical: true });
    // Bytes handed over (the outbox's) go out as they are; a replay flag still re-encodes.
    const stored = encodeScanEvent(scanOfA(3));
    await link.publishScan(scanOfA(3), { encoded: stored });
    await link.publishScan(scanOfA(4), { historical: true, encoded: encodeScanEvent(scanOfA(4)) });
    const messages = await seen.waitFor(4);
    const events = messages.map((m) => decodeScanEvent(m.payload));
    expect(events.map((e) => e.ok && [e.value.sequence, e.value.historical])).toEqual([
      [1n, false],
      [2n, true],
      [3n, false],
      [4n, true],
    ]);
    expect(Buffer.compare(messages[2]!.payload, Buffer.from(stored))).toBe(0);
    expect(latencies).toHaveLength(4);
    expect(link.stats.published).toBe(4);
    await endClient(uplink);
  });

  test('publishScan refuses another gateway’s or an invalid event before taking a slot', async () => {
    const link = track(await openLinkA(broker.url));
    await expect(link.publishScan({ ...scanOfA(1), gatewayId: 'gw-or4' })).rejects.toThrow(TypeError);
    await expect(link.publishScan({ ...scanOfA(1), caseId: '19121212-1212' })).rejects.toThrow(WireEncodeError);
    expect(link.inFlight).toBe(0);
  });

  test('a broker whose ACL refuses the subscriptions is reported, not fatal', async () => {
    const strict = await startSecureTestBroker({ acl: { ...gatewayAcl, name: 'no-subscribe', authorizeSubscribe: () => false } });
    try {
      const link = track(await openLinkA(strict.url));
      await waitUntil(() => link.stats.subscribeRefused === 1, 10_000, 'the refused SUBACK');
      await link.publishScan(scanOfA(1));
    } finally {
      await Promise.all(links.splice(0).map((l) => l.close()));
      await strict.close();
    }
  });
});

describe('GatewayLink when the broker goes away', () => {
  test('a publish while the broker is down stays pending, and completes when it restarts on the same port', async () => {
    const first = await startSecureTestBroker();
    const link = track(await openLinkA(first.url));
    await next(link, 'online');
    const offline = next(link, 'offline');
    await first.close();
    const reserved = await reservePort(first.port); // down, and nobody else's meanwhile
    await offline;
    expect(link.online).toBe(false);

    let settled = false;
    const publishing = link.publishScan(scanOfA(7)).finally(() => (settled = true));
    await waitUntil(() => link.inFlight === 1, 10_000, 'the publish to be in flight');
    expect(settled).toBe(false);

    await reserved.release();
    const second = await startSecureTestBroker({ port: first.port });
    try {
      const received: string[] = [];
      second.aedes.on('publish', (packet, client) => {
        if (client?.id === A.gateway && packet.topic === scanTopic(A)) received.push(packet.payload.toString('hex'));
      });
      await within(publishing, 20_000, 'the pending publish to complete');
      expect(link.online).toBe(true);
      expect(link.birthSeq).toBeGreaterThanOrEqual(2n);
      expect(received.length).toBeGreaterThanOrEqual(1);
      const event = decodeScanEvent(Buffer.from(received[0]!, 'hex'));
      expect(event.ok && event.value.sequence).toBe(7n);
    } finally {
      await link.close();
      await second.close();
    }
  });

  test('broker down at start: at most maxInFlight scans are unacknowledged, the rest wait, all complete once it is up', async () => {
    const reserved = await reservePort();
    const port = reserved.port;
    const link = track(await openLinkA(`mqtt://127.0.0.1:${port}`));
    expect(link.online).toBe(false);
    const publishes = Array.from({ length: 100 }, (_, i) => link.publishScan(scanOfA(i + 1)));
    await waitUntil(() => link.inFlight === 64 && link.waitingForSlot === 36, 10_000, '64 in flight and 36 waiting');

    await reserved.release();
    const broker = await startSecureTestBroker({ port });
    try {
      const sequences = new Set<bigint>();
      broker.aedes.on('publish', (packet, client) => {
        if (client?.id !== A.gateway || packet.topic !== scanTopic(A)) return;
        const e = decodeScanEvent(packet.payload as Buffer);
        if (e.ok) sequences.add(e.value.sequence);
      });
      await within(Promise.all(publishes), 20_000, 'all 100 publishes');
      expect(link.maxInFlightSeen).toBe(64);
      expect(link.stats.published).toBe(100);
      expect(sequences.size).toBe(100);
    } finally {
      await link.close();
      await broker.close();
    }
  });

  test('reconnects follow the jittered, capped schedule, not a fixed period (fake timers for the delays, a real refused port)', async () => {
    const clock = createClock(0);
    const delays: number[] = [];
    const timers: Timers = {
      setTimeout: (callback, ms) => (delays.push(ms), clock.setTimeout(callback, ms)),
      clearTimeout: (handle) => clock.clearTimeout(handle as never),
    };
    const port = await freePort();
    const link = track(await openLinkA(`mqtt://127.0.0.1:${port}`, { timers, random: () => 0.5, reconnect: { initialMs: 1000, maxMs: 4000 } }));
    for (let k = 1; k <= 4; k++) {
      await waitUntil(() => delays.length === k, 10_000, `failed attempt ${k}`);
      clock.tick(delays[k - 1]!);
    }
    await waitUntil(() => delays.length === 5, 10_000, 'failed attempt 5');
    expect(delays).toEqual([750, 1500, 3000, 3000, 3000]);
    expect(link.stats.connectAttempts).toBe(5);
    expect(link.birthSeq).toBe(5n); // one birth sequence number per CONNECT
  });

  test('close() rejects pending and later publishes with LinkClosedError', async () => {
    const port = await freePort();
    const link = await openLinkA(`mqtt://127.0.0.1:${port}`, { maxInFlight: 1 });
    const inFlight = link.publishScan(scanOfA(1));
    const waiting = link.publishScan(scanOfA(2));
    await waitUntil(() => link.inFlight === 1 && link.waitingForSlot === 1, 10_000, 'one in flight, one waiting');
    await link.close();
    await expect(inFlight).rejects.toThrow(LinkClosedError);
    await expect(waiting).rejects.toThrow(LinkClosedError);
    await expect(link.publishScan(scanOfA(3))).rejects.toThrow(LinkClosedError);
    expect(link.stats.publishFailures).toBe(2);
  });
});
