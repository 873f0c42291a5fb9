// `implant-scan uplink` as a hospital runs it: the built CLI as its own process, its journal on
// disk, a real aedes broker with the gateway ACL and a password per identity, and the national
// service on SQLite. What the uplink promises and only a real process can show:
// - a backlog journaled while the national service is down survives SIGKILL and is delivered,
//   each scan once, after a restart;
// - a scan it cannot journal (the disk is full) is not acknowledged, so the broker hands it over
//   again (the uplink reconnects for it) and it is not lost;
// - a receipt the broker refuses is published again and reaches its gateway.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { gatewayAcl, type Acl } from '../gateway/broker/acl.ts';
import { collect, connectClient, loginOf, SITE, startSecureTestBroker, USERS, waitUntil } from '../gateway/broker/test-support.ts';
import { freePort } from '../gateway/mqtt/test-support.ts';
import { decodeRecords } from '../gateway/outbox/record.ts';
import { newCredential } from '../national/auth/credentials.ts';
import { bearerUplinkAuthenticator } from '../national/auth/uplink-auth.ts';
import { createNationalService } from '../national/service.ts';
import { catalogueSource, sampleCatalogue } from '../national/sources/catalogue.ts';
import { newScanId } from '../protocol/scan-id.ts';
import { receiptTopic, scanTopic } from '../protocol/topics.ts';
import { parse } from '../protocol/udi/index.ts';
import { decodeScanReceipt, encodeScanEvent, type ScanReceipt } from '../protocol/wire.ts';
import { buildCli } from './built-cli.test-support.ts';

const logger = pino({ level: 'silent' });
const GW = { site: SITE, theatre: 'or-3', gateway: 'gw-or3' }; // USERS.gwA
const registry = newCredential('test-registry');
const uplinkToken = newCredential(USERS.uplink.username);

let cli: string;
let dir: string;
const children: ChildProcess[] = [];
const cleanups: (() => Promise<unknown>)[] = [];

beforeAll(async () => {
  cli = await buildCli();
  dir = await mkdtemp(join(tmpdir(), 'uplink-e2e-'));
  await writeFile(join(dir, 'broker-password'), USERS.uplink.password);
  await writeFile(join(dir, 'national-token'), uplinkToken.token);
});

