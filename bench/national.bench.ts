// Suite "national": the reference national service (national/service.ts) on a SQLite file in a
// temporary directory, over loopback HTTP, in this process:
// - ingest: POST /v1/scans through the uplink's own client (httpNationalClient: protobuf bodies, the
//   scans' bytes encoded before timing, as the uplink's journal holds them; bearer token), batches of 100 distinct valid ScanEvents, 4 batches in flight → scans/s, timed in
//   rotation round by round with the baseline: bare better-sqlite3 inserting the same number of
//   rows (the same scans' encoded bytes, a primary key and a unique code column, WAL,
//   synchronous=FULL, one transaction per 100) — the floor of storing them durably at all. Ratio
//   ours ÷ bare (scans/s). A third case, the service's own store (NationalStore.ingest, the same
//   SQLite file) fed pre-checked scans, shows how much of the gap is storage and how much HTTP,
//   decoding and re-parsing.
// - registry lookups: GET /v1/orders/{code} with the registry's bearer token, one at a time, JSON
//   and FHIR (Accept: application/fhir+json), codes taken from the ingest receipts → p50/p99,
//   interleaved request by request with a bare node:http server on loopback answering the very
//   same bytes, fetched the same way (global fetch). Ratio bare ÷ ours (< 1: ours is slower). A
//   second baseline adds what the service does per lookup besides reading: one durable SQLite
//   insert (the access log, synchronous=FULL) before answering.
// - lookups arriving together: 16 in flight, ours (sharing access-log commits) beside the bare
//   server and the bare server with one durable insert per request → lookups/s and p99.
// Targets: ingest ≥ 20,000 scans/s and ≥ 0.4× bare; lookup p99 ≤ 2× the bare node:http p99.

import { createServer } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import pino from 'pino';
import { httpNationalClient } from '../gateway/uplink/national-client.ts';
import { newCredential } from '../national/auth/credentials.ts';
import { bearerUplinkAuthenticator } from '../national/auth/uplink-auth.ts';
import { checkScan } from '../national/scan-check.ts';
import { createNationalService } from '../national/service.ts';
import { catalogueSource, sampleCatalogue } from '../national/sources/catalogue.ts';
import type { NewScan, ResolvedMetadata } from '../national/store/store.ts';
import { encodeScanEvent, type ScanEvent } from '../protocol/wire.ts';
import { benchScans } from './chain-scans.ts';
import { defaultMeasureOptions, percentile, type Measurement } from './measure.ts';
import { compareAsync, type Latency } from './measure-async.ts';
import type { Suite, SuiteContext, SuiteReport } from './suite.ts';
import { formatNumber, renderTable } from './table.ts';

const SITE = 'bench-hospital';
const BATCH = 100;
const CONCURRENCY = 4;
const TARGET_INGEST = 20_000;
const TARGET_INGEST_RATIO = 0.4;
/** Lookup p99 at most this many times the bare node:http server's p99 in the same run. */
const TARGET_LOOKUP_P99_RATIO = 2;
const LOOKUP_WIDTH = 16;
const FHIR = 'application/fhir+json';

function batchesOf<T>(items: readonly T[]): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += BATCH) out.push(items.slice(i, i + BATCH));
  return out;
}

/** Every batch of `items` through `send`, `CONCURRENCY` at a time. */
async function inBatches<T>(items: readonly T[], send: (batch: T[]) => Promise<void>): Promise<void> {
  const batches = batchesOf(items);
  let next = 0;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < batches.length) await send(batches[next++]!);
    }),
  );
}

/** `n` requests of each case, interleaved (case order rotating), so that drift hits all alike. */
async function interleavedLatencies(n: number, cases: readonly { name: string; op: (i: number) => Promise<void> }[]): Promise<Latency[]> {
  const us = cases.map(() => [] as number[]);
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < cases.length; k++) {
      const c = (i + k) % cases.length;
      const t0 = process.hrtime.bigint();
      await cases[c]!.op(i);
      us[c]!.push(Number(process.hrtime.bigint() - t0) / 1000);
    }
  }
  return cases.map((c, k) => {
    const s = us[k]!.sort((a, b) => a - b);
    return { name: c.name, samples: n, p50Us: percentile(s, 50), p99Us: percentile(s, 99), maxUs: s[s.length - 1] ?? Number.NaN };
  });
}

