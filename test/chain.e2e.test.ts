// The whole chain in one process, every part real: simulated scanner on a pseudo-terminal →
// gateway → aedes → uplink (its own outbox) → national service on SQLite → receipt back to the
// station page → registry API. Then the national service is down for a while: scans keep being
// accepted, wait in the uplink, and get their order codes once it is back — none lost, none twice.
// The broker is `implant-scan broker --credentials FILE` as a hospital runs it: a password per
// identity and the gateway ACL; a gateway publishing another gateway's scans reaches nobody.
import { PassThrough } from 'node:stream';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator, type Simulator } from '../firmware-sim/simulator.ts';
import { runBroker } from '../cli/broker.ts';
import { hashPassword } from '../gateway/broker/auth.ts';
import type { ClientIdentity } from '../gateway/broker/identity.ts';
import { connectClient, waitUntil } from '../gateway/broker/test-support.ts';
import { parseConfig } from '../gateway/config.ts';
import { startGateway, type GatewayHandle } from '../gateway/daemon.ts';
import { freePort } from '../gateway/mqtt/test-support.ts';
import { Outbox } from '../gateway/outbox/outbox.ts';
import { CircuitBreaker } from '../gateway/uplink/circuit-breaker.ts';
import { httpNationalClient } from '../gateway/uplink/national-client.ts';
import { Uplink } from '../gateway/uplink/uplink.ts';
import { newCredential } from '../national/auth/credentials.ts';
import { bearerUplinkAuthenticator } from '../national/auth/uplink-auth.ts';
import { catalogueSource, sampleCatalogue } from '../national/sources/catalogue.ts';
import { createNationalService } from '../national/service.ts';
import { newScanId } from '../protocol/scan-id.ts';
import { scanTopic, type GatewayAddress } from '../protocol/topics.ts';
import { parse } from '../protocol/udi/index.ts';
import { encodeScanEvent, type ScanReceipt } from '../protocol/wire.ts';

const SITE = 'chain-hospital';
const logger = pino({ level: 'silent' });
const registry = newCredential('test-registry');
const uplinkCredential = newCredential('uplink-chain');
const scanOf = (lot: string) => `]d201073999900010921729013110${lot}\x1d21SN-${lot}`;

/** Each identity logs in with its own password (the broker's file holds only their hashes). */
const LOGINS: { username: string; password: string; identity: ClientIdentity }[] = [
  { username: 'gw-or2', password: 'pw-gw-or2-chain', identity: { kind: 'gateway', site: SITE, theatre: 'or-2', gateway: 'gw-or2' } },
  { username: 'gw-or5', password: 'pw-gw-or5-chain', identity: { kind: 'gateway', site: SITE, theatre: 'or-5', gateway: 'gw-or5' } },
  { username: 'uplink-chain', password: 'pw-uplink-chain', identity: { kind: 'uplink', site: SITE, id: 'uplink-chain' } },
];
const login = (username: string) => LOGINS.find((l) => l.username === username)!;

/** `implant-scan broker --port 0 --credentials FILE` in this process; resolves with its URL once ready. */
async function startHospitalBroker(credentialsFile: string): Promise<string> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let err = '';
  stderr.on('data', (b: Buffer) => (err += b.toString()));
  brokerExit = runBroker(['--port', '0', '--credentials', credentialsFile, '--log-level', 'warn'], { stdin: new PassThrough(), stdout, stderr, signal: stopBroker.signal });
  let out = '';
  for await (const chunk of stdout) {
    out += String(chunk);
    const line = /^ready (.*)$/m.exec(out);
    if (line) {
      const ready = JSON.parse(line[1]!) as { brokerUrl: string; acl: string };
      expect(ready.acl).not.toMatch(/allow-all/);
      return ready.brokerUrl;
    }
  }
  throw new Error(`broker exited before ready: ${err}`);
}

/** A valid scan event of one gateway, as its daemon would publish it. */
function eventOf(a: GatewayAddress, lot: string): { scanId: string; bytes: Uint8Array } {
  const raw = new TextEncoder().encode(scanOf(lot));
  const { symbology, ...result } = parse(raw);
  const scanId = newScanId();
  const event = { scanId, gatewayId: a.gateway, site: a.site, theatre: a.theatre, caseId: 'case-chain', sequence: 1n, scannedAtMs: Date.now(), historical: false, raw, symbology, parse: result };
  return { scanId, bytes: encodeScanEvent(event) };
}

