// Suite "uplink": intake and backlog drain. The national service is down (its port closed) while
// N scans (100,000; quick: 5,000) are published by a gateway over MQTT (embedded aedes broker,
// local-demo rules, as cli/demo.ts wires it) and wait in the uplink's durable outbox: intake
// scans/s, beside the same messages to a bare mqtt.js subscriber through the same broker (target
// ≥ 20,000/s). Then the service comes back on the port the uplink's client points to, and we time
// from its start until the uplink's outbox is empty: every scan forwarded in batches (the
// uplink's defaults), answered, its receipt PUBACKed on the way back to the gateway topic, and
// retired (fsynced). Reported: drain seconds and scans/s, split into the wait before the first
// batch lands (the uplink is in backoff or its breaker open when the service appears) and the
// forwarding itself.
// Baseline, in this process: the same number of scans POSTed straight to a fresh national service
// with the same client, batch size and batches in flight — the ratio drain rate ÷ direct rate is
// what the uplink's path (outbox reads, decoding, receipts over MQTT, retire fsyncs, and the
// wait) costs on top of the service itself.
// Target: the queued scans reach the service within 10 s of its return.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from 'mqtt';
import pino from 'pino';
import { allowAllForLocalDemoAcl } from '../gateway/broker/acl.ts';
import { localDemoAuthenticator } from '../gateway/broker/auth.ts';
import { startBroker } from '../gateway/broker/server.ts';
import { InFlightLimit } from '../gateway/mqtt/in-flight.ts';
import { freePort } from '../gateway/mqtt/test-support.ts';
import { Outbox } from '../gateway/outbox/outbox.ts';
import { CircuitBreaker } from '../gateway/uplink/circuit-breaker.ts';
import { httpNationalClient } from '../gateway/uplink/national-client.ts';
import { Uplink, UPLINK_DEFAULTS } from '../gateway/uplink/uplink.ts';
import { newCredential } from '../national/auth/credentials.ts';
import { bearerUplinkAuthenticator } from '../national/auth/uplink-auth.ts';
import { createNationalService } from '../national/service.ts';
import { catalogueSource, sampleCatalogue } from '../national/sources/catalogue.ts';
import { scanTopic } from '../protocol/topics.ts';
import { encodeScanEvent } from '../protocol/wire.ts';
import { benchScans } from './chain-scans.ts';
import { until } from './measure-async.ts';
import type { Suite, SuiteContext, SuiteReport } from './suite.ts';
import { formatNumber, renderTable } from './table.ts';

const SITE = 'bench-hospital';
const TARGET_SECONDS = 10;
const BATCH = UPLINK_DEFAULTS.batchSize;
const IN_FLIGHT = UPLINK_DEFAULTS.maxInFlight;
const TARGET_INTAKE = 20_000;
const PUBLISH_WINDOW = 256;
// This suite's retry settings (the defaults are 1 s → 60 s backoff and a 10 s → 5 min breaker):
// a failed batch is retried after at most RETRY_MAX_MS × 1.5 (jitter), the breaker reopens for at
// most BREAKER_MAX_MS, so the service's return is noticed within ~1.5 s.
const RETRY_MS = 200;
const RETRY_MAX_MS = 1000;
const BREAKER_MAX_MS = 1000;
const GENERATE_CHUNK = 5000;