/** `n` requests of each case with `width` in flight (cases one after another, alternating halves): latencies and requests/s. */
async function concurrentLatencies(n: number, width: number, cases: readonly { name: string; op: (i: number) => Promise<void> }[]): Promise<(Latency & { perSec: number })[]> {
  const us = cases.map(() => [] as number[]);
  const seconds = cases.map(() => 0);
  for (const half of [0, 1]) {
    for (let k = 0; k < cases.length; k++) {
      const c = half === 0 ? k : cases.length - 1 - k;
      let next = half * Math.floor(n / 2);
      const end = half === 0 ? Math.floor(n / 2) : n;
      const t0 = performance.now();
      await Promise.all(
        Array.from({ length: width }, async () => {
          while (next < end) {
            const i = next++;
            const t = process.hrtime.bigint();
            await cases[c]!.op(i);
            us[c]!.push(Number(process.hrtime.bigint() - t) / 1000);
          }
        }),
      );
      seconds[c]! += (performance.now() - t0) / 1000;
    }
  }
  return cases.map((c, k) => {
    const s = us[k]!.sort((a, b) => a - b);
    return { name: c.name, samples: n, p50Us: percentile(s, 50), p99Us: percentile(s, 99), maxUs: s[s.length - 1] ?? Number.NaN, perSec: n / seconds[k]! };
  });
}

