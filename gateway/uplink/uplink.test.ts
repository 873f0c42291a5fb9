// The uplink against a real aedes broker with the production ACL and a national service stand-in
// on loopback HTTP (the real national service is exercised end to end in test/).
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { MqttClient } from 'mqtt';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { SCAN_EVENT } from '../../protocol/fixtures/samples.ts';
import { receiptTopic } from '../../protocol/topics.ts';
import protobuf from 'protobufjs/light.js';
import { decodeScanEvent, decodeScanReceipt, encodeScanEvent, type ScanEvent, type ScanReceipt } from '../../protocol/wire.ts';
import { collect, connectClient, GW_A, loginOf, startSecureTestBroker, USERS, waitUntil, within } from '../broker/test-support.ts';
import type { RunningBroker } from '../broker/server.ts';
import { MemoryOutbox } from '../fakes.test-support.ts';
import { Outbox } from '../outbox/outbox.ts';
import { nodeFileIo, type FileIo } from '../storage/file-io.ts';
import type { OutboxPort } from '../ports.ts';
import { gatewayAcl, type Acl } from '../broker/acl.ts';
import { next, openLinkA } from '../mqtt/test-support.ts';
import { Publisher } from '../publisher.ts';
import { CircuitBreaker } from './circuit-breaker.ts';
import { httpNationalClient } from './national-client.ts';
import { Uplink } from './uplink.ts';

const cleanup: (() => Promise<unknown> | void)[] = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

const scan = (n: number): ScanEvent => ({ ...SCAN_EVENT, scanId: `019b76da-a800-7a3e-9c41-${String(n).padStart(12, '0')}`, sequence: BigInt(n) });

