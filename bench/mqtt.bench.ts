// Suite "mqtt": the gateway's publish path (gateway/mqtt GatewayLink.publishScan: encode the
// ScanEvent, take an in-flight slot, QoS 1 publish, resolve on PUBACK) against a bare mqtt.js
// client publishing the same, already encoded bytes, both to the same embedded aedes broker
// (gateway/broker, local-demo rules so that both may publish the same topic) on loopback, in
// this process, in rotation. Reports throughput (scans/s, a window of 64 unacknowledged
// publishes, as the link allows) and the publish → PUBACK latency of one publish at a time (p50,
// p99), and the ratio ours ÷ bare (the target: ≥ 0.8× the bare client's throughput).

import pino from 'pino';
import { connect, type MqttClient } from 'mqtt';
import { SCAN_EVENT } from '../protocol/fixtures/samples.ts';
import { scanTopic } from '../protocol/topics.ts';
import { encodeScanEvent, type ScanEvent } from '../protocol/wire.ts';
import { allowAllForLocalDemoAcl } from '../gateway/broker/acl.ts';
import { localDemoAuthenticator } from '../gateway/broker/auth.ts';
import { startBroker } from '../gateway/broker/server.ts';
import { MemoryBirthSeqStore } from '../gateway/mqtt/birth-seq-store.ts';
import { InFlightLimit } from '../gateway/mqtt/in-flight.ts';
import { GatewayLink } from '../gateway/mqtt/link.ts';
import { defaultMeasureOptions, type Measurement } from './measure.ts';
import { compareAsync, latencies } from './measure-async.ts';
import type { Suite, SuiteContext, SuiteReport } from './suite.ts';
import { formatNumber, renderTable } from './table.ts';

const TARGET_THROUGHPUT_RATIO = 0.8;
const WINDOW = 64;
const ADDRESS = { site: SCAN_EVENT.site, theatre: SCAN_EVENT.theatre, gateway: SCAN_EVENT.gatewayId };

function scans(n: number): ScanEvent[] {
  return Array.from({ length: n }, (_, i) => ({ ...SCAN_EVENT, scanId: `019b76da-a800-7a3e-9c41-${i.toString(16).padStart(12, '0')}`, sequence: BigInt(i + 1) }));
}

function barePublish(client: MqttClient, topic: string, payload: Buffer): Promise<void> {
  return new Promise((resolve, reject) => client.publish(topic, payload, { qos: 1 }, (err) => (err ? reject(err) : resolve())));
}

/** `n` publishes with at most WINDOW unacknowledged, as the link does. */
async function windowed(n: number, publish: (i: number) => Promise<void>): Promise<void> {
  const slots = new InFlightLimit(WINDOW);
  const all: Promise<void>[] = [];
  for (let i = 0; i < n; i++) {
    await slots.acquire();
    all.push(publish(i).finally(() => slots.release()));
  }
  await Promise.all(all);
}