afterEach(async () => {
  for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  for (const undo of cleanups.splice(0).reverse()) await undo();
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function startNational(db: string, port: number) {
  return createNationalService({
    db,
    sources: [catalogueSource(sampleCatalogue)],
    registries: [{ id: 'test-registry', tokenSha256: registry.tokenSha256 }],
    authenticateUplink: bearerUplinkAuthenticator([{ id: USERS.uplink.username, site: SITE, tokenSha256: uplinkToken.tokenSha256 }]),
    port,
    logger,
  });
}

/** `implant-scan uplink` with its journal in dataDir; resolves once it prints `ready`. */
async function startUplink(brokerUrl: string, nationalUrl: string, dataDir: string): Promise<ChildProcess & { stderrText: () => string }> {
  const args = ['uplink', '--site', SITE, '--broker', brokerUrl, '--national', nationalUrl, '--data-dir', dataDir];
  args.push('--username', USERS.uplink.username, '--password-file', join(dir, 'broker-password'), '--token-file', join(dir, 'national-token'), '--log-level', 'warn');
  const child = spawn(process.execPath, [cli, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let out = '';
  let err = '';
  child.stderr!.on('data', (b: Buffer) => (err += b.toString()));
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (b: Buffer) => {
      out += b.toString();
      if (/^ready /m.test(out)) resolve();
    });
    child.once('exit', (code, signal) => reject(new Error(`uplink exited (${code ?? signal}) before ready:\n${err}`)));
  });
  return Object.assign(child, { stderrText: () => err });
}

async function killHard(child: ChildProcess): Promise<void> {
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGKILL');
  await exited;
}

/** A valid scan of gw-or3, as its daemon publishes it. */
function scanEvent(lot: string): { scanId: string; bytes: Buffer } {
  const raw = new TextEncoder().encode(`]d201073999900010921729013110${lot}\x1d21SN-${lot}`);
  const { symbology, ...result } = parse(raw);
  const scanId = newScanId();
  const event = { scanId, gatewayId: GW.gateway, site: GW.site, theatre: GW.theatre, caseId: 'case-uplink', sequence: 1n, scannedAtMs: Date.now(), historical: false, raw, symbology, parse: result };
  return { scanId, bytes: Buffer.from(encodeScanEvent(event)) };
}

/** gw-or3 on the broker: publishes scans at QoS 1 and collects the receipts meant for it. */
async function gateway(brokerUrl: string) {
  const client = await connectClient(brokerUrl, { ...loginOf(USERS.gwA), clean: false });
  await client.subscribeAsync(receiptTopic(GW), { qos: 1 });
  const inbox = collect(client);
  const receipts = (): ScanReceipt[] => inbox.messages.map((m) => decodeScanReceipt(m.payload)).flatMap((r) => (r.ok ? [r.value] : []));
  cleanups.push(() => client.endAsync(true));
  return { client, receipts, publish: (bytes: Buffer) => client.publishAsync(scanTopic(GW), bytes, { qos: 1 }) };
}

/** Each segment opens with an 8-byte magic line (gateway/outbox/outbox.ts). */
const JOURNAL_MAGIC_BYTES = 8;

describe('implant-scan uplink, a real process with its journal', () => {
  it('a backlog journaled while the national service is down survives SIGKILL and is delivered once, after a restart', async () => {
    const broker = await startSecureTestBroker({ logger });
    cleanups.push(() => broker.close());
    const nationalPort = await freePort(); // nothing listens yet: the national service is down
    const nationalUrl = `http://127.0.0.1:${nationalPort}`;
    const dataDir = join(dir, 'backlog');
    const gw = await gateway(broker.url);

    const first = await startUplink(broker.url, nationalUrl, dataDir);
    let journaled = 0;
    const scans = Array.from({ length: 20 }, (_, i) => scanEvent(`BACKLOG-${i}`));
    // A PUBACK from the broker only says the broker has it; the uplink's own PUBACK comes after its fsync.
    for (const s of scans) await gw.publish(s.bytes);
    const ids = new Set(scans.map((s) => s.scanId));
    await waitUntil(() => journaled === ids.size, 30_000, 'all 20 scans in the uplink journal', (notify) => {
      void pendingInJournal(dataDir).then((p) => {
        journaled = [...p].filter((id) => ids.has(id)).length;
        setTimeout(notify, 50);
      });
    });
    await killHard(first);
    expect(await pendingInJournal(dataDir)).toEqual(ids);

    const national = await startNational(join(dir, 'backlog.sqlite'), nationalPort);
    cleanups.push(() => national.close());
    const second = await startUplink(broker.url, nationalUrl, dataDir);
    await waitUntil(() => new Set(gw.receipts().map((r) => r.scanId)).size === scans.length, 60_000, 'a receipt for each of the 20 scans');
    await journalEmptied(dataDir);

    // Once each: one receipt per scan, accepted with its own order code, none a duplicate.
    const receipts = gw.receipts();
    expect(receipts.map((r) => r.scanId).sort()).toEqual([...ids].sort());
    expect(receipts.map((r) => r.status)).toEqual(scans.map(() => 'accepted'));
    expect(new Set(receipts.map((r) => r.orderCode)).size).toBe(scans.length);
    for (const s of scans) expect(national.store.getScan(s.scanId)).not.toBeNull();
    await killHard(second);
  }, 180_000);

  // An MQTT 3.1.1 broker delivers an unacknowledged message again only on a new connection of the
  // session: without the uplink's reconnect after a failed append, 31 of 40 scans were still
  // missing 15 s after the disk had room, and arrived only once the uplink was restarted.
  // Root only: it mounts a 256 KiB tmpfs for the journal.
  (process.getuid?.() === 0 ? it : it.skip)('a scan it cannot journal (disk full) is not acknowledged, and arrives once there is room', async () => {
    const broker = await startSecureTestBroker({ logger });
    cleanups.push(() => broker.close());
    const national = await startNational(join(dir, 'full.sqlite'), 0);
    cleanups.push(() => national.close());
    // The journal on a small file system of its own, so that filling it touches nothing else.
    const dataDir = join(dir, 'full');
    await mkdir(dataDir);
    expect(spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=256k', 'tmpfs', dataDir]).status).toBe(0);
    cleanups.push(async () => spawnSync('umount', ['-l', dataDir]));
    const gw = await gateway(broker.url);
    const uplink = await startUplink(broker.url, national.url, dataDir);

    const before = scanEvent('BEFORE-FULL');
    await gw.publish(before.bytes);
    await waitUntil(() => gw.receipts().some((r) => r.scanId === before.scanId), 30_000, 'a receipt while there is room');

    // Fill the file system; the journal's last page may still take a record or two, not forty.
    spawnSync('dd', ['if=/dev/zero', `of=${join(dataDir, 'filler')}`, 'bs=4k'], { stdio: 'ignore' });
    const blocked = Array.from({ length: 40 }, (_, i) => scanEvent(`WHILE-FULL-${i}`));
    for (const b of blocked) await gw.publish(b.bytes);
    await waitUntil(() => /cannot store a scan/.test(uplink.stderrText()), 30_000, 'the uplink reporting that it cannot store a scan');
    expect(uplink.stderrText()).toMatch(/ENOSPC|no space/i);
    const receiptedWhileFull = new Set(gw.receipts().map((r) => r.scanId));
    expect(blocked.filter((b) => !receiptedWhileFull.has(b.scanId)).length).toBeGreaterThan(0);

    await rm(join(dataDir, 'filler'));
    // Only a scan receipted before there was room again can have had its retire record refused.
    const receiptedBeforeRoom = new Set(gw.receipts().map((r) => r.scanId));
    await waitUntil(() => blocked.every((b) => gw.receipts().some((r) => r.scanId === b.scanId)), 60_000, 'a receipt for every scan refused while the disk was full');
    expect(gw.receipts().filter((r) => r.status !== 'accepted')).toEqual([]);
    for (const { scanId } of [before, ...blocked]) expect(national.store.getScan(scanId)).not.toBeNull();
    // A retire record refused by the full disk leaves its scan in the journal file (the outbox has
    // already forgotten it): after a restart it goes again and comes back a duplicate. Nothing else stays.
    // A receipt goes out before its scan's retire record is written: wait for the retires.
    const unexplained = (ids: Set<string>) => [...ids].filter((id) => !receiptedBeforeRoom.has(id));
    let left = await pendingInJournal(dataDir);
    for (let i = 0; i < 300 && unexplained(left).length > 0; i++) {
      await new Promise((r) => setTimeout(r, 100));
      left = await pendingInJournal(dataDir);
    }
    for (const id of left) expect(national.store.getScan(id)).not.toBeNull();
    expect(unexplained(left)).toEqual([]);
  }, 180_000);

  it('a receipt the broker refuses is published again: the gateway gets it, and the journal empties', async () => {
    // The broker refuses the uplink's first receipt publish (and so closes its connection), as a
    // broker restarting or an ACL reload would; every later one is allowed.
    let refusedReceipts = 0;
    const flakyAcl: Acl = {
      ...gatewayAcl,
      authorizePublish(identity, topic) {
        if (identity.kind === 'uplink' && topic.endsWith('/receipt') && refusedReceipts === 0) {
          refusedReceipts++;
          return false;
        }
        return gatewayAcl.authorizePublish(identity, topic);
      },
    };
    const broker = await startSecureTestBroker({ logger, acl: flakyAcl });
    cleanups.push(() => broker.close());
    const national = await startNational(join(dir, 'receipt.sqlite'), 0);
    cleanups.push(() => national.close());
    const dataDir = join(dir, 'receipt');
    const gw = await gateway(broker.url);
    await startUplink(broker.url, national.url, dataDir);

    const scan = scanEvent('RECEIPT-1');
    await gw.publish(scan.bytes);
    await waitUntil(() => gw.receipts().some((r) => r.scanId === scan.scanId), 60_000, 'the receipt, published again after the refusal');
    expect(refusedReceipts).toBe(1);
    expect(gw.receipts().filter((r) => r.scanId === scan.scanId).map((r) => r.status)).toContain('accepted');
    expect(national.store.getScan(scan.scanId)).not.toBeNull();
    await journalEmptied(dataDir);
  }, 180_000);
});

/** Resolves once the uplink's journal holds no pending scan. */
async function journalEmptied(dataDir: string): Promise<void> {
  let left = -1;
  await waitUntil(() => left === 0, 30_000, 'the journal emptied', (notify) => {
    void pendingInJournal(dataDir).then((p) => {
      left = p.size;
      setTimeout(notify, 50);
    });
  });
}

/** The scan ids the uplink's journal holds and has not retired, read from its segment files. */
async function pendingInJournal(dataDir: string): Promise<Set<string>> {
  const outbox = join(dataDir, 'outbox');
  const pending = new Set<string>();
  for (const file of (await readdir(outbox)).filter((f) => f.endsWith('.journal')).sort()) {
    const bytes = await readFile(join(outbox, file)).catch(() => Buffer.alloc(0)); // compacted meanwhile
    for (const { record: r } of decodeRecords(bytes, JOURNAL_MAGIC_BYTES).records) {
      if (r.type === 'append') pending.add(r.id);
      else if (r.type === 'retire') pending.delete(r.id);
    }
  }
  return pending;
}