/** A national service stand-in: answers each scan with a receipt, or fails while `down`. */
async function fakeNational() {
  const seen: string[] = [];
  const state = { down: false, requests: 0, maxBatch: 0, maxBody: 0 };
  const server: Server = createServer(async (req: IncomingMessage, res) => {
    state.requests++;
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    if (state.down) {
      res.writeHead(503, { 'content-type': 'application/problem+json' }).end(JSON.stringify({ title: 'Down for maintenance' }));
      return;
    }
    const scans: Uint8Array[] = [];
    state.maxBody = Math.max(state.maxBody, Buffer.concat(chunks).length);
    const reader = protobuf.Reader.create(Buffer.concat(chunks)); // the client's body: length-delimited ScanEvents
    while (reader.pos < reader.len) scans.push(reader.bytes());
    state.maxBatch = Math.max(state.maxBatch, scans.length);
    const receipts: ScanReceipt[] = scans.map((s) => {
      const e = decodeScanEvent(s);
      if (!e.ok) throw new Error(e.error.message);
      const dup = seen.includes(e.value.scanId);
      seen.push(e.value.scanId);
      return { scanId: e.value.scanId, orderCode: `K${e.value.sequence}`.padEnd(8, 'X'), caseCode: null, productName: 'Exempel IOL', status: dup ? 'duplicate' : 'accepted', receivedAtMs: Date.now(), messageCode: 'ok' };
    });
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ receipts }));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  cleanup.push(() => new Promise((r) => server.close(r)));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`, seen, state };
}

type SetupOptions = { batchSize?: number; maxBatchBytes?: number; outbox?: OutboxPort; redeliverMs?: number };

async function setup(options: SetupOptions = {}) {
  const broker: RunningBroker = await startSecureTestBroker();
  cleanup.push(() => broker.close());
  const { national, outbox, uplink } = await startUplink(broker, options);
  const gateway = await connectClient(broker.url, { ...loginOf(USERS.gwA), clean: false });
  cleanup.push(() => void gateway.end(true));
  await gateway.subscribeAsync(receiptTopic(GW_A), { qos: 1 });
  const receipts = collect(gateway);
  return { broker, national, outbox, uplink, gateway, receipts };
}

async function startUplink(broker: RunningBroker, options: SetupOptions = {}) {
  const national = await fakeNational();
  const outbox = options.outbox ?? new MemoryOutbox();
  const uplink = await Uplink.start({
    brokerUrl: broker.url,
    site: 'sahlgrenska',
    clientId: USERS.uplink.clientId,
    username: USERS.uplink.username,
    password: USERS.uplink.password,
    outbox,
    national: httpNationalClient({ url: national.url, timeoutMs: 5000 }),
    logger: pino({ level: 'silent' }),
    retryMs: 20,
    maxRetryMs: 100,
    breaker: new CircuitBreaker({ threshold: 3, cooldownMs: 50 }),
    ...(options.batchSize ? { batchSize: options.batchSize } : {}),
    ...(options.maxBatchBytes ? { maxBatchBytes: options.maxBatchBytes } : {}),
    ...(options.redeliverMs ? { redeliverMs: options.redeliverMs } : {}),
  });
  cleanup.push(() => uplink.close());
  return { national, outbox, uplink };
}

/** node:fs, except that fdatasync calls wait at a gate the test opens (or fails), one by one. */
function gatedIo() {
  const held: { resolve: () => void; reject: (e: Error) => void }[] = [];
  const state = { fdatasyncs: 0, gated: false };
  const io: FileIo = {
    ...nodeFileIo,
    fdatasync: async (fd) => {
      state.fdatasyncs++;
      if (state.gated) await new Promise<void>((resolve, reject) => held.push({ resolve, reject }));
      return nodeFileIo.fdatasync(fd);
    },
  };
  return { io, held, state };
}

/** An outbox on `disk` with its first segment made (a segment's creation has fsyncs of its own), then the gate closed. */
async function gatedOutbox(prefix: string) {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  cleanup.push(() => rm(dir, { recursive: true, force: true }));
  const disk = gatedIo();
  const outbox = await Outbox.open({ dir: join(dir, 'outbox'), io: disk.io });
  cleanup.push(() => outbox.close());
  await outbox.append(scan(99).scanId, encodeScanEvent(scan(99)));
  await outbox.retire(scan(99).scanId);
  disk.state.gated = true;
  cleanup.push(() => {
    disk.state.gated = false;
    for (const h of disk.held.splice(0)) h.resolve();
  });
  return { outbox, disk };
}

/** PUBACKs the broker got from the uplink for scans it delivered to it. */
function uplinkAcks(broker: RunningBroker): { count: number } {
  const acks = { count: 0 };
  broker.aedes.on('ack', (packet, client) => {
    if (client?.id === USERS.uplink.clientId && 'topic' in packet && String(packet.topic).endsWith('/scan')) acks.count++;
  });
  return acks;
}

const decoded = (payload: Buffer): ScanReceipt => {
  const r = decodeScanReceipt(payload);
  if (!r.ok) throw new Error(r.error.message);
  return r.value;
};

describe('hospital uplink', () => {
  it('forwards a theatre scan to the national service and its receipt back to that gateway', async () => {
    const { gateway, receipts, national, outbox } = await setup();
    await gateway.publishAsync('implant/v1/sahlgrenska/or-3/gw-or3/scan', Buffer.from(encodeScanEvent(scan(1))), { qos: 1 });
    const [r] = await receipts.waitFor(1);
    expect(decoded(r!.payload)).toMatchObject({ scanId: scan(1).scanId, status: 'accepted', orderCode: 'K1XXXXXX' });
    expect(national.seen).toEqual([scan(1).scanId]);
    expect(outbox.depth).toBe(0);
  });

  it('loses nothing through a national outage, and floods nothing: bounded batches, backoff', async () => {
    const { gateway, receipts, national, outbox, uplink } = await setup({ batchSize: 10 });
    national.state.down = true;
    for (let i = 1; i <= 45; i++) await gateway.publishAsync('implant/v1/sahlgrenska/or-3/gw-or3/scan', Buffer.from(encodeScanEvent(scan(i))), { qos: 1 });
    // All stored at the uplink while the national service is down, and retried with backoff.
    await waitUntil(() => outbox.depth === 45 && uplink.stats.batchFailures >= 4, 10_000, '45 stored scans and 4 failed batches');
    expect(national.seen).toEqual([]);
    national.state.down = false;
    const all = await receipts.waitFor(45, 20_000);
    expect(new Set(all.map((m) => decoded(m.payload).scanId)).size).toBe(45);
    expect(national.state.maxBatch).toBeLessThanOrEqual(10);
    expect(outbox.depth).toBe(0);
  });

  it("cuts a batch of large scans by bytes, so that no POST is over the national service's body limit", async () => {
    // 4 KB scans (a long 2-D code): 500 of them would be a 2 MB body, and a refused body would be
    // sent again and again, holding up every scan behind it.
    const outbox = new MemoryOutbox();
    const big = (n: number): ScanEvent => ({ ...scan(n), raw: Buffer.alloc(4000, 0x41) });
    for (let n = 1; n <= 20; n++) await outbox.append(big(n).scanId, encodeScanEvent(big(n)));
    const { national } = await setup({ outbox, maxBatchBytes: 10_000 });
    await waitUntil(() => new Set(national.seen).size === 20, 10_000, 'all 20 scans at the national service');
    expect(national.state.maxBody).toBeLessThanOrEqual(10_000);
    expect(national.state.maxBatch).toBe(2);
  });

  it('drops a scan that claims another gateway than its topic, and undecodable bytes', async () => {
    const { broker, national, uplink } = await setup();
    // A gateway cannot publish on B's topic (ACL); an operator-level client could mis-send content.
    const gwB = await connectClient(broker.url, loginOf(USERS.gwB));
    cleanup.push(() => void gwB.end(true));
    await gwB.publishAsync('implant/v1/sahlgrenska/or-4/gw-or4/scan', Buffer.from(encodeScanEvent(scan(7))), { qos: 1 }); // content says gw-or3
    await gwB.publishAsync('implant/v1/sahlgrenska/or-4/gw-or4/scan', Buffer.from([0xff, 0x00, 0x13]), { qos: 1 });
    await waitUntil(() => uplink.stats.received >= 2, 10_000, 'two messages at the uplink');
    expect(uplink.stats).toMatchObject({ mismatched: 1, malformed: 1 });
    expect(national.seen).toEqual([]);
  });

  it('answers a scan the decoder refuses with a rejected receipt naming the field, if its scan id reads', async () => {
    const { gateway, receipts, national, uplink } = await setup();
    // Bytes a broken gateway could send: a case id with a space (same length, so the protobuf stays whole).
    const valid = Buffer.from(encodeScanEvent({ ...scan(4), caseId: 'case-4' }));
    const badCase = Buffer.from(valid.toString('latin1').replace('case-4', 'case 4'), 'latin1');
    const badId = Buffer.from(valid.toString('latin1').replace(scan(4).scanId, scan(4).scanId.toUpperCase()), 'latin1');
    for (const bytes of [badCase, badId, Buffer.from(encodeScanEvent(scan(1)))]) {
      await gateway.publishAsync('implant/v1/sahlgrenska/or-3/gw-or3/scan', bytes, { qos: 1 });
    }
    const answers = (await receipts.waitFor(2)).map((m) => decoded(m.payload));
    expect(answers.map((r) => [r.scanId, r.status, r.messageCode]).sort()).toEqual(
      [
        [scan(4).scanId, 'rejected', 'invalid-caseid'],
        [scan(1).scanId, 'accepted', 'ok'],
      ].sort(),
    );
    expect(national.seen).toEqual([scan(1).scanId]);
    expect(uplink.stats).toMatchObject({ refused: 1, malformed: 1 }); // the unreadable scan id: nothing to answer
  });

  it('after a broker that forgot every session, scans a gateway published before the uplink resubscribed arrive on its birth, not its 30 s retry', async () => {
    // The restarted broker keeps the uplink out until `uplinkLet`: the gateway is back first, as in the chaos suite.
    let uplinkLet = true;
    const acl: Acl = { ...gatewayAcl, authorizeConnect: (identity, clientId) => (identity.kind !== 'uplink' || uplinkLet) && gatewayAcl.authorizeConnect(identity, clientId) };
    const first = await startSecureTestBroker({ acl });
    const { national } = await startUplink(first);
    const link = await openLinkA(first.url);
    cleanup.push(() => link.close());
    const outbox = new MemoryOutbox();
    const publishes = new Map<string, number>();
    // No retry within the test: only the uplink's birth can bring a dropped scan round again.
    const publisher = new Publisher(outbox, link, { firstRetryMs: 3_600_000, onPublished: (e) => publishes.set(e.scanId, (publishes.get(e.scanId) ?? 0) + 1) });
    cleanup.push(() => publisher.close());
    link.on('receipt', (r) => void publisher.receipt(r.scanId));
    const submit = async (n: number) => {
      await outbox.append(scan(n).scanId, encodeScanEvent(scan(n)));
      publisher.submit(scan(n));
    };
    await submit(1);
    await waitUntil(() => national.seen.length === 1 && publisher.backlog === 0, 10_000, 'the first scan receipted');

    const back = next(link, 'online', 20_000);
    await first.close(); // an in-memory aedes: every session, subscription and retained message gone
    uplinkLet = false;
    const second = await startSecureTestBroker({ acl, port: first.port });
    cleanup.push(() => second.close());
    expect(await back).toMatchObject([{ sessionPresent: false }]); // the gateway back first, on the new broker
    const later = [2, 3, 4, 5, 6];
    for (const n of later) await submit(n);
    await waitUntil(() => later.every((n) => publishes.get(scan(n).scanId) === 1), 10_000, 'five scans taken by a broker with no uplink subscribed');
    expect(national.seen).toEqual([scan(1).scanId]);

    uplinkLet = true;
    await waitUntil(() => publisher.backlog === 0, 20_000, 'every scan receipted after the uplink came back');
    expect([...national.seen].sort()).toEqual([1, ...later].map((n) => scan(n).scanId).sort());
    expect(later.map((n) => publishes.get(scan(n).scanId))).toEqual(later.map(() => 2)); // dropped once, sent again once
    expect(publishes.get(scan(1).scanId)).toBe(1); // a receipted scan is not sent again
  });

  it('never stores a scan with personal data: its gateway gets a rejected receipt, and no file of the journal holds it', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'uplink-privacy-'));
    cleanup.push(() => rm(dir, { recursive: true, force: true }));
    const outbox = await Outbox.open({ dir: join(dir, 'outbox') });
    cleanup.push(() => outbox.close());
    const { gateway, receipts, national, uplink } = await setup({ outbox });
    // What a hostile or broken gateway could send: the wire encoder reads neither raw nor the case id's shape.
    const personal = { ...scan(2), raw: Uint8Array.from(']d20109506000134352' + '2119121212_1212', (c) => c.charCodeAt(0)) };
    const freeText = { ...scan(3), caseId: 'Anna_Svensson' };
    for (const e of [personal, freeText, scan(1)]) {
      await gateway.publishAsync('implant/v1/sahlgrenska/or-3/gw-or3/scan', Buffer.from(encodeScanEvent(e)), { qos: 1 });
    }
    const answers = (await receipts.waitFor(3)).map((m) => decoded(m.payload));
    expect(answers.map((r) => [r.scanId, r.status, r.messageCode]).sort()).toEqual(
      [
        [personal.scanId, 'rejected', 'personal-id'],
        [freeText.scanId, 'rejected', 'invalid-case-id'],
        [scan(1).scanId, 'accepted', 'ok'],
      ].sort(),
    );
    expect(national.seen).toEqual([scan(1).scanId]);
    expect(uplink.stats.refused).toBe(2);
    expect(await uplink.metrics.registry.getSingleMetricAsString('implant_uplink_scans_refused_total')).toMatch(/reason="personal-id"} 1/);
    await uplink.close();
    await outbox.close();
    const files = (await readdir(dir, { recursive: true, withFileTypes: true })).filter((f) => f.isFile());
    expect(files.length).toBeGreaterThan(0); // the journal is there: the accepted scan went through it
    for (const f of files) {
      const content = (await readFile(join(f.parentPath, f.name))).toString('latin1');
      expect(content).not.toContain('19121212');
      expect(content).not.toContain('Anna_Svensson');
      expect(content).not.toContain(personal.scanId);
    }
  });

  it('group commit: scans arriving during one fsync share the next, and none is PUBACKed before the fsync that covers it', async () => {
    const { outbox, disk } = await gatedOutbox('uplink-group-');
    const { broker, gateway, uplink, national } = await setup({ outbox });
    national.state.down = true; // nothing leaves the outbox: only the appends' fsyncs
    const acks = uplinkAcks(broker);
    const before = disk.state.fdatasyncs;
    for (let i = 1; i <= 5; i++) void gateway.publishAsync('implant/v1/sahlgrenska/or-3/gw-or3/scan', Buffer.from(encodeScanEvent(scan(i))), { qos: 1 });
    // All five taken while the first fsync is held (mqtt.js alone would hand over one at a time).
    await waitUntil(() => uplink.stats.received === 5, 10_000, 'five scans at the uplink');
    await waitUntil(() => disk.held.length === 1, 10_000, 'the first fsync');
    expect(acks.count).toBe(0);
    disk.state.gated = false;
    disk.held.shift()!.resolve();
    await waitUntil(() => acks.count === 5, 10_000, 'five PUBACKs');
    expect(disk.state.fdatasyncs - before).toBe(2); // the first scan's, then one for the other four
    expect(outbox.depth).toBe(5);
  });

  it('a failed fsync: none of the scans it was to cover is PUBACKed, and the broker delivers them again', async () => {
    const { outbox, disk } = await gatedOutbox('uplink-fsync-fail-');
    const { broker, gateway, uplink } = await setup({ outbox, redeliverMs: 10 });
    const acks = uplinkAcks(broker);
    let uplinkConnects = 0;
    broker.aedes.on('client', (client) => void (client.id === USERS.uplink.clientId && uplinkConnects++));
    for (let i = 1; i <= 3; i++) void gateway.publishAsync('implant/v1/sahlgrenska/or-3/gw-or3/scan', Buffer.from(encodeScanEvent(scan(i))), { qos: 1 });
    await waitUntil(() => uplink.stats.received === 3 && disk.held.length === 1, 10_000, 'three scans at the uplink, the first fsync held');
    disk.held.shift()!.reject(Object.assign(new Error('EIO: i/o error, fdatasync'), { code: 'EIO' }));
    // The uplink reconnects so that the broker delivers them again: anything sent on the old
    // connection reached the broker before that.
    await waitUntil(() => uplinkConnects >= 1 && uplink.stats.received >= 6, 10_000, 'the scans delivered again on a new connection');
    expect(acks.count).toBe(0);
    expect(outbox.depth).toBe(0);
  });

  it('close() returns when its socket is already gone (mqtt.js still says connected until the close event)', async () => {
    const { uplink } = await setup();
    // What redeliverLater does after a failed store; close() comes before mqtt.js has seen the close.
    (uplink as unknown as { client: MqttClient }).client.stream.destroy();
    await within(uplink.close(), 10_000, 'close() without a live socket');
  });
});
