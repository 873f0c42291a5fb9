import FakeTimers from '@sinonjs/fake-timers';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SCAN_EVENT } from '../protocol/fixtures/samples.ts';
import { encodeScanEvent, type ScanEvent } from '../protocol/wire.ts';
import { ManualLink, MemoryOutbox } from './fakes.test-support.ts';
import { Publisher } from './publisher.ts';

let clock: ReturnType<typeof FakeTimers.install>;
beforeEach(() => {
  clock = FakeTimers.install({ now: 1_800_000_000_000, toFake: ['setTimeout', 'clearTimeout', 'Date'] });
});
afterEach(() => clock.uninstall());

const flush = () => clock.tickAsync(0);

function scan(n: number): ScanEvent {
  const id = `0190a0b0-c0d0-7000-8000-${String(n).padStart(12, '0')}`;
  return { ...SCAN_EVENT, scanId: id, sequence: BigInt(n) };
}

async function setup(online = true, pending: ScanEvent[] = []) {
  const outbox = new MemoryOutbox();
  for (const e of pending) await outbox.append(e.scanId, encodeScanEvent(e));
  const link = new ManualLink();
  link.online = online;
  const publisher = new Publisher(outbox, link, { random: () => 0.5 });
  return { outbox, link, publisher };
}

describe('publisher', () => {
  it('publishes a live scan at once, not historical, and retires it on its receipt', async () => {
    const { outbox, link, publisher } = await setup();
    const e = scan(1);
    const bytes = encodeScanEvent(e);
    await outbox.append(e.scanId, bytes);
    publisher.submit(e, bytes);
    expect(link.published.map((p) => [p.scanId, p.historical])).toEqual([[e.scanId, false]]);
    expect(link.encoded).toEqual([bytes]); // the outbox's bytes, not encoded a second time
    link.ackAll();
    await flush();
    expect(await publisher.receipt(e.scanId)).toBe(true);
    expect(outbox.retired).toEqual([e.scanId]);
    expect(await publisher.receipt(e.scanId)).toBe(false);
  });

  it('holds scans while offline and sends them, historical, on reconnect', async () => {
    const { outbox, link, publisher } = await setup(false);
    const e = scan(2);
    await outbox.append(e.scanId, encodeScanEvent(e));
    publisher.submit(e, encodeScanEvent(e));
    expect(link.published).toHaveLength(0);
    link.setOnline(true);
    expect(link.published.map((p) => [p.scanId, p.historical, p.scannedAtMs])).toEqual([[e.scanId, true, e.scannedAtMs]]);
    expect(link.encoded).toEqual([undefined]); // historical: the stored bytes say live, so it is encoded anew
  });

  it('replays what an earlier run left in the outbox', async () => {
    const left = [scan(3), scan(4)];
    const { link } = await setup(false, left);
    link.setOnline(true);
    expect(link.published.map((p) => [p.scanId, p.historical])).toEqual(left.map((e) => [e.scanId, true]));
  });

  it('publishes again with backoff until the receipt comes: 30 s, then 60 s', async () => {
    const { outbox, link, publisher } = await setup();
    await outbox.append(scan(5).scanId, encodeScanEvent(scan(5)));
    publisher.submit(scan(5));
    link.ackAll();
    await flush();
    await clock.tickAsync(29_000);
    expect(link.published).toHaveLength(1);
    await clock.tickAsync(1_001);
    expect(link.published).toHaveLength(2);
    expect(link.published[1]!.historical).toBe(true);
    link.ackAll();
    await flush();
    await clock.tickAsync(59_000);
    expect(link.published).toHaveLength(2);
    await clock.tickAsync(1_001);
    expect(link.published).toHaveLength(3);
    await publisher.receipt(scan(5).scanId);
    link.ackAll();
    await clock.tickAsync(3_600_000);
    expect(link.published).toHaveLength(3);
  });

  it('a reconnect keeps the backoff of acknowledged scans, unless the broker forgot the session', async () => {
    const { outbox, link, publisher } = await setup();
    await outbox.append(scan(7).scanId, encodeScanEvent(scan(7)));
    publisher.submit(scan(7));
    link.ackAll();
    await flush();
    link.emit('offline');
    link.emit('online', { birthSeq: 2n, sessionPresent: true }); // the broker still has it
    expect(link.published).toHaveLength(1);
    link.emit('online', { birthSeq: 3n, sessionPresent: false }); // restarted without persistence
    expect(link.published.map((e) => [e.scanId, e.historical])).toEqual([
      [scan(7).scanId, false],
      [scan(7).scanId, true],
    ]);
  });

  it('keeps at most maxInFlight publishes outstanding (default 64, the link\'s own bound) and drains the rest as acks come', async () => {
    const { link, publisher } = await setup();
    for (let i = 0; i < 100; i++) publisher.submit(scan(100 + i));
    expect(link.outstanding).toBe(64);
    link.ackAll();
    await flush();
    expect(link.outstanding).toBe(36);
    link.ackAll();
    await flush();
    expect(link.outstanding).toBe(0);
    expect(new Set(link.published.map((p) => p.scanId)).size).toBe(100);
  });

  it('takes its in-flight window from its options', async () => {
    const { link } = await setup();
    const publisher = new Publisher(new MemoryOutbox(), link, { maxInFlight: 3 });
    for (let i = 0; i < 10; i++) publisher.submit(scan(300 + i));
    expect(link.outstanding).toBe(3);
    link.ackAll();
    await flush();
    expect(link.outstanding).toBe(3);
    publisher.close();
  });

  it('a publish failed by the link comes round again after the backoff', async () => {
    const { link, publisher } = await setup();
    publisher.submit(scan(6));
    link.failAll();
    await flush();
    expect(link.published).toHaveLength(1);
    await clock.tickAsync(30_001);
    expect(link.published).toHaveLength(2);
  });

  it('sets aside an outbox record it cannot decode, and says so', async () => {
    const outbox = new MemoryOutbox();
    await outbox.append('bad', new Uint8Array([0xff, 0xff, 0xff]));
    const link = new ManualLink();
    const undecodable: string[] = [];
    new Publisher(outbox, link, { onUndecodable: (id) => undecodable.push(id) });
    link.setOnline(true);
    expect(undecodable).toEqual(['bad']);
    expect(link.published).toHaveLength(0);
  });
});
