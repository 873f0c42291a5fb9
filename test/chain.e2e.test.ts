// The whole chain in one process, every part real: simulated scanner on a pseudo-terminal →
// gateway → aedes → uplink (its own outbox) → national service on SQLite → receipt back to the
// station page → registry API. Then the national service is down for a while: scans keep being
// accepted, wait in the uplink, and get their order codes once it is back — none lost, none twice.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator, type Simulator } from '../firmware-sim/simulator.ts';
import { allowAllForLocalDemoAcl } from '../gateway/broker/acl.ts';
import { localDemoAuthenticator } from '../gateway/broker/auth.ts';
import { startBroker, type RunningBroker } from '../gateway/broker/server.ts';
import { waitUntil } from '../gateway/broker/test-support.ts';
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

const SITE = 'chain-hospital';
const logger = pino({ level: 'silent' });
const registry = newCredential('test-registry');
const uplinkCredential = newCredential('uplink-chain');
const scanOf = (lot: string) => `]d201073999900010921729013110${lot}\x1d21SN-${lot}`;

let dir: string;
let nationalPort: number;
let national: Awaited<ReturnType<typeof createNationalService>> | null = null;
let broker: RunningBroker;
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
  broker = await startBroker({ host: '127.0.0.1', port: 0, authenticate: localDemoAuthenticator, acl: allowAllForLocalDemoAcl, logger });
  uplinkOutbox = await Outbox.open({ dir: join(dir, 'uplink-outbox') });
  uplink = await Uplink.start({
    brokerUrl: broker.url,
    site: SITE,
    clientId: 'uplink-chain',
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
      broker: { url: broker.url },
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
  await broker?.close();
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
});
