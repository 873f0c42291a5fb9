// Suite "national": the reference national service on SQLite, over loopback HTTP, in this process:
// - ingest: batches of 100 ScanEvents POSTed by the uplink's own client (httpNationalClient), 4
//   batches in flight → scans/s, beside bare better-sqlite3 inserting the same number of rows
//   (WAL, synchronous=FULL, one transaction per 100) — the floor of storing them at all;
// - registry lookups GET /v1/orders/{code}, one at a time, JSON and FHIR → p50/p99, beside a bare
//   node:http server answering a body of the same size.
// Targets (issue 5): ≥ 5,000 scans/s ingest; lookup p99 ≤ 5 ms.

import { createServer } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import pino from 'pino';
import { httpNationalClient } from '../gateway/uplink/national-client.ts';
import { newCredential } from '../national/auth/credentials.ts';
import { bearerUplinkAuthenticator } from '../national/auth/uplink-auth.ts';
import { createNationalService } from '../national/service.ts';
import { catalogueSource, sampleCatalogue } from '../national/sources/catalogue.ts';
import { encodeScanEvent, type ScanEvent } from '../protocol/wire.ts';
import { benchScans } from './chain-scans.ts';
import { latencies } from './measure-async.ts';
import type { Suite, SuiteContext, SuiteReport } from './suite.ts';
import { formatNumber, renderTable } from './table.ts';

const SITE = 'bench-hospital';
const BATCH = 100;
const CONCURRENCY = 4;
const TARGET_INGEST = 5000;
const TARGET_LOOKUP_P99_MS = 5;

async function inBatches(events: readonly ScanEvent[], send: (batch: ScanEvent[]) => Promise<void>): Promise<number> {
  const batches: ScanEvent[][] = [];
  for (let i = 0; i < events.length; i += BATCH) batches.push(events.slice(i, i + BATCH));
  const t0 = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < batches.length) await send(batches[next++]!);
    }),
  );
  return events.length / ((performance.now() - t0) / 1000);
}

