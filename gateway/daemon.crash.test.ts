// kill -9 of the gateway daemon (the CLI, as systemd runs it) between journal write and publish:
// the restarted daemon publishes exactly the accepted scans, each one once to the receipt side,
// and a clean SIGTERM stop leaves nothing half-done.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { buildCli } from '../test/built-cli.test-support.ts';
import { receiptTopic, scanTopic } from '../protocol/topics.ts';
import { decodeScanEvent, decodeState, encodeScanReceipt, type ScanEvent } from '../protocol/wire.ts';
import { collect, connectClient, endClient, loginOf, startSecureTestBroker, USERS, waitUntil } from './broker/test-support.ts';
import type { RunningBroker } from './broker/server.ts';
import { ADDRESS_A } from './mqtt/test-support.ts';
import { plugScanner, type PluggedScanner } from './serial/test-pty.ts';

let cli: string;
let dir: string;
let scanner: PluggedScanner;
let broker: RunningBroker;
const children: ChildProcess[] = [];

beforeAll(async () => {
  cli = await buildCli();
});
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'gateway-crash-'));
  scanner = await plugScanner(dir);
  broker = await startSecureTestBroker();
  await writeFile(join(dir, 'password'), USERS.gwA.password);
  await writeFile(
    join(dir, 'gateway.json'),
    JSON.stringify({
      site: ADDRESS_A.site,
      theatre: ADDRESS_A.theatre,
      gateway: ADDRESS_A.gateway,
      dataDir: join(dir, 'data'),
      scanner: { path: scanner.devicePath },
      broker: { url: broker.url, username: USERS.gwA.username, passwordFile: join(dir, 'password') },
      station: { port: 0 },
      logLevel: 'info',
    }),
  );
});
afterEach(async () => {
  for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  await scanner.unplug();
  await broker.close();
  await rm(dir, { recursive: true, force: true });
});

interface Daemon {
  child: ChildProcess;
  /** Parsed pino lines so far. */
  log: Array<Record<string, unknown>>;
  exited: Promise<number | null>;
}

async function startDaemon(): Promise<Daemon> {
  const child = spawn(process.execPath, [cli, 'gateway', '--config', join(dir, 'gateway.json')], { stdio: ['ignore', 'pipe', 'inherit'] });
  children.push(child);
  const log: Daemon['log'] = [];
  createInterface({ input: child.stdout! }).on('line', (line) => {
    try {
      log.push(JSON.parse(line) as Record<string, unknown>);
    } catch {
      /* not a log line */
    }
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  await waitUntil(() => log.some((l) => l.msg === 'scanner: open') && log.some((l) => l.msg === 'mqtt: online'), 20_000, 'the daemon ready, scanner open, online');
  return { child, log, exited };
}

const accepted = (d: Daemon) => d.log.filter((l) => l.msg === 'scan accepted').map((l) => l.scanId as string);
const scan = (i: number) => `]d201073500001111181729013110K${i}\x1d21S${i}\r`;

async function uplinkStandIn(answer: () => boolean) {
  const client = await connectClient(broker.url, { ...loginOf(USERS.uplink), clean: true });
  const seen = collect(client);
  const events: ScanEvent[] = [];
  client.on('message', (_t, payload: Buffer) => {
    const d = decodeScanEvent(payload);
    if (!d.ok) return;
    events.push(d.value);
    if (answer()) {
      const receipt = { scanId: d.value.scanId, orderCode: 'K7D2M9QX', caseCode: null, productName: null, status: 'accepted' as const, receivedAtMs: Date.now(), messageCode: 'ok' };
      client.publish(receiptTopic(ADDRESS_A), Buffer.from(encodeScanReceipt(receipt)), { qos: 1 });
    }
  });
  await client.subscribeAsync(scanTopic(ADDRESS_A), { qos: 1 });
  return { client, seen, events };
}

describe('gateway daemon process', () => {
  it('kill -9 right after scans are accepted: the restarted daemon publishes exactly those, each once', async () => {
    let answering = false;
    const uplink = await uplinkStandIn(() => answering);
    const first = await startDaemon();
    await scanner.write(Array.from({ length: 30 }, (_, i) => scan(i)).join(''));
    await waitUntil(() => accepted(first).length === 30, 20_000, '30 scans accepted');
    first.child.kill('SIGKILL'); // some published, some maybe not yet: the journal has them all
    await first.exited;
    const acceptedIds = accepted(first);

    answering = true;
    const second = await startDaemon();
    await waitUntil(() => second.log.some((l) => l.msg === 'outbox open'), 10_000, 'the outbox reopened');
    const pendingAtStart = second.log.find((l) => l.msg === 'outbox open')!.pending as number;
    expect(pendingAtStart).toBe(30); // no receipt came before the kill: every accepted scan is still there
    // Every accepted scan reaches the uplink; after its receipt nothing is published again.
    // The first daemon published some or all of them live; the second replays every one, historical.
    const replayed = () => uplink.events.filter((e) => e.historical);
    await waitUntil(() => replayed().length >= 30, 30_000, 'every accepted scan replayed');
    const afterRestart = replayed();
    expect(new Set(afterRestart.map((e) => e.scanId))).toEqual(new Set(acceptedIds));
    expect(afterRestart).toHaveLength(30); // once each after the restart
    expect(new Set(uplink.events.map((e) => e.scanId))).toEqual(new Set(acceptedIds)); // nothing else, ever

    // The receipts retire them: the outbox depth on /metrics falls to 0.
    const station = second.log.find((l) => l.msg === 'gateway ready: accepting scans')!.station as string;
    let depth = '';
    await waitUntil(() => depth === '0', 20_000, 'the outbox emptied by the receipts', (notify) => {
      void fetch(new URL('/metrics', station))
        .then((r) => r.text())
        .then((t) => {
          depth = /^implant_scan_outbox_depth (\d+)/m.exec(t)?.[1] ?? '';
          setTimeout(notify, 20);
        });
    });
    second.child.kill('SIGTERM');
    expect(await second.exited).toBe(0);
    const third = await startDaemon();
    expect(third.log.find((l) => l.msg === 'outbox open')!.pending).toBe(0);
    await endClient(uplink.client);
  });

  it('SIGTERM stops cleanly: exit 0, retained OFFLINE state, scans kept for the next start', async () => {
    const watcher = await connectClient(broker.url, { ...loginOf(USERS.operator), clean: true });
    const first = await startDaemon();
    await scanner.write(scan(1));
    await waitUntil(() => accepted(first).length === 1, 20_000, 'the scan accepted');
    first.child.kill('SIGTERM');
    expect(await first.exited).toBe(0);
    expect(first.log.some((l) => l.msg === 'gateway stopped')).toBe(true);
    const state = collect(watcher);
    await watcher.subscribeAsync(`implant/v1/${ADDRESS_A.site}/${ADDRESS_A.theatre}/${ADDRESS_A.gateway}/state`, { qos: 1 });
    const [retained] = await state.waitFor(1);
    expect(retained!.retain).toBe(true);
    const decoded = decodeState(retained!.payload);
    expect(decoded.ok && decoded.value.status).toBe('offline');
    const second = await startDaemon();
    expect(second.log.find((l) => l.msg === 'outbox open')!.pending).toBe(1); // no receipt yet: still there
    await endClient(watcher);
  });
});
