// Suite "gateway": the theatre gateway daemon as it runs, with real parts in this process: a
// pseudo-terminal scanner (socat), the daemon (gateway/daemon.ts: serial framing, parser, outbox
// with fsync, MQTT link), aedes on loopback.
// - Scan → broker latency: from the last byte written into the pseudo-terminal to aedes receiving
//   the QoS 1 PUBLISH (it sends the PUBACK in the same turn), one scan at a time. Beside it: the
//   disk's bare write + fdatasync p99 in the same data directory and a bare mqtt.js QoS 1 publish →
//   PUBACK p99 to the same broker; the issue's target is p99 ≤ fsync p99 + 1 ms, read here as
//   ours ≤ fsync p99 + bare publish p99 + 1 ms (the publish itself cannot be free).
// - Throughput: a burst of scans written into the pseudo-terminal at once, until the broker has
//   them all, beside the bare client publishing as many ScanEvent-sized messages, 64 in flight.
// - Start to READY: startGateway() until it resolves (READY=1 is sent just before), fresh dirs.
// - RSS over many scans: the built CLI (`gateway --config`) in a child process, fed through the
//   pseudo-terminal, receipts coming back; its VmRSS every 10 %.
// - Bundle size: dist/implant-scan.mjs against the 2 MB target.

import { spawn } from 'node:child_process';
import { closeSync, fdatasyncSync, mkdtempSync, openSync, readFileSync, rmSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AedesPublishPacket, Client } from 'aedes';
import { connect, type MqttClient } from 'mqtt';
import pino from 'pino';
import { allowAllForLocalDemoAcl } from '../gateway/broker/acl.ts';
import { localDemoAuthenticator } from '../gateway/broker/auth.ts';
import { startBroker, type RunningBroker } from '../gateway/broker/server.ts';
import { parseConfig } from '../gateway/config.ts';
import { startGateway, type GatewayHandle } from '../gateway/daemon.ts';
import { InFlightLimit } from '../gateway/mqtt/in-flight.ts';
import { plugScanner } from '../gateway/serial/test-pty.ts';
import { receiptTopic } from '../protocol/topics.ts';
import { decodeScanEvent, encodeScanReceipt } from '../protocol/wire.ts';
import { percentile } from './measure.ts';
import type { Suite, SuiteContext, SuiteReport } from './suite.ts';
import { formatNumber, renderTable } from './table.ts';

const SITE = 'bench-hospital';
/** The V8 limits the systemd unit runs the daemon with (packaging/systemd/implant-scan-gateway.service). */
const DAEMON_NODE_FLAGS = (process.env.DAEMON_NODE_FLAGS ?? '--max-semi-space-size=2 --max-old-space-size=64').split(' ').filter(Boolean);
const ADDRESS = { site: SITE, theatre: 'or-1', gateway: 'gw-bench' };
const silent = pino({ level: 'silent' });
const notifier = { enabled: false, watchdogIntervalMs: null, notify: async () => {} };
const scanText = (i: number) => `]d201073999900010921729013110L${i}\x1d21S${i}`;

function config(dataDir: string, brokerUrl: string, scannerPath: string) {
  return parseConfig({ ...ADDRESS, dataDir, scanner: { path: scannerPath }, broker: { url: brokerUrl }, station: { port: 0 }, indicator: { driver: 'none' }, logLevel: 'silent' });
}

async function until(ready: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!ready()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setImmediate(r));
  }
}

const summary = (name: string, us: number[]) => {
  us.sort((a, b) => a - b);
  return { name, samples: us.length, p50Us: percentile(us, 50), p99Us: percentile(us, 99), maxUs: us.at(-1) ?? NaN };
};

/** Each scan the broker receives from the gateway, with when. */
function watchPublishes(broker: RunningBroker): { times: number[]; stop(): void } {
  const times: number[] = [];
  const on = (packet: AedesPublishPacket, client: Client | null) => {
    if (client?.id === ADDRESS.gateway && packet.topic.endsWith('/scan')) times.push(performance.now());
  };
  broker.aedes.on('publish', on);
  return { times, stop: () => broker.aedes.off('publish', on) };
}

function bareClient(url: string): Promise<MqttClient> {
  return new Promise((resolve, reject) => {
    const c = connect(url, { clientId: 'bench-bare', protocolVersion: 4, clean: true, reconnectPeriod: 0 });
    c.once('connect', () => resolve(c));
    c.once('error', reject);
  });
}

