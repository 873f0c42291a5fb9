// The theatre gateway daemon against real parts: a pseudo-terminal scanner (socat), the aedes
// broker with the production ACL on loopback, the outbox on disk, the station page over HTTP. An
// uplink stand-in (the uplink's real credentials) receives the scans and answers with receipts.
import { execFileSync } from 'node:child_process';
import { appendFile, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { receiptTopic, scanTopic } from '../protocol/topics.ts';
import { decodeScanEvent, encodeScanReceipt, type ScanEvent } from '../protocol/wire.ts';
import { collect, connectClient, endClient, loginOf, startSecureTestBroker, USERS, waitUntil } from './broker/test-support.ts';
import type { RunningBroker } from './broker/server.ts';
import { parseConfig } from './config.ts';
import { startGateway, type GatewayHandle, type StartOptions } from './daemon.ts';
import { ADDRESS_A, freePort } from './mqtt/test-support.ts';
import { plugScanner, type PluggedScanner } from './serial/test-pty.ts';

const GS = '\x1d';
const scan = (lot: string) => `]d201073500001111181729013110${lot}${GS}21SN-${lot}`;
const PERSONNUMMER = '19121212-1212';

/** Every scan on the station page receipted, and the outbox empty (the retire is fsynced first). */
const allReceipted = (g: GatewayHandle, n: number) => () =>
  g.controller.currentStatus().outbox === 0 && g.controller.scanLog.today().filter((s) => s.status === 'receipted').length === n;

let dir: string;
let scanner: PluggedScanner;
let broker: RunningBroker | null;
let gateway: GatewayHandle | null;
const cleanups: (() => Promise<void>)[] = [];

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'gateway-daemon-'));
  scanner = await plugScanner(dir);
  await writeFile(join(dir, 'password'), `${USERS.gwA.password}\n`);
  broker = null;
  gateway = null;
});
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c().catch(() => {});
  await gateway?.close();
  await scanner.unplug();
  await broker?.close();
  await rm(dir, { recursive: true, force: true });
});

async function start(brokerUrl: string, options: Partial<StartOptions> = {}): Promise<GatewayHandle> {
  const config = parseConfig({
    site: ADDRESS_A.site,
    theatre: ADDRESS_A.theatre,
    gateway: ADDRESS_A.gateway,
    dataDir: join(dir, 'data'),
    scanner: { path: scanner.devicePath },
    broker: { url: brokerUrl, username: USERS.gwA.username, passwordFile: join(dir, 'password') },
    station: { host: '127.0.0.1', port: 0 },
    indicator: { driver: 'simulated' },
    logLevel: 'silent',
  });
  const g = await startGateway(config, {
    logger: pino({ level: process.env.DEBUG_GATEWAY ? 'debug' : 'silent' }, pino.destination(2)),
    notifier: { enabled: false, watchdogIntervalMs: null, notify: async () => {} },
    ...options,
  });
  gateway = g;
  // Opening a serial port discards what arrived before (as with a real scanner): wait for it.
  await waitUntil(() => g.controller.currentStatus().scanner === 'open', 10_000, 'the scanner open');
  return g;
}

/** The uplink's side of the broker: every scan of gateway A, a receipt back for each when asked. */
async function uplinkStandIn(url: string, answer: boolean) {
  const client = await connectClient(url, { ...loginOf(USERS.uplink), clean: true });
  cleanups.push(() => endClient(client));
  const seen = collect(client);
  const events: ScanEvent[] = [];
  client.on('message', (_topic, payload: Buffer) => {
    const d = decodeScanEvent(payload);
    if (!d.ok) return;
    events.push(d.value);
    if (answer) {
      const receipt = { scanId: d.value.scanId, orderCode: `K7D2M${String(events.length).padStart(3, '0')}`.slice(0, 8), caseCode: null, productName: 'Demo hip stem', status: 'accepted' as const, receivedAtMs: Date.now(), messageCode: 'ok' };
      client.publish(receiptTopic(ADDRESS_A), Buffer.from(encodeScanReceipt(receipt)), { qos: 1 });
    }
  });
  await client.subscribeAsync(scanTopic(ADDRESS_A), { qos: 1 });
  return { client, seen, events };
}