async function run(ctx: SuiteContext): Promise<SuiteReport> {
  const perRound = ctx.quick ? 1000 : 2000;
  const rounds = ctx.measure.rounds ?? 10;
  const warmupRounds = ctx.measure.warmupRounds ?? (ctx.quick ? 1 : defaultMeasureOptions.warmupRounds);
  const lookups = ctx.quick ? 300 : 2000;
  const roundsInAll = rounds + warmupRounds;
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
  bare.exec('CREATE TABLE scans (scan_id TEXT PRIMARY KEY, order_code TEXT NOT NULL UNIQUE, payload BLOB NOT NULL, received_at_ms INTEGER NOT NULL)');
  bare.exec('CREATE TABLE access_log (id INTEGER PRIMARY KEY, registry_id TEXT NOT NULL, at_ms INTEGER NOT NULL, code TEXT, status INTEGER NOT NULL)');
  const insert = bare.prepare<[string, string, Buffer, number]>('INSERT INTO scans VALUES (?, ?, ?, ?)');
  const insertBatch = bare.transaction((batch: readonly { scanId: string; payload: Buffer }[]) => {
    for (const r of batch) insert.run(r.scanId, r.scanId.slice(-12), r.payload, Date.now());
  });
  const logAccess = bare.prepare<[string, number, string, number]>('INSERT INTO access_log (registry_id, at_ms, code, status) VALUES (?, ?, ?, ?)');
  const server = createServer();

  try {
    // Distinct scans for every round of every case, made before anything is timed. The bare
    // baseline stores the same scans (its own file) as the service does in the same round.
    const serviceRounds = Array.from({ length: roundsInAll }, (_, r) => benchScans(perRound, SITE, r * perRound));
    const encodedRounds = serviceRounds.map((events) => events.map((e) => ({ scanId: e.scanId, event: e, payload: Buffer.from(encodeScanEvent(e)) })));
    const storeRounds: NewScan[][] = Array.from({ length: roundsInAll }, (_, r) =>
      benchScans(perRound, SITE, 10_000_000 + r * perRound).map((e) => {
        const c = checkScan(e, SITE);
        if (!c.ok) throw new Error(`bench scan refused: ${c.messageCode}`);
        return c.scan;
      }),
    );
    const payloadBytes = encodedRounds[0]![0]!.payload.length;

    // Warm the service once, and take the product data the catalogue gives, for the store case.
    const first = await client.sendBatch(benchScans(BATCH, SITE, 20_000_000));
    const metadata: ResolvedMetadata | null = national.store.getScan(first[0]!.scanId)?.metadata ?? null;
    if (metadata === null) throw new Error('the catalogue did not resolve the bench product at ingest');

    const codes: string[] = [];
    const statuses: Record<string, number> = {};
    let serviceRound = 0;
    let bareRound = 0;
    let storeRound = 0;
    const oursName = `national service POST /v1/scans (HTTP, protobuf, re-parse, codes, store, receipts)`;
    const ingest = await compareAsync(
      [
        {
          name: oursName,
          ops: perRound,
          run: () =>
            inBatches(encodedRounds[serviceRound++]!, async (b) => {
              // As the uplink does: the scans' protobuf bytes (its journal) go as they are.
              const sent = b.map((s) => s.event);
              for (const r of await client.sendBatch(sent, undefined, b.map((s) => s.payload))) {
                statuses[r.status] = (statuses[r.status] ?? 0) + 1;
                if (r.orderCode !== null && codes.length < 50_000) codes.push(r.orderCode);
              }
            }),
        },
        {
          name: `bare better-sqlite3 INSERT, same rows (${payloadBytes}-byte payload, WAL, synchronous=FULL)`,
          ops: perRound,
          run: () => inBatches(encodedRounds[bareRound++]!, async (b) => insertBatch(b)),
        },
        {
          name: 'the service’s own store: NationalStore.ingest of pre-checked scans, group-committed (no HTTP)',
          ops: perRound,
          run: () =>
            inBatches(storeRounds[storeRound++]!, async (b) => {
              const rows = b.map((s) => ({ ...s, metadata }));
              await national.store.grouped(() => national.store.ingest(rows, Date.now())); // durable once resolved
            }),
        },
      ],
      rounds,
      warmupRounds,
    );
    const sent = roundsInAll * perRound;
    if (statuses.accepted !== sent) throw new Error(`expected ${sent} accepted receipts, got ${JSON.stringify(statuses)}`);
    const [ours, floor, store] = ingest as [Measurement, Measurement, Measurement];
    const ingestRatio = ours.opsPerSec / floor.opsPerSec;
    const storeRatio = store.opsPerSec / floor.opsPerSec;

    // Lookups: every code was stored with its product data (the catalogue answers within the
    // ingest's wait); a 409 would mean "not yet resolved" and fails the run rather than skew it.
    const auth = { authorization: `Bearer ${registry.token}` };
    const get = async (url: string | URL, accept: string): Promise<string> => {
      const res = await fetch(url, { headers: { ...auth, accept } });
      const body = await res.text();
      if (res.status !== 200) throw new Error(`GET ${String(url)}: ${res.status} ${body.slice(0, 200)}`);
      return body;
    };
    const order = (code: string) => new URL(`/v1/orders/${code}`, national.url);
    const sampleJson = await get(order(codes[0]!), 'application/json');
    const sampleFhir = await get(order(codes[0]!), FHIR);
    server.on('request', (req, res) => {
      req.resume();
      const fhir = req.url === '/fhir';
      if (req.url === '/durable') logAccess.run('bench-registry', Date.now(), 'ABCD2345', 200);
      res.writeHead(200, { 'content-type': fhir ? FHIR : 'application/json' }).end(fhir ? sampleFhir : sampleJson);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const bareUrl = (path: string) => `http://127.0.0.1:${(server.address() as { port: number }).port}${path}`;
    const pick = (i: number) => codes[(i * 7919) % codes.length]!; // spread over the whole table
    const lat = await interleavedLatencies(lookups, [
      { name: 'GET /v1/orders/{code} (JSON)', op: async (i) => void (await get(order(pick(i)), 'application/json')) },
      { name: 'GET /v1/orders/{code} (FHIR Bundle)', op: async (i) => void (await get(order(pick(i)), FHIR)) },
      { name: `bare node:http, the same ${sampleJson.length}-byte JSON`, op: async () => void (await get(bareUrl('/json'), 'application/json')) },
      { name: `bare node:http, the same ${sampleFhir.length}-byte FHIR Bundle`, op: async () => void (await get(bareUrl('/fhir'), FHIR)) },
      { name: 'bare node:http + one durable SQLite insert, then the JSON', op: async () => void (await get(bareUrl('/durable'), 'application/json')) },
    ]);
    const [oJson, oFhir, bJson, bFhir, bDurable] = lat as [Latency, Latency, Latency, Latency, Latency];
    // Lookups arriving together: LOOKUP_WIDTH in flight. Ours share access-log commits (group
    // commit); the bare durable server commits one row per request.
    const together = await concurrentLatencies(lookups, LOOKUP_WIDTH, [
      { name: `GET /v1/orders/{code} (JSON), ${LOOKUP_WIDTH} in flight`, op: async (i) => void (await get(order(pick(i)), 'application/json')) },
      { name: `bare node:http, the same JSON, ${LOOKUP_WIDTH} in flight`, op: async () => void (await get(bareUrl('/json'), 'application/json')) },
      { name: `bare node:http + one durable SQLite insert each, ${LOOKUP_WIDTH} in flight`, op: async () => void (await get(bareUrl('/durable'), 'application/json')) },
    ]);
    const lookupRatios = {
      json: { p50: bJson.p50Us / oJson.p50Us, p99: bJson.p99Us / oJson.p99Us },
      fhir: { p50: bFhir.p50Us / oFhir.p50Us, p99: bFhir.p99Us / oFhir.p99Us },
      jsonVsDurable: { p50: bDurable.p50Us / oJson.p50Us, p99: bDurable.p99Us / oJson.p99Us },
    };

    ctx.log(`${rounds} rounds of ${perRound} scans per case (after ${warmupRounds} warm-up), batches of ${BATCH}, ${CONCURRENCY} in flight; SQLite in ${dir}`);
    ctx.log(
      renderTable(
        ['case', 'scans/s', 'µs/scan median', 'µs/scan p99'],
        ingest.map((m) => [m.name, Math.round(m.opsPerSec), m.medianUsPerOp, m.p99UsPerOp]),
      ),
    );
    ctx.log(`ours ÷ bare SQLite: ${formatNumber(ingestRatio)}× (the store alone: ${formatNumber(storeRatio)}×)`);
    ctx.log(`\nregistry lookups, one at a time, interleaved (${lookups} each):`);
    ctx.log(renderTable(['case', 'p50 µs', 'p99 µs', 'max µs'], lat.map((l) => [l.name, l.p50Us, l.p99Us, l.maxUs])));
    ctx.log(
      `bare ÷ ours (< 1: ours slower): JSON p50 ${formatNumber(lookupRatios.json.p50)}×, p99 ${formatNumber(lookupRatios.json.p99)}×; ` +
        `FHIR p50 ${formatNumber(lookupRatios.fhir.p50)}×, p99 ${formatNumber(lookupRatios.fhir.p99)}×; ` +
        `bare + durable insert ÷ ours JSON: p50 ${formatNumber(lookupRatios.jsonVsDurable.p50)}×, p99 ${formatNumber(lookupRatios.jsonVsDurable.p99)}×`,
    );
    ctx.log(`\nregistry lookups, ${LOOKUP_WIDTH} in flight (${lookups} each):`);
    ctx.log(renderTable(['case', 'lookups/s', 'p50 µs', 'p99 µs', 'max µs'], together.map((l) => [l.name, Math.round(l.perSec), l.p50Us, l.p99Us, l.maxUs])));
    const [tOurs, tBare, tDurable] = together as [Latency & { perSec: number }, Latency & { perSec: number }, Latency & { perSec: number }];
    ctx.log(
      `ours ÷ bare node:http, lookups/s: ${formatNumber(tOurs.perSec / tBare.perSec)}×; ours ÷ bare + one durable insert each: ${formatNumber(tOurs.perSec / tDurable.perSec)}× ` +
        `(p99 bare ÷ ours ${formatNumber(tBare.p99Us / tOurs.p99Us)}×, durable ÷ ours ${formatNumber(tDurable.p99Us / tOurs.p99Us)}×)`,
    );
    const ingestMet = ours.opsPerSec >= TARGET_INGEST && ingestRatio >= TARGET_INGEST_RATIO;
    const p99Ms = { json: oJson.p99Us / 1000, fhir: oFhir.p99Us / 1000 };
    const lookupMet = oJson.p99Us <= TARGET_LOOKUP_P99_RATIO * bJson.p99Us && oFhir.p99Us <= TARGET_LOOKUP_P99_RATIO * bFhir.p99Us;
    ctx.log(`\ntarget ingest ≥ ${TARGET_INGEST.toLocaleString('en-US')} scans/s and ≥ ${TARGET_INGEST_RATIO}× bare: ${formatNumber(ours.opsPerSec)} (median round), ${formatNumber(ingestRatio)}× — ${ingestMet ? 'met' : 'NOT met'}`);
    ctx.log(
      `target lookup p99 ≤ ${TARGET_LOOKUP_P99_RATIO}× bare node:http p99: JSON ${formatNumber(p99Ms.json)} ms vs ${formatNumber(bJson.p99Us / 1000)} ms, FHIR ${formatNumber(p99Ms.fhir)} ms vs ${formatNumber(bFhir.p99Us / 1000)} ms — ${lookupMet ? 'met' : 'NOT met'}`,
    );
    return {
      notes: [
        'All cases run in this process on loopback; the service, the bare SQLite file and the bare HTTP server share the same temporary directory (one disk) and the same two event-loop-bound cores.',
        'Ingest goes through the uplink’s real HTTP client (length-delimited protobuf bodies both ways, bearer authentication); the service authenticates, re-parses every scan, fingerprints it, looks up product data (the sample catalogue, in memory), claims an order code and a case code and stores the batch in one transaction (group commit: batches arriving together share it and one fdatasync of the WAL), then answers a receipt per scan. Every receipt is checked to be "accepted".',
        'The bare SQLite baseline stores the same scans (their encoded ScanEvent bytes) with a primary key and a unique code column, one transaction per 100, with no HTTP, parsing or code claiming: ours ÷ bare is the cost of the service around durable storage. The store-only case is the service’s own SQLite store on the same file fed pre-checked scans.',
        'Ingest rounds run in rotation (the pattern of measure.ts); the figure is the median round’s rate. The service’s database grows by every round of both service cases.',
        'Lookups: the service checks the registry token, reads the scan by code, writes the access-log row (group commit: the rows of lookups arriving together share one transaction and one fdatasync of the WAL, done before any of them is answered) and renders JSON or a FHIR Bundle. The bare server returns the same bytes; its "durable insert" variant also commits one SQLite row per request first, the floor of an audited lookup on this disk.',
        'Ratios: ingest is ours ÷ bare in scans/s (> 1: ours faster); lookups are bare ÷ ours in latency (< 1: ours slower).',
      ],
      results: {
        scansPerRound: perRound,
        rounds,
        batch: BATCH,
        inFlight: CONCURRENCY,
        payloadBytes,
        ingest,
        ingestScansPerSec: ours.opsPerSec,
        bareScansPerSec: floor.opsPerSec,
        storeOnlyScansPerSec: store.opsPerSec,
        ingestRatio,
        storeRatio,
        ingestTarget: TARGET_INGEST,
        ingestTargetRatio: TARGET_INGEST_RATIO,
        ingestMet,
        lookups: lat,
        lookupBodyBytes: { json: sampleJson.length, fhir: sampleFhir.length },
        lookupRatios,
        lookupP99Ms: p99Ms,
        lookupTargetRatio: TARGET_LOOKUP_P99_RATIO,
        lookupsTogether: together,
        lookupWidth: LOOKUP_WIDTH,
        lookupMet,
      },
    };
  } finally {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    bare.close();
    await national.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

export const nationalSuite: Suite = {
  name: 'national',
  description: 'national service ingest (scans/s) vs bare better-sqlite3, and registry lookup latency (JSON, FHIR) vs a bare node:http server',
  run,
};