async function run(ctx: SuiteContext): Promise<SuiteReport> {
  const samples = ctx.quick ? 100 : 1000;
  const burst = ctx.quick ? 500 : 5000;
  const rssScans = ctx.quick ? 5_000 : 100_000;
  const dir = mkdtempSync(join(tmpdir(), 'bench-gateway-'));
  const broker = await startBroker({ host: '127.0.0.1', port: 0, authenticate: localDemoAuthenticator, acl: allowAllForLocalDemoAcl, logger: silent });
  const scanner = await plugScanner(dir);
  let gateway: GatewayHandle | null = null;
  const bare = await bareClient(broker.url);
  try {
    gateway = await startGateway(config(join(dir, 'data'), broker.url, scanner.devicePath), { logger: silent, notifier });
    const g = gateway;
    await until(() => g.controller.currentStatus().scanner === 'open' && g.link.online, 10_000, 'the gateway ready');

    // 1. Scan → broker, one at a time.
    const seen = watchPublishes(broker);
    const ours: number[] = [];
    for (let i = 0; i < samples; i++) {
      const before = seen.times.length;
      await scanner.write(`${scanText(i)}\r`);
      const t0 = performance.now();
      await until(() => seen.times.length > before, 10_000, `scan ${i} at the broker`);
      ours.push((seen.times[before]! - t0) * 1000);
    }
    const fsyncUs: number[] = [];
    const fd = openSync(join(dir, 'data', 'fsync-probe'), 'a');
    const record = Buffer.alloc(240, 0x41);
    for (let i = 0; i < samples; i++) {
      const t0 = performance.now();
      writeSync(fd, record);
      fdatasyncSync(fd);
      fsyncUs.push((performance.now() - t0) * 1000);
    }
    closeSync(fd);
    const publishUs: number[] = [];
    for (let i = 0; i < samples; i++) {
      const t0 = performance.now();
      await bare.publishAsync('bench/bare', record, { qos: 1 });
      publishUs.push((performance.now() - t0) * 1000);
    }
    const latency = [summary('scan: last byte into the pty → PUBLISH at the broker', ours), summary('bare write + fdatasync, 240 bytes', fsyncUs), summary('bare mqtt.js QoS 1 publish → PUBACK', publishUs)];
    const budgetUs = latency[1]!.p99Us + latency[2]!.p99Us + 1000;
    const latencyMet = latency[0]!.p99Us <= budgetUs;

    // 2. Burst throughput.
    const before = seen.times.length;
    const text = Array.from({ length: burst }, (_, i) => `${scanText(1_000_000 + i)}\r`).join('');
    const b0 = performance.now();
    await scanner.write(text);
    await until(() => seen.times.length >= before + burst, 120_000, `${burst} scans at the broker`);
    const oursPerSec = burst / ((seen.times.at(-1)! - b0) / 1000);
    seen.stop();
    const slots = new InFlightLimit(64);
    const bare0 = performance.now();
    const all: Promise<unknown>[] = [];
    for (let i = 0; i < burst; i++) {
      await slots.acquire();
      all.push(bare.publishAsync('bench/bare', record, { qos: 1 }).finally(() => slots.release()));
    }
    await Promise.all(all);
    const barePerSec = burst / ((performance.now() - bare0) / 1000);
    await gateway.close();
    gateway = null;

    // 3. Start to READY.
    const starts: number[] = [];
    for (let i = 0; i < 10; i++) {
      const t0 = performance.now();
      const gw = await startGateway(config(join(dir, `start-${i}`), broker.url, scanner.devicePath), { logger: silent, notifier });
      starts.push(performance.now() - t0);
      await gw.close();
    }
    starts.sort((a, b) => a - b);

    // 4. The daemon's own RSS over many scans: the CLI in a child process (as systemd runs it),
    //    scans through the pty, receipts coming back; VmRSS read from /proc every 10 %.
    const receipts = await bareClient(broker.url);
    receipts.on('message', (_t, payload: Buffer) => {
      const d = decodeScanEvent(payload);
      if (!d.ok) return;
      const r = { scanId: d.value.scanId, orderCode: 'K7D2M9QX', caseCode: null, productName: null, status: 'accepted' as const, receivedAtMs: Date.now(), messageCode: 'ok' };
      receipts.publish(receiptTopic(ADDRESS), Buffer.from(encodeScanReceipt(r)), { qos: 1 });
    });
    await receipts.subscribeAsync(`implant/v1/${SITE}/+/+/scan`, { qos: 1 });
    let received = 0;
    receipts.on('message', () => received++);
    const configFile = join(dir, 'rss.json');
    writeFileSync(configFile, JSON.stringify({ ...ADDRESS, dataDir: join(dir, 'rss'), scanner: { path: scanner.devicePath }, broker: { url: broker.url }, station: { port: 0 }, logLevel: 'warn' }));
    const child = spawn(process.execPath, [...DAEMON_NODE_FLAGS, 'dist/implant-scan.mjs', 'gateway', '--config', configFile], { stdio: ['ignore', 'ignore', 'inherit'] });
    const vmRss = () => {
      const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'));
      return m ? Math.round((Number(m[1]) / 1024) * 10) / 10 : NaN;
    };
    const rss: { scans: number; rssMB: number }[] = [];
    let rssSeconds = NaN;
    try {
      // Started, and its scanner open, once a probe scan comes through.
      for (let probe = 0; received === 0; probe++) {
        if (probe > 200) throw new Error('the daemon never read the scanner');
        await scanner.write(`${scanText(3_000_000 + probe)}\r`);
        await new Promise((r) => setTimeout(r, 100));
      }
      const base = received;
      rss.push({ scans: 0, rssMB: vmRss() });
      const r0 = performance.now();
      for (let sent = 0; sent < rssScans; ) {
        const n = Math.min(500, rssScans - sent);
        await scanner.write(Array.from({ length: n }, (_, k) => `${scanText(4_000_000 + sent + k)}\r`).join(''));
        sent += n;
        await until(() => received - base >= sent, 120_000, 'scans at the broker');
        if (sent % (rssScans / 10) === 0) rss.push({ scans: sent, rssMB: vmRss() });
      }
      rssSeconds = (performance.now() - r0) / 1000;
    } finally {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
      receipts.end(true);
    }
    const peak = Math.max(...rss.map((r) => r.rssMB));

    const bundleMB = (() => {
      try {
        return statSync('dist/implant-scan.mjs').size / 1e6;
      } catch {
        return NaN;
      }
    })();

    ctx.log(`aedes in this process, socat pty, outbox in ${dir}; ${samples} single scans, a burst of ${burst}`);
    ctx.log(renderTable(['case', 'p50 µs', 'p99 µs', 'max µs'], latency.map((l) => [l.name, l.p50Us, l.p99Us, l.maxUs])));
    ctx.log(`target p99 ≤ fsync p99 + publish p99 + 1 ms = ${formatNumber(budgetUs / 1000)} ms: ${formatNumber(latency[0]!.p99Us / 1000)} ms — ${latencyMet ? 'met' : 'NOT met'}`);
    ctx.log(
      renderTable(
        ['burst', 'scans/s'],
        [
          [`${burst} scans through the pty → broker (fsync, group commit)`, Math.round(oursPerSec)],
          [`bare mqtt.js, ${burst} publishes, 64 in flight (no disk)`, Math.round(barePerSec)],
        ],
      ),
    );
    ctx.log(`throughput ratio ${formatNumber(oursPerSec / barePerSec)}× (target ≥ 0.8×)`);
    ctx.log(`start → READY: median ${formatNumber(starts[5]!)} ms, max ${formatNumber(starts[9]!)} ms (target ≤ 400 ms)`);
    ctx.log(`the daemon's RSS over ${rssScans} scans through the pty (${formatNumber(rssSeconds)} s, receipts coming back): ${rss.map((r) => `${r.scans}: ${r.rssMB} MB`).join(', ')}; peak ${peak} MB (target ≤ 60 MB)`);
    ctx.log(`bundle dist/implant-scan.mjs: ${formatNumber(bundleMB)} MB (target ≤ 2 MB)`);
    return {
      notes: [
        'Latency is taken at the broker (aedes publish event for the gateway’s client) because the gateway resolves its own publish on the PUBACK that follows in the same turn.',
        'RSS is the daemon alone: the built CLI in a child process (VmRSS from /proc), fed through the same pseudo-terminal.',
      ],
      results: { latency, budgetUs, latencyMet, oursPerSec, barePerSec, throughputRatio: oursPerSec / barePerSec, startMs: starts, rss, rssSeconds, peakRssMB: peak, bundleMB },
    };
  } finally {
    await gateway?.close();
    bare.end(true);
    await scanner.unplug();
    await broker.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

export const gatewaySuite: Suite = {
  name: 'gateway',
  description: 'the daemon with a pty scanner and aedes: scan → broker latency, burst throughput, start → READY, RSS over many scans, bundle size',
  run,
};