let dir: string;
let nationalPort: number;
let national: Awaited<ReturnType<typeof createNationalService>> | null = null;
let brokerUrl: string;
const stopBroker = new AbortController();
let brokerExit: Promise<number>;
let uplinkOutbox: Outbox;
let uplink: Uplink;
let scanner: Simulator;
let gateway: GatewayHandle;

function startNational() {
  return createNationalService({
    db: join(dir, 'national.sqlite'),
    sources: [catalogueSource(sampleCatalogue)],
    registries: [{ id: 'test-registry', tokenSha256: registry.tokenSha256 }],
    authenticateUplink: bearerUplinkAuthenticator([{ id: 'uplink-chain', site: SITE, tokenSha256: uplinkCredential.tokenSha256 }]),
    port: nationalPort,
    logger,
  });
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'chain-e2e-'));
  nationalPort = await freePort();
  national = await startNational();
  const credentialsFile = join(dir, 'broker-credentials.json');
  await writeFile(credentialsFile, JSON.stringify(await Promise.all(LOGINS.map(async (l) => ({ username: l.username, passwordHash: await hashPassword(l.password), identity: l.identity })))));
  await writeFile(join(dir, 'gw-or2.password'), login('gw-or2').password);
  brokerUrl = await startHospitalBroker(credentialsFile);
  uplinkOutbox = await Outbox.open({ dir: join(dir, 'uplink-outbox') });
  uplink = await Uplink.start({
    brokerUrl,
    site: SITE,
    clientId: 'uplink-chain',
    username: 'uplink-chain',
    password: login('uplink-chain').password,
    outbox: uplinkOutbox,
    national: httpNationalClient({ url: national.url, token: uplinkCredential.token }),
    logger,
    // Short delays so that the outage below lasts seconds, not minutes.
    retryMs: 100,
    maxRetryMs: 500,
    breaker: new CircuitBreaker({ threshold: 3, cooldownMs: 200, maxCooldownMs: 500 }),
  });
  scanner = await startSimulator({ dir, profile: 'honeywell' });
  gateway = await startGateway(
    parseConfig({
      site: SITE,
      theatre: 'or-2',
      gateway: 'gw-or2',
      dataDir: join(dir, 'gateway'),
      scanner: { path: scanner.stablePath },
      broker: { url: brokerUrl, username: 'gw-or2', passwordFile: join(dir, 'gw-or2.password') },
      station: { port: 0 },
      indicator: { driver: 'simulated' },
    }),
    { logger, notifier: { enabled: false, watchdogIntervalMs: null, notify: async () => {} } },
  );
  await waitUntil(() => gateway.controller.currentStatus().scanner === 'open' && gateway.link.online, 15_000, 'gateway ready');
});

afterAll(async () => {
  await gateway?.close();
  await scanner?.close();
  await uplink?.close();
  await uplinkOutbox?.close();
  await national?.close();
  stopBroker.abort();
  await brokerExit;
  await rm(dir, { recursive: true, force: true });
});

interface Row {
  scanId: string | null;
  status: string;
  orderCode: string | null;
  productName: string | null;
  udi: { lot: string | null } | null;
}

async function rows(): Promise<Row[]> {
  return (await (await fetch(new URL('/api/scans', gateway.stationUrl))).json()) as Row[];
}

async function orderCodeOf(lot: string, timeoutMs = 20_000): Promise<Row> {
  let found: Row | undefined;
  await waitUntil(() => found !== undefined, timeoutMs, `an order code for ${lot}`, (notify) => {
    void rows().then((r) => {
      found = r.find((x) => x.udi?.lot === lot && x.orderCode !== null);
      setTimeout(notify, 25);
    });
  });
  return found!;
}

async function lookup(code: string): Promise<Response> {
  return fetch(new URL(`/v1/orders/${code}`, national!.url), { headers: { authorization: `Bearer ${registry.token}` } });
}