async function run(ctx: SuiteContext): Promise<SuiteReport> {
  const n = ctx.quick ? 2000 : 20_000;
  const lookups = ctx.quick ? 300 : 2000;
  const dir = mkdtempSync(join(tmpdir(), 'bench-national-'));
  const registry = newCredential('bench-registry');
  const uplink = newCredential('uplink-bench');
  const national = await createNationalService({
    db: join(dir, 'national.sqlite'),
    sources: [catalogueSource(sampleCatalogue)],
    registries: [{ id: 'bench-registry', tokenSha256: registry.tokenSha256 }],
    authenticateUplink: bearerUplinkAuthenticator([{ id: 'uplink-bench', site: SITE, tokenSha256: uplink.tokenSha256 }]),
    port: 0,
    logger: pino({ level: 'silent' }),
  });
  const client = httpNationalClient({ url: national.url, token: uplink.token });
  const bare = new Database(join(dir, 'bare.sqlite'));
  bare.pragma('journal_mode = WAL');
  bare.pragma('synchronous = FULL');
  bare.exec('CREATE TABLE scans (scan_id TEXT PRIMARY KEY, order_code TEXT NOT NULL UNIQUE, raw BLOB NOT NULL, received_at_ms INTEGER NOT NULL)');
  const insert = bare.prepare('INSERT INTO scans VALUES (?, ?, ?, ?)');
  const insertBatch = bare.transaction((batch: ScanEvent[]) => {
    for (const e of batch) insert.run(e.scanId, e.scanId.slice(-8), Buffer.from(encodeScanEvent(e)), Date.now());
  });
  const json = createServer();
  try {
    await inBatches(benchScans(500, SITE, 10_000_000), async (b) => void (await client.sendBatch(b))); // warm-up
    const events = benchScans(n, SITE);
    const codes: string[] = [];
    const ours = await inBatches(events, async (b) => {
      for (const r of await client.sendBatch(b)) if (r.orderCode) codes.push(r.orderCode);
    });
    const floor = await inBatches(benchScans(n, SITE, 20_000_000), async (b) => insertBatch(b));
    const ingestRatio = ours / floor;

    // Lookups once product data is resolved (the catalogue answers at once; a 409 means not yet).
    const auth = { authorization: `Bearer ${registry.token}` };
    const lookup = async (code: string, accept = 'application/json') => {
      const res = await fetch(new URL(`/v1/orders/${code}`, national.url), { headers: { ...auth, accept } });
      const body = await res.text();
      if (res.status !== 200) throw new Error(`lookup ${code}: ${res.status} ${body.slice(0, 200)}`);
      return body;
    };
    for (let tries = 0; ; tries++) {
      const res = await fetch(new URL(`/v1/orders/${codes.at(-1)}`, national.url), { headers: auth });
      await res.arrayBuffer();
      if (res.status === 200) break;
      if (tries > 500) throw new Error(`the last order code never resolved (${res.status})`);
      await new Promise((r) => setTimeout(r, 20));
    }
    const sample = await lookup(codes[0]!);
    json.on('request', (_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(sample));
    await new Promise<void>((resolve) => json.listen(0, '127.0.0.1', resolve));
    const jsonUrl = `http://127.0.0.1:${(json.address() as { port: number }).port}/v1/orders/x`;
    const lat = [
      await latencies('GET /v1/orders/{code} (JSON)', lookups, async (i) => void (await lookup(codes[i % codes.length]!))),
      await latencies('GET /v1/orders/{code} (FHIR Bundle)', lookups, async (i) => void (await lookup(codes[i % codes.length]!, 'application/fhir+json'))),
      await latencies(`bare node:http, the same ${sample.length}-byte JSON`, lookups, async () => void (await (await fetch(jsonUrl, { headers: auth })).text())),
    ];
    const p99Ms = lat[0]!.p99Us / 1000;

    ctx.log(`${n} scans in batches of ${BATCH}, ${CONCURRENCY} in flight; SQLite in ${dir}`);
    ctx.log(
      renderTable(
        ['case', 'scans/s'],
        [
          ['national service POST /v1/scans (parse, order code, store, receipt)', Math.round(ours)],
          ['bare better-sqlite3 INSERT, same rows (WAL, synchronous=FULL)', Math.round(floor)],
        ],
      ),
    );
    ctx.log(`\nregistry lookups, one at a time (${lookups} each):`);
    ctx.log(renderTable(['case', 'p50 µs', 'p99 µs', 'max µs'], lat.map((l) => [l.name, l.p50Us, l.p99Us, l.maxUs])));
    const ingestMet = ours >= TARGET_INGEST;
    const lookupMet = p99Ms <= TARGET_LOOKUP_P99_MS;
    ctx.log(`\ningest: ${formatNumber(ours)} scans/s = ${formatNumber(ingestRatio)}× bare SQLite; target ≥ ${TARGET_INGEST}/s — ${ingestMet ? 'met' : 'NOT met'}`);
    ctx.log(`lookup p99 ${formatNumber(p99Ms)} ms (bare server ${formatNumber(lat[2]!.p99Us / 1000)} ms); target ≤ ${TARGET_LOOKUP_P99_MS} ms — ${lookupMet ? 'met' : 'NOT met'}`);
    return {
      notes: [
        'Ingest goes through the uplink’s real HTTP client, JSON bodies, bearer authentication, on loopback; every scan is re-parsed, gets an order code and a case code, and is stored with synchronous=FULL.',
        'The bare SQLite baseline stores the same number of rows with no HTTP, no parsing and no codes: the ratio is the cost of the service around the storage.',
        'Lookups: the registry token is checked, the access log written, the product data merged; the bare server returns the same bytes.',
      ],
      results: { scans: n, ingestScansPerSec: ours, bareScansPerSec: floor, ingestRatio, ingestMet, lookups: lat, lookupP99Ms: p99Ms, lookupMet },
    };
  } finally {
    json.close();
    bare.close();
    await national.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

export const nationalSuite: Suite = {
  name: 'national',
  description: 'national service ingest (scans/s) vs bare better-sqlite3, and registry lookup latency vs a bare node:http server',
  run,
};