async function run(ctx: SuiteContext): Promise<SuiteReport> {
  const n = ctx.quick ? 5000 : 100_000;
  const dir = mkdtempSync(join(tmpdir(), 'bench-uplink-'));
  const logger = pino({ level: 'silent' });
  const credential = newCredential('uplink-bench');
  const port = await freePort();
  const startNational = (db: string, at: number) =>
    createNationalService({
      db: join(dir, db),
      sources: [catalogueSource(sampleCatalogue)],
      registries: [],
      authenticateUplink: bearerUplinkAuthenticator([{ id: 'uplink-bench', site: SITE, tokenSha256: credential.tokenSha256 }]),
      port: at,
      logger,
    });
  const broker = await startBroker({ host: '127.0.0.1', port: 0, authenticate: localDemoAuthenticator, acl: allowAllForLocalDemoAcl, logger });
  const outbox = await Outbox.open({ dir: join(dir, 'uplink-outbox') });
  const uplink = await Uplink.start({
    brokerUrl: broker.url,
    site: SITE,
    clientId: 'uplink-bench',
    outbox,
    national: httpNationalClient({ url: `http://127.0.0.1:${port}`, token: credential.token }),
    logger,
    batchSize: BATCH,
    maxInFlight: IN_FLIGHT,
    retryMs: RETRY_MS,
    maxRetryMs: RETRY_MAX_MS,
    breaker: new CircuitBreaker({ threshold: 5, cooldownMs: 500, maxCooldownMs: BREAKER_MAX_MS }),
  });
  const gateway = connect(broker.url, { clientId: 'gw-bench', protocolVersion: 4, clean: true, reconnectPeriod: 0 });
  const bare = connect(broker.url, { clientId: 'bare-subscriber', protocolVersion: 4, clean: true, reconnectPeriod: 0 });
  let national: Awaited<ReturnType<typeof startNational>> | null = null;
  let direct: Awaited<ReturnType<typeof startNational>> | null = null;
  try {
    await new Promise<void>((resolve, reject) => {
      gateway.once('connect', () => resolve());
      gateway.once('error', reject);
    });

    // 1. The outage, while nothing listens on the national port: all N scans are published by a
    //    gateway over MQTT (QoS 1, a window of unacknowledged publishes), as in production; the
    //    uplink PUBACKs each once the fsync covering it is done (group commit). Then the baseline:
    //    the same bytes from the same client through the same broker to a bare mqtt.js subscriber
    //    that PUBACKs at once and stores nothing.
    const topic = scanTopic({ site: SITE, theatre: 'or-1', gateway: 'gw-bench' });
    const payloads: Buffer[] = [];
    for (let from = 0; from < n; from += GENERATE_CHUNK) for (const e of benchScans(Math.min(GENERATE_CHUNK, n - from), SITE, from)) payloads.push(Buffer.from(encodeScanEvent(e)));
    const flood = async (to: string): Promise<void> => {
      const slots = new InFlightLimit(PUBLISH_WINDOW);
      const published: Promise<void>[] = [];
      for (const p of payloads) {
        await slots.acquire();
        published.push(gateway.publishAsync(to, p, { qos: 1 }).then(() => slots.release()));
      }
      await Promise.all(published);
    };
    const intake0 = performance.now();
    await flood(topic);
    await until(() => uplink.backlog === n, 600_000, `${n} scans in the uplink's outbox`);
    const intakeSeconds = (performance.now() - intake0) / 1000;
    const queueSeconds = intakeSeconds;
    let bareReceived = 0;
    bare.on('message', () => void bareReceived++);
    await bare.subscribeAsync('bench/bare', { qos: 1 });
    const bare0 = performance.now();
    await flood('bench/bare');
    await until(() => bareReceived === n, 600_000, `${n} messages at the bare subscriber`);
    const bareIntakeSeconds = (performance.now() - bare0) / 1000;
    payloads.length = 0;
    if (uplink.backlog !== n) throw new Error(`expected ${n} scans in the uplink's outbox, found ${uplink.backlog}`);
    const failuresBefore = uplink.stats.batchFailures;

    // 2. The service returns on the port the uplink calls; the clock starts before it listens.
    const back0 = performance.now();
    national = await startNational('national.sqlite', port);
    const listeningSeconds = (performance.now() - back0) / 1000;
    const svc = national;
    await until(() => svc.stats.accepted > 0, 60_000, 'the first forwarded batch', 1);
    const firstSeconds = (performance.now() - back0) / 1000;
    await until(() => uplink.backlog === 0, 600_000, 'the backlog drained');
    const drainSeconds = (performance.now() - back0) / 1000;
    const forwardSeconds = drainSeconds - firstSeconds;
    const accepted = national.stats.accepted;
    const forwarded = uplink.stats.forwarded;
    const failuresAfter = uplink.stats.batchFailures - failuresBefore;
    if (accepted !== n || forwarded !== n) throw new Error(`expected ${n} accepted and forwarded, got ${accepted} accepted, ${forwarded} forwarded`);
    await national.close();
    national = null;

    // 3. The baseline: the same number of scans straight to a fresh service, same client, batch
    //    size and batches in flight; events made before the clock starts.
    direct = await startNational('direct.sqlite', 0);
    const client = httpNationalClient({ url: direct.url, token: credential.token });
    const directEvents = benchScans(n, SITE, 30_000_000);
    const direct0 = performance.now();
    let next = 0;
    await Promise.all(
      Array.from({ length: IN_FLIGHT }, async () => {
        while (next < directEvents.length) {
          const from = next;
          next += BATCH;
          await client.sendBatch(directEvents.slice(from, from + BATCH));
        }
      }),
    );
    const directSeconds = (performance.now() - direct0) / 1000;
    const directAccepted = direct.stats.accepted;
    if (directAccepted !== n) throw new Error(`expected ${n} scans accepted directly, got ${directAccepted}`);

    const drainRate = n / drainSeconds;
    const forwardRate = n / forwardSeconds;
    const directRate = n / directSeconds;
    const ratio = drainRate / directRate;
    const forwardRatio = forwardRate / directRate;
    const met = drainSeconds <= TARGET_SECONDS;
    const intakeRate = n / intakeSeconds;
    const bareIntakeRate = n / bareIntakeSeconds;
    const intakeMet = intakeRate >= TARGET_INTAKE;
    ctx.log(`${n.toLocaleString('en-US')} scans queued in the uplink's outbox over MQTT while the national service was down (${failuresBefore} failed batch attempts meanwhile):`);
    ctx.log(
      renderTable(
        ['intake case', 'seconds', 'scans/s'],
        [
          ['gateway → aedes → uplink: stored (group commit) and PUBACKed', intakeSeconds, Math.round(intakeRate)],
          ['the same messages → aedes → a bare mqtt.js subscriber (PUBACK at once, nothing stored)', bareIntakeSeconds, Math.round(bareIntakeRate)],
        ],
      ),
    );
    ctx.log(`intake ours ÷ bare: ${formatNumber(intakeRate / bareIntakeRate)}×; target ≥ ${TARGET_INTAKE.toLocaleString('en-US')} scans/s: ${formatNumber(intakeRate)} — ${intakeMet ? 'met' : 'NOT met'}\n`);
    ctx.log(
      renderTable(
        ['case', 'seconds', 'scans/s'],
        [
          ['uplink backlog drain, from the service’s start until the outbox is empty', drainSeconds, Math.round(drainRate)],
          ['  of which: service start → first batch stored (listen + the uplink’s backoff)', firstSeconds, null],
          ['  of which: first batch → outbox empty (forward, receipts over MQTT, retire)', forwardSeconds, Math.round(forwardRate)],
          [`the same number of scans POSTed directly, batches of ${BATCH}, ${IN_FLIGHT} in flight`, directSeconds, Math.round(directRate)],
        ],
      ),
    );
    ctx.log(`\ndrain rate ÷ direct rate: ${formatNumber(ratio)}× (forwarding phase alone: ${formatNumber(forwardRatio)}×)`);
    ctx.log(`target: ${n.toLocaleString('en-US')} queued scans drained within ${TARGET_SECONDS} s of the service's return: ${formatNumber(drainSeconds)} s — ${met ? 'met' : 'NOT met'}`);
    return {
      notes: [
        'Broker (aedes, local-demo rules), uplink, its outbox and both national services run in this process on loopback, on one disk (a temporary directory).',
        `The drain is timed from the call that starts the national service (it listened after ${formatNumber(listeningSeconds * 1000)} ms) until the uplink's outbox depth is 0. It includes the wait until the uplink tries again: this suite sets retry ${RETRY_MS} → ${RETRY_MAX_MS} ms (× 0.5–1.5 jitter) and a breaker cooldown of at most ${BREAKER_MAX_MS} ms, so at most ~1.5 s. With the defaults (backoff 1 s doubling to 60 s, breaker 10 s doubling to 5 min) the wait after a long outage can be minutes, which no throughput figure here shows.`,
        'A scan leaves the outbox only after the service answered for it and its receipt was PUBACKed by the broker; every one was checked accepted by the service and forwarded by the uplink.',
        'The baseline is the national service alone fed by the same client with the same batches in flight, on a fresh database, after the drain (not in rotation: one run each, 100,000 scans are a long round).',
        `Intake: every scan over MQTT as in production; the uplink takes messages without waiting for the previous one's fsync (the outbox groups appends arriving during one fsync into the next) and PUBACKs each after the fsync that covers it, at most 1,000 unacknowledged. The bare subscriber is the floor of the broker and mqtt.js alone, publisher window ${PUBLISH_WINDOW}.`,
      ],
      results: {
        scans: n,
        batch: BATCH,
        inFlight: IN_FLIGHT,
        retryMs: RETRY_MS,
        maxRetryMs: RETRY_MAX_MS,
        breakerMaxCooldownMs: BREAKER_MAX_MS,
        queueSeconds,
        mqttIntakeSeconds: intakeSeconds,
        mqttIntakeScansPerSec: intakeRate,
        bareIntakeSeconds,
        bareIntakeScansPerSec: bareIntakeRate,
        intakeRatio: intakeRate / bareIntakeRate,
        intakeTarget: TARGET_INTAKE,
        intakeMet,
        failedAttemptsDuringOutage: failuresBefore,
        failedAttemptsAfterReturn: failuresAfter,
        listeningSeconds,
        firstBatchSeconds: firstSeconds,
        forwardSeconds,
        drainSeconds,
        drainScansPerSec: drainRate,
        forwardScansPerSec: forwardRate,
        directSeconds,
        directScansPerSec: directRate,
        ratio,
        forwardRatio,
        target: TARGET_SECONDS,
        met,
      },
    };
  } finally {
    gateway.end(true);
    bare.end(true);
    await uplink.close();
    await outbox.close();
    await national?.close();
    await direct?.close();
    await broker.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

export const uplinkSuite: Suite = {
  name: 'uplink',
  description: 'uplink backlog drain: N scans queued while the national service is down, time to forward them all after it returns, vs POSTing them directly',
  run,
};