async function run(ctx: SuiteContext): Promise<SuiteReport> {
  const perRound = ctx.quick ? 300 : 2000;
  const rounds = ctx.measure.rounds ?? (ctx.quick ? 5 : 15);
  const warmupRounds = ctx.measure.warmupRounds ?? (ctx.quick ? 1 : defaultMeasureOptions.warmupRounds);
  const latencySamples = ctx.quick ? 300 : 3000;
  const events = scans(perRound);
  const payloads = events.map((e) => Buffer.from(encodeScanEvent(e)));
  const topic = scanTopic(ADDRESS);

  const broker = await startBroker({ port: 0, authenticate: localDemoAuthenticator, acl: allowAllForLocalDemoAcl });
  const link = await GatewayLink.open({
    url: broker.url,
    address: ADDRESS,
    softwareVersion: '0.1.0-bench',
    configHash: '0123456789abcdef',
    birthSeqStore: new MemoryBirthSeqStore(),
    logger: pino({ level: 'silent' }),
    maxInFlight: WINDOW,
  });
  const bare = connect(broker.url, { clientId: 'bench-bare', protocolVersion: 4, clean: true, reconnectPeriod: 0 });
  try {
    await Promise.all([
      new Promise<void>((resolve) => link.once('online', () => resolve())),
      new Promise<void>((resolve, reject) => {
        bare.once('connect', () => resolve());
        bare.once('error', reject);
      }),
    ]);
    const ours = `GatewayLink.publishScan (outbox bytes, QoS 1, ${WINDOW} in flight)`;
    const theirs = `bare mqtt.js publish (same bytes, QoS 1, ${WINDOW} in flight)`;
    const oursEncoding = `GatewayLink.publishScan encoding each event (a replay), ${WINDOW} in flight`;
    const throughput = await compareAsync(
      [
        { name: ours, ops: perRound, run: () => windowed(perRound, (i) => link.publishScan(events[i]!, { encoded: payloads[i]! })) },
        { name: theirs, ops: perRound, run: () => windowed(perRound, (i) => barePublish(bare, topic, payloads[i]!)) },
        { name: oursEncoding, ops: perRound, run: () => windowed(perRound, (i) => link.publishScan(events[i]!)) },
      ],
      rounds,
      warmupRounds,
    );
    const [o, b, oe] = throughput as [Measurement, Measurement, Measurement];
    const throughputRatio = o.opsPerSec / b.opsPerSec;
    const replayRatio = oe.opsPerSec / b.opsPerSec;
    const latency = [
      await latencies('GatewayLink.publishScan, one at a time', latencySamples, (i) => link.publishScan(events[i % perRound]!, { encoded: payloads[i % perRound]! })),
      await latencies('bare mqtt.js publish, one at a time', latencySamples, (i) => barePublish(bare, topic, payloads[i % perRound]!)),
    ];

    ctx.log(`aedes ${broker.url} (in this process, local-demo rules), ${perRound} scans per round, ${rounds} rounds, ${payloads[0]!.length}-byte ScanEvent`);
    ctx.log(
      renderTable(
        ['case', 'scans/s', 'µs/scan median', 'µs/scan p99'],
        throughput.map((m) => [m.name, Math.round(m.opsPerSec), m.medianUsPerOp, m.p99UsPerOp]),
      ),
    );
    ctx.log(`\npublish → PUBACK, one publish at a time (${latencySamples} each):`);
    ctx.log(renderTable(['case', 'p50 µs', 'p99 µs', 'max µs'], latency.map((l) => [l.name, l.p50Us, l.p99Us, l.maxUs])));
    const met = throughputRatio >= TARGET_THROUGHPUT_RATIO;
    ctx.log(`\ntarget: ≥ ${TARGET_THROUGHPUT_RATIO}× the bare client's throughput: ${formatNumber(throughputRatio)}× — ${met ? 'met' : 'NOT met'}`);
    ctx.log(`replays, which the link encodes anew (historical flag): ${formatNumber(replayRatio)}× the bare client`);
    return {
      notes: [
        'Both clients publish to the same in-process aedes broker over loopback TCP, MQTT 3.1.1, QoS 1, in rotation round by round.',
        'Ours publishes the bytes the outbox stored, as the gateway does for a live scan; the bare client publishes the same bytes. A third case has the link encode each event, as it does for a replay.',
        `Throughput: ${WINDOW} publishes unacknowledged at most, for both. Latency: one publish at a time, publish() call to PUBACK.`,
        'Scan-to-PUBACK from the serial line (pseudo-terminal, fsync) is the gateway controller suite’s, not this one.',
      ],
      results: { throughput, throughputRatio, replayRatio, target: TARGET_THROUGHPUT_RATIO, met, latency },
    };
  } finally {
    await link.close();
    await new Promise<void>((resolve) => bare.end(true, {}, () => resolve()));
    await broker.close();
  }
}

export const mqttSuite: Suite = {
  name: 'mqtt',
  description: 'GatewayLink.publishScan → aedes → PUBACK: throughput and latency vs a bare mqtt.js client publishing the same bytes',
  run,
};
