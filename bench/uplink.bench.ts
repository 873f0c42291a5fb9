// Suite "uplink": backlog drain. The national service is down while N scans (100,000; quick:
// 5,000) reach the hospital uplink over MQTT and wait in its durable outbox; then the service comes
// back and we time until every one is forwarded and receipted (the uplink's outbox empty). Beside
// it, in this process: the same N scans POSTed straight to a national service with the same batch
// size and batches in flight — the ratio is what the uplink's path costs on top.
// Target (issue 5): 100,000 queued scans reach the service within 30 s of its return.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from 'mqtt';
import pino from 'pino';
import { allowAllForLocalDemoAcl } from '../gateway/broker/acl.ts';
import { localDemoAuthenticator } from '../gateway/broker/auth.ts';
import { startBroker } from '../gateway/broker/server.ts';
import { freePort } from '../gateway/mqtt/test-support.ts';
import { Outbox } from '../gateway/outbox/outbox.ts';
import { CircuitBreaker } from '../gateway/uplink/circuit-breaker.ts';
import { httpNationalClient } from '../gateway/uplink/national-client.ts';
import { Uplink } from '../gateway/uplink/uplink.ts';
import { newCredential } from '../national/auth/credentials.ts';
import { bearerUplinkAuthenticator } from '../national/auth/uplink-auth.ts';
import { createNationalService } from '../national/service.ts';
import { catalogueSource, sampleCatalogue } from '../national/sources/catalogue.ts';
import { scanTopic } from '../protocol/topics.ts';
import { encodeScanEvent, type ScanEvent } from '../protocol/wire.ts';
import { benchScans } from './chain-scans.ts';
import { InFlightLimit } from '../gateway/mqtt/in-flight.ts';
import type { Suite, SuiteContext, SuiteReport } from './suite.ts';
import { formatNumber, renderTable } from './table.ts';

const SITE = 'bench-hospital';
const TARGET_SECONDS = 30;
const BATCH = 100;
const IN_FLIGHT = 2; // the uplink's default

async function until(ready: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!ready()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

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
    // Retries a second apart at most, so that the service's return is noticed within a second.
    retryMs: 200,
    maxRetryMs: 1000,
    breaker: new CircuitBreaker({ threshold: 5, cooldownMs: 500, maxCooldownMs: 1000 }),
  });
  const gateway = connect(broker.url, { clientId: 'gw-bench', protocolVersion: 4, clean: true, reconnectPeriod: 0 });
  let national: Awaited<ReturnType<typeof startNational>> | null = null;
  try {
    await new Promise<void>((resolve, reject) => {
      gateway.once('connect', () => resolve());
      gateway.once('error', reject);
    });
    const events = benchScans(n, SITE);
    const topic = scanTopic({ site: SITE, theatre: 'or-1', gateway: 'gw-bench' });
    const slots = new InFlightLimit(256);
    const queuing0 = performance.now();
    const all: Promise<void>[] = [];
    for (const e of events) {
      await slots.acquire();
      all.push(gateway.publishAsync(topic, Buffer.from(encodeScanEvent(e)), { qos: 1 }).then(() => slots.release()));
    }
    await Promise.all(all);
    await until(() => uplink.backlog === n, 120_000, `${n} scans in the uplink's outbox`);
    const queueSeconds = (performance.now() - queuing0) / 1000;

    const back0 = performance.now();
    national = await startNational('national.sqlite', port);
    await until(() => uplink.backlog === 0, 600_000, 'the backlog drained');
    const drainSeconds = (performance.now() - back0) / 1000;

    // The baseline: the same number of scans straight to a fresh service, same batches in flight.
    const direct = await startNational('direct.sqlite', 0);
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
    await direct.close();

    const met = drainSeconds <= TARGET_SECONDS;
    ctx.log(`${n} scans queued over MQTT into the uplink's outbox in ${formatNumber(queueSeconds)} s while the national service was down`);
    ctx.log(
      renderTable(
        ['case', 'seconds', 'scans/s'],
        [
          ['uplink backlog drain after the service returns (forward + receipt back)', drainSeconds, Math.round(n / drainSeconds)],
          [`the same scans POSTed directly, batches of ${BATCH}, ${IN_FLIGHT} in flight`, directSeconds, Math.round(n / directSeconds)],
        ],
      ),
    );
    ctx.log(`\ndrain ÷ direct: ${formatNumber(directSeconds / drainSeconds)}× the direct rate; target ≤ ${TARGET_SECONDS} s for ${n} — ${met ? 'met' : 'NOT met'}`);
    return {
      notes: [
        `Drain time runs from starting the national service until the uplink's outbox is empty; it includes up to one retry interval (≤ 1 s, this suite's setting) before the uplink notices.`,
        'Every scan is forwarded once and its receipt published back to its gateway topic over MQTT before it leaves the outbox.',
      ],
      results: { scans: n, queueSeconds, drainSeconds, directSeconds, ratio: directSeconds / drainSeconds, target: TARGET_SECONDS, met },
    };
  } finally {
    gateway.end(true);
    await uplink.close();
    await outbox.close();
    await national?.close();
    await broker.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

export const uplinkSuite: Suite = {
  name: 'uplink',
  description: 'uplink backlog drain: N scans queued while the national service is down, time to forward them all after it returns, vs POSTing them directly',
  run,
};