async function apiScans(g: GatewayHandle): Promise<Array<{ scanId: string | null; status: string; orderCode: string | null; udi: { lot: string | null } | null; reason: { code: string } | null }>> {
  return (await fetch(new URL('/api/scans', g.stationUrl))).json() as never;
}

async function filesContaining(root: string, needle: string): Promise<string[]> {
  const hits: string[] = [];
  for (const entry of await readdir(root, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const path = join(entry.parentPath, entry.name);
    if ((await readFile(path)).includes(needle)) hits.push(path);
  }
  return hits;
}

describe('gateway daemon', () => {
  it('a scan travels from the scanner to the broker, its receipt back to the station page, and it leaves the outbox', async () => {
    broker = await startSecureTestBroker();
    const uplink = await uplinkStandIn(broker.url, true);
    const g = await start(broker.url);
    await waitUntil(() => g.link.online, 10_000, 'the link online');
    await scanner.write(`${scan('L1')}\r`);
    await uplink.seen.waitFor(1);
    expect(uplink.events[0]).toMatchObject({ site: ADDRESS_A.site, gatewayId: ADDRESS_A.gateway, historical: false, sequence: 1n });
    await waitUntil(allReceipted(g, 1), 10_000, 'the receipt to retire the scan');
    const [row] = await apiScans(g);
    expect(row).toMatchObject({ scanId: uplink.events[0]!.scanId, status: 'receipted', orderCode: 'K7D2M001', udi: { lot: 'L1' } });
    expect(await g.metrics.text()).toMatch(/implant_scan_scans_accepted_total 1\b/);
  });

  it('a burst of scans and receipts is one STATUS= message to systemd while one is in flight, not one per scan, and the last says what is true', async () => {
    broker = await startSecureTestBroker();
    const uplink = await uplinkStandIn(broker.url, true);
    const statuses: string[] = [];
    let release = (): void => {};
    const held = new Promise<void>((r) => (release = r));
    const notifier = {
      enabled: true,
      watchdogIntervalMs: null,
      // The first STATUS after READY stays in flight (systemd-notify still running) until released.
      notify: async (fields: Record<string, string | undefined>) => {
        if (fields.READY !== undefined || fields.STATUS === undefined) return;
        statuses.push(fields.STATUS);
        if (statuses.length === 1) await held;
      },
    };
    const g = await start(broker.url, { notifier, statusIntervalMs: 0 });
    await waitUntil(() => g.link.online, 10_000, 'the link online');
    const lots = Array.from({ length: 20 }, (_, i) => `S${i}`);
    await scanner.write(lots.map((l) => `${scan(l)}\r`).join(''));
    await uplink.seen.waitFor(20);
    await waitUntil(allReceipted(g, 20), 10_000, 'every scan receipted');
    expect(statuses).toHaveLength(1);
    release();
    await waitUntil(() => statuses.length === 2, 10_000, 'the newest status once the first is sent');
    expect(statuses[1]).toBe('scanner open; broker online; 0 scan(s) waiting for a receipt');
  });

  it('refuses a personnummer: nothing published, nothing of it stored or shown', async () => {
    broker = await startSecureTestBroker();
    const uplink = await uplinkStandIn(broker.url, true);
    const g = await start(broker.url);
    await scanner.write(`${PERSONNUMMER}\r`);
    await scanner.write(`${scan('L2')}\r`);
    await uplink.seen.waitFor(1);
    await waitUntil(() => g.controller.scanLog.today().length === 2, 10_000, 'both scans on the station page');
    const rows = await apiScans(g);
    const refused = rows.find((r) => r.status === 'refused');
    expect(refused?.reason?.code).toBe('personal-id');
    expect(uplink.events).toHaveLength(1);
    expect(JSON.stringify(rows)).not.toMatch(/1212/);
    expect(await g.metrics.text()).toMatch(/implant_scan_scans_refused_total\{reason="personal-id"\} 1\b/);
    expect(await filesContaining(dir, '1212')).toEqual([]);
  });

  it('accepts scans with the broker down at start, and publishes them, historical, once it is up', async () => {
    const port = await freePort();
    const g = await start(`mqtt://127.0.0.1:${port}`);
    await scanner.write(`${scan('A1')}\r${scan('A2')}\r`);
    await waitUntil(() => g.controller.currentStatus().outbox === 2, 10_000, 'two scans accepted while offline');
    broker = await startSecureTestBroker({ port });
    const uplink = await uplinkStandIn(broker.url, true);
    await waitUntil(allReceipted(g, 2), 30_000, 'both published and receipted');
    expect(uplink.events.map((e) => [e.sequence, e.historical])).toEqual([
      [1n, true],
      [2n, true],
    ]);
  });

  it('a broker restart in the middle of a burst loses no scan', async () => {
    broker = await startSecureTestBroker();
    const port = broker.port;
    let uplink = await uplinkStandIn(broker.url, false);
    const g = await start(broker.url);
    const lots = Array.from({ length: 40 }, (_, i) => `B${i}`);
    await scanner.write(lots.slice(0, 20).map((l) => `${scan(l)}\r`).join(''));
    await uplink.seen.waitFor(5);
    await broker.close(); // mid-burst: the rest are stored while it is gone
    await scanner.write(lots.slice(20).map((l) => `${scan(l)}\r`).join(''));
    await waitUntil(() => g.controller.currentStatus().outbox === 40, 10_000, 'all 40 accepted');
    broker = await startSecureTestBroker({ port });
    uplink = await uplinkStandIn(broker.url, true);
    await waitUntil(allReceipted(g, 40), 60_000, 'every scan receipted after the restart');
    const rows = await apiScans(g);
    expect(rows.map((r) => `${r.udi?.lot}:${r.status}`).sort()).toEqual(lots.map((l) => `${l}:receipted`).sort());
  });

  it('survives the scanner being unplugged and plugged in again without a restart', async () => {
    broker = await startSecureTestBroker();
    const uplink = await uplinkStandIn(broker.url, true);
    const g = await start(broker.url);
    await scanner.write(`${scan('U1')}\r`);
    await uplink.seen.waitFor(1);
    await scanner.unplug();
    await waitUntil(() => g.controller.currentStatus().scanner === 'lost', 10_000, 'the scanner reported lost');
    scanner = await plugScanner(dir);
    await waitUntil(() => g.controller.currentStatus().scanner === 'open', 30_000, 'the scanner open again');
    await scanner.write(`${scan('U2')}\r`);
    await uplink.seen.waitFor(2);
    expect(uplink.events.map((e) => e.sequence)).toEqual([1n, 2n]);
  });

  it('an unplug in the middle of a burst loses at most what was on the wire, garbles nothing, and the next burst arrives whole', async () => {
    broker = await startSecureTestBroker();
    const uplink = await uplinkStandIn(broker.url, true);
    const g = await start(broker.url);
    const first = Array.from({ length: 30 }, (_, i) => `P${i}`);
    const second = Array.from({ length: 30 }, (_, i) => `Q${i}`);
    // The burst and the unplug race: the cable is pulled while bytes are still in flight.
    await Promise.all([scanner.write(first.map((l) => `${scan(l)}\r`).join('')), scanner.unplug()]);
    await waitUntil(() => g.controller.currentStatus().scanner === 'lost', 10_000, 'the scanner lost');
    scanner = await plugScanner(dir);
    await waitUntil(() => g.controller.currentStatus().scanner === 'open', 30_000, 'the scanner open again');
    await scanner.write(second.map((l) => `${scan(l)}\r`).join(''));
    await waitUntil(() => second.every((l) => uplink.events.some((e) => e.parse.udi.lot === l)), 30_000, 'the second burst whole');
    const settled = () => g.controller.currentStatus().outbox === 0 && g.controller.scanLog.today().every((r) => r.status === 'receipted' || r.status === 'refused');
    await waitUntil(settled, 30_000, 'every accepted scan receipted');
    const lots = uplink.events.map((e) => e.parse.udi.lot);
    // Whatever arrived of the first burst is whole scans, each once: no torn line became a scan.
    for (const lot of lots) expect([...first, ...second]).toContain(lot);
    expect(new Set(lots).size).toBe(lots.length);
    expect(uplink.events.every((e) => e.parse.ok)).toBe(true);
    // The bound: only what was still on the wire is lost, i.e. the first burst arrived as a prefix
    // (scans 0 … k-1) and nothing after a gap; at most the one line cut by the unplug was dropped
    // as a fragment, and nothing of the first burst was refused or left waiting.
    const arrived = first.map((l) => lots.includes(l));
    const k = arrived.indexOf(false) === -1 ? first.length : arrived.indexOf(false);
    expect(arrived).toEqual(first.map((_, i) => i < k));
    const fragments = /implant_scan_serial_framing_errors_total\{kind="partial"\} (\d+)/.exec(await g.metrics.text());
    expect(Number(fragments?.[1] ?? 0)).toBeLessThanOrEqual(1);
    expect(g.controller.scanLog.today().filter((r) => r.status !== 'receipted')).toEqual([]);
    expect(uplink.events.filter((e) => second.includes(e.parse.udi.lot ?? '')).map((e) => e.parse.udi.lot)).toEqual(second);
  });

  it('drops an overlong line and a garbled one, and goes on with the next scan', async () => {
    broker = await startSecureTestBroker();
    const uplink = await uplinkStandIn(broker.url, true);
    const g = await start(broker.url);
    await scanner.write(Buffer.concat([Buffer.alloc(10_240, 0x41), Buffer.from('\r'), Buffer.from([0xff, 0xfe, 0x1d, 0x00, 0x0d]), Buffer.from(`${scan('G1')}\r`)]));
    await uplink.seen.waitFor(1);
    expect(uplink.events).toHaveLength(1);
    expect(await g.metrics.text()).toMatch(/implant_scan_serial_framing_errors_total\{kind="[a-z-]+"\} 1\b/);
  });

  it('a journal damaged while stopped: recovery is logged at warn/error with its counts, exported, and shown as an alert', async () => {
    const port = await freePort();
    let g = await start(`mqtt://127.0.0.1:${port}`);
    await scanner.write(['D1', 'D2', 'D3', 'D4'].map((l) => `${scan(l)}\r`).join(''));
    await waitUntil(() => g.controller.currentStatus().outbox === 4, 10_000, 'four scans accepted while offline');
    await g.close();
    gateway = null;
    // 8 bytes overwritten in the middle of the newest segment, as in a bad sector.
    const outboxDir = join(dir, 'data', 'outbox');
    const newest = join(outboxDir, (await readdir(outboxDir)).filter((n) => n.endsWith('.journal')).sort().at(-1)!);
    const bytes = await readFile(newest);
    bytes.fill(0xee, bytes.length >> 1, (bytes.length >> 1) + 8);
    await writeFile(newest, bytes);

    const logs: { level: number; msg: string; recovery?: Record<string, number> }[] = [];
    g = await start(`mqtt://127.0.0.1:${port}`, { logger: pino({ level: 'info' }, { write: (l: string) => void logs.push(JSON.parse(l)) }) });
    const line = logs.find((l) => l.recovery !== undefined);
    expect(line?.level).toBeGreaterThanOrEqual(40);
    expect(Object.values(line?.recovery ?? {}).some((n) => n > 0)).toBe(true);
    const text = await g.metrics.text();
    expect(text).toMatch(/implant_scan_outbox_recovery_damaged 1\b/);
    expect(text).toMatch(/implant_scan_outbox_recovery\{field="pending"\} \d/);
    const status = (await (await fetch(new URL('/api/status', g.stationUrl))).json()) as { attention: { code: string; message: string }[] };
    expect(status.attention).toEqual([{ code: 'journal-damaged', message: expect.stringMatching(/journal/) }]);
  });

  it('a full disk: the daemon starts, publishes what is pending, refuses new scans loudly (disk-full) and accepts again once space is freed', async (ctx) => {
    const data = await smallDisk(ctx);
    const port = await freePort();
    let g = await start(`mqtt://127.0.0.1:${port}`, FULL_DISK_OPTIONS);
    await scanner.write(['F1', 'F2', 'F3'].map((l) => `${scan(l)}\r`).join(''));
    await waitUntil(() => g.controller.currentStatus().outbox === 3, 10_000, 'three scans accepted while offline');
    await g.close();
    gateway = null;
    const filler = await fillDisk(data);

    // Restarted on the full disk, the broker up: it must start (it used to die of ENOSPC here)
    // and publish what was accepted before the disk filled.
    broker = await startSecureTestBroker({ port });
    const uplink = await uplinkStandIn(broker.url, true);
    const logs: { level: number; msg: string; reason?: string }[] = [];
    g = await start(`mqtt://127.0.0.1:${port}`, { ...FULL_DISK_OPTIONS, logger: pino({ level: 'info' }, { write: (l: string) => void logs.push(JSON.parse(l)) }) });
    expect(g.controller.currentStatus().attention.map((a) => a.code)).toEqual(['disk-full']);
    await waitUntil(() => g.controller.currentStatus().outbox === 0, 30_000, 'the pending scans receipted and retired');
    expect(uplink.events.map((e) => e.parse.udi.lot)).toEqual(['F1', 'F2', 'F3']);

    // A new scan meanwhile is refused loudly.
    await scanner.write(`${scan('F4')}\r`);
    await waitUntil(() => g.controller.scanLog.today().some((r) => r.status === 'refused'), 10_000, 'the new scan refused');
    const [refused] = await apiScans(g);
    expect(refused).toMatchObject({ status: 'refused', reason: { code: 'disk-full' } });
    expect(await g.metrics.text()).toMatch(/implant_scan_scans_refused_total\{reason="disk-full"\} 1\b/);
    expect(await g.metrics.text()).not.toContain('reason="outbox-full"');
    expect(logs.find((l) => l.reason === 'disk-full')?.level).toBeGreaterThanOrEqual(50);
    expect(uplink.events).toHaveLength(3);

    // Space freed: the next scan is accepted again.
    await rm(filler);
    await waitUntil(() => g.controller.currentStatus().attention.length === 0, 10_000, 'the disk-full alert cleared');
    await scanner.write(`${scan('F5')}\r`);
    await uplink.seen.waitFor(4);
    expect(uplink.events.at(-1)).toMatchObject({ historical: false, parse: { udi: { lot: 'F5' } } });
    expect((await readdir(data)).filter((n) => n.startsWith('reserve.'))).toEqual([]);
  });

  it('a full disk and no reserve left: it starts, refuses loudly, and takes scans once space is freed', async (ctx) => {
    const data = await smallDisk(ctx);
    await (await start('mqtt://127.0.0.1:1', FULL_DISK_OPTIONS)).close();
    gateway = null;
    await rm(join(data, 'reserve'));
    const filler = await fillDisk(data);
    const g = await start('mqtt://127.0.0.1:1', FULL_DISK_OPTIONS);
    expect(g.controller.currentStatus().attention.map((a) => a.code)).toEqual(['disk-full']);
    await scanner.write(`${scan('N1')}\r`);
    await waitUntil(() => g.controller.scanLog.today().length === 1, 10_000, 'the scan decided');
    expect(g.controller.scanLog.today()[0]).toMatchObject({ status: 'refused', reason: { code: 'disk-full' } });
    await rm(filler);
    await waitUntil(() => g.controller.currentStatus().attention.length === 0, 10_000, 'the disk-full alert cleared');
    await scanner.write(`${scan('N2')}\r`);
    await waitUntil(() => g.controller.currentStatus().outbox === 1, 10_000, 'the scan accepted: the sequence file opened late');
  });
});

const FULL_DISK_OPTIONS = { reserveBytes: 256 << 10, spaceCheckMs: 100 };

/** dataDir on a 4 MiB tmpfs mounted for this test; skipped, with a message, where mount is not allowed. */
async function smallDisk(ctx: { skip(): void }): Promise<string> {
  const data = join(dir, 'data');
  await mkdir(data);
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=4m', 'tmpfs', data], { stdio: 'pipe' });
  } catch (e) {
    console.warn(`full-disk test skipped: cannot mount a tmpfs (needs root): ${(e as Error).message.split('\n')[0]}`);
    ctx.skip();
  }
  cleanups.push(async () => {
    await gateway?.close();
    gateway = null;
    execFileSync('umount', ['-l', data]);
  });
  return data;
}

/** Fills the disk to the last page; the file's path, to free it again. */
async function fillDisk(data: string): Promise<string> {
  const filler = join(data, 'filler');
  await expect(
    (async () => {
      for (;;) await appendFile(filler, Buffer.alloc(4096));
    })(),
  ).rejects.toMatchObject({ code: 'ENOSPC' });
  return filler;
}