describe('the chain, scanner to registry', () => {
  it('a scan gets its order code on the station page and the registry reads its metadata', async () => {
    await scanner.send(scanOf('E2E-1'));
    const row = await orderCodeOf('E2E-1');
    expect(row).toMatchObject({ status: 'receipted', productName: expect.stringContaining('Höftstam') });
    const res = await lookup(row.orderCode!);
    expect(res.status).toBe(200);
    const body = JSON.stringify(await res.json());
    for (const text of ['07399990001092', 'E2E-1', 'SN-E2E-1', 'Exempel Ortopedi AB']) expect(body).toContain(text);
  });

  it('with the national service down, scans wait in the uplink and get their codes once it is back: none lost, none twice', async () => {
    await national!.close();
    national = null;
    const lots = ['DOWN-1', 'DOWN-2', 'DOWN-3'];
    for (const lot of lots) await scanner.send(scanOf(lot));
    // Accepted at the gateway, delivered to the uplink, and held there.
    await waitUntil(() => uplink.backlog === 3, 15_000, 'three scans waiting in the uplink');
    expect((await rows()).filter((r) => lots.includes(r.udi?.lot ?? '')).map((r) => r.status)).toEqual(['sent', 'sent', 'sent']);

    national = await startNational();
    const codes = await Promise.all(lots.map((lot) => orderCodeOf(lot)));
    expect(new Set(codes.map((c) => c.orderCode)).size).toBe(3);
    for (const c of codes) expect((await lookup(c.orderCode!)).status).toBe(200);
    await waitUntil(() => uplink.backlog === 0 && gateway.controller.currentStatus().outbox === 0, 15_000, 'both outboxes empty');

    // Exactly four scans stored nationally, each once, each with its own code.
    const db = new Database(join(dir, 'national.sqlite'), { readonly: true });
    try {
      const stored = db.prepare('SELECT scan_id, order_code FROM scans').all() as { scan_id: string; order_code: string }[];
      expect(stored).toHaveLength(4);
      const stationIds = (await rows()).filter((r) => r.scanId !== null).map((r) => r.scanId);
      expect(new Set(stored.map((s) => s.scan_id))).toEqual(new Set(stationIds));
    } finally {
      db.close();
    }
  });

  it("a gateway publishing another gateway's scan reaches nobody; its own scan goes through", async () => {
    const receipts: ScanReceipt[] = [];
    uplink.on('forwarded', (r) => receipts.push(...r));
    const before = uplink.stats.received;
    const forged = eventOf({ site: SITE, theatre: 'or-2', gateway: 'gw-or2' }, 'FORGED-1');
    const own = eventOf({ site: SITE, theatre: 'or-5', gateway: 'gw-or5' }, 'OWN-1');
    const gwOr5 = { username: 'gw-or5', password: login('gw-or5').password, clientId: 'gw-or5' };

    // Negative: gw-or5 writes on gw-or2's scan topic; the broker drops it and closes the connection.
    const impostor = await connectClient(brokerUrl, gwOr5);
    let closed = false;
    impostor.once('close', () => (closed = true));
    impostor.publish(scanTopic({ site: SITE, theatre: 'or-2', gateway: 'gw-or2' }), Buffer.from(forged.bytes), { qos: 1 });
    await waitUntil(() => closed, 15_000, 'the broker closing the connection that published on another gateway\'s topic');
    // Control, same broker, same identity: its own topic is delivered, forwarded and answered.
    const honest = await connectClient(brokerUrl, gwOr5);
    await honest.publishAsync(scanTopic({ site: SITE, theatre: 'or-5', gateway: 'gw-or5' }), Buffer.from(own.bytes), { qos: 1 });
    await waitUntil(() => receipts.some((r) => r.scanId === own.scanId) && uplink.backlog === 0, 15_000, "gw-or5's own scan answered");
    await honest.endAsync();

    expect(uplink.stats.received).toBe(before + 1);
    expect(receipts.map((r) => r.scanId)).toEqual([own.scanId]);
    expect(receipts[0]).toMatchObject({ status: 'accepted' });
    expect((await lookup(receipts[0]!.orderCode!)).status).toBe(200);
    // A wrong password is refused at CONNECT (4: bad user name or password), not by a transport error.
    await expect(connectClient(brokerUrl, { ...gwOr5, password: 'wrong' })).rejects.toMatchObject({ code: 4 });
  });
});
