// `implant-scan broker --tls-cert … --tls-key … --tls-ca …` with the bundles `implant-scan
// provision` makes: the certificate is the identity, the gateway ACL applies, a foreign CA's
// certificate is refused.
import { PassThrough, Readable } from 'node:stream';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, type MqttClient } from 'mqtt';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { runBroker } from '../cli/broker.ts';
import { collect, waitUntil, within } from '../gateway/broker/test-support.ts';
import { type IssuedRecord, provisionFleet } from './fleet.ts';
import { createCrl, createSiteCa, importCa, type LoadedCa } from './pki.ts';
import { expectTlsPolicy, OPENSSL } from './s-client-test-support.ts';

let dir: string;
let url: string;
let stop: () => void;
let code: Promise<number>;
const clients: MqttClient[] = [];
let log = '';
let siteCa: LoadedCa;
let serials: IssuedRecord[];
const reloadListeners: Array<() => void> = [];
/** What SIGHUP does to `implant-scan broker`. */
const reload = (): void => reloadListeners.forEach((l) => l());
/** The reasons the broker logged for refused TLS handshakes, in order. */
const handshakeRefusals = (): unknown[] =>
  log
    .split('\n')
    .filter((l) => l.includes('TLS handshake refused'))
    .map((l) => (JSON.parse(l) as { authorizationError: unknown }).authorizationError);

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'broker-cli-cert-'));
  for (const [site, out] of [['sahlgrenska', 'bundles'], ['sus-lund', 'foreign']] as const) {
    const made = await createSiteCa({ site, validDays: 30 });
    const ca = await importCa(made.certPem, made.keyPem);
    if (site === 'sahlgrenska') siteCa = ca;
    const fleet = await provisionFleet({ ca, site, theatres: [{ theatre: 'or-7', gateway: 'gw-or7' }], broker: { url: 'mqtts://127.0.0.1:8883', dnsNames: ['localhost'], ipAddresses: ['127.0.0.1'] }, uplinks: [`uplink-${site}`], observers: ['watch-it'], out: join(dir, out), validDays: 7 });
    if (site === 'sahlgrenska') serials = fleet.issued;
  }
  const b = join(dir, 'bundles', 'broker');
  const stdout = new PassThrough();
  const controller = new AbortController();
  stop = () => controller.abort();
  const ready = new Promise<{ brokerUrl: string; acl: string; tls: boolean }>((resolve) => {
    let out = '';
    stdout.on('data', (d: Buffer) => {
      out += d.toString();
      const line = out.split('\n').find((l) => l.startsWith('ready '));
      if (line) resolve(JSON.parse(line.slice(6)));
    });
  });
  const argv = ['--host', '127.0.0.1', '--port', '0', '--tls-cert', join(b, 'broker.pem'), '--tls-key', join(b, 'broker.key'), '--tls-ca', join(b, 'ca.pem'), '--tls-crl', join(b, 'crl.pem'), '--log-level', 'warn'];
  const stderr = new PassThrough();
  stderr.on('data', (d: Buffer) => (log += d.toString()));
  const onReload = (listener: () => void) => {
    reloadListeners.push(listener);
    return () => void reloadListeners.splice(reloadListeners.indexOf(listener), 1);
  };
  code = runBroker(argv, { stdin: Readable.from([]), stdout, stderr, signal: controller.signal, onReload });
  const r = await within(ready, 10_000, 'the ready line');
  expect(r).toMatchObject({ acl: 'gateway', tls: true });
  url = r.brokerUrl;
});
afterAll(async () => {
  for (const c of clients) c.end(true);
  stop();
  expect(await code).toBe(0);
  await rm(dir, { recursive: true, force: true });
});

async function client(bundle: string, name: string, clientId: string, clean = true): Promise<MqttClient> {
  const tls = { ca: await readFile(join(dir, 'bundles', 'broker', 'ca.pem')), cert: await readFile(join(bundle, `${name}.pem`)), key: await readFile(join(bundle, `${name}.key`)) };
  return new Promise((resolve, reject) => {
    const c = connect(url, { protocolVersion: 4, reconnectPeriod: 0, clean, clientId, connectTimeout: 5000, ...tls });
    clients.push(c);
    c.once('connect', () => resolve(c));
    c.once('error', reject);
    c.once('close', () => reject(new Error('closed before CONNACK')));
  });
}

test('a provisioned gateway connects with its certificate and its scans reach the uplink', async () => {
  const uplink = await client(join(dir, 'bundles', 'uplinks', 'uplink-sahlgrenska'), 'uplink', 'uplink-sahlgrenska');
  const seen = collect(uplink);
  await uplink.subscribeAsync('implant/v1/sahlgrenska/+/+/scan', { qos: 1 });
  const gw = await client(join(dir, 'bundles', 'gateways', 'gw-or7'), 'gateway', 'gw-or7');
  await gw.publishAsync('implant/v1/sahlgrenska/or-7/gw-or7/scan', 'scan', { qos: 1 });
  const [m] = await seen.waitFor(1);
  expect(m!.topic).toBe('implant/v1/sahlgrenska/or-7/gw-or7/scan');
});

test("another hospital's certificate is refused at the handshake, and a gateway may not take another's client id (CONNACK 5); its own bundle gets in", async () => {
  // A foreign CA's certificate: Node closes after the handshake without an alert; the broker logs why.
  await expect(client(join(dir, 'foreign', 'gateways', 'gw-or7'), 'gateway', 'gw-or7')).rejects.toThrow(/closed before CONNACK|ECONNRESET/);
  await waitUntil(() => handshakeRefusals().length > 0, 10_000, 'the broker to log the refusal');
  expect(handshakeRefusals()).toEqual(['UNABLE_TO_VERIFY_LEAF_SIGNATURE']);
  await expect(client(join(dir, 'bundles', 'gateways', 'gw-or7'), 'gateway', 'gw-or8')).rejects.toMatchObject({ code: 5 }); // not authorized
  // control, same broker: the gateway's own certificate with its own client id
  const own = await client(join(dir, 'bundles', 'gateways', 'gw-or7'), 'gateway', 'gw-or7');
  expect(own.connected).toBe(true);
});

test.skipIf(OPENSSL === null)('the TLS policy (openssl s_client): TLS 1.2 only with an ECDHE AEAD suite, a CBC-SHA1 one refused; TLS 1.1 refused; TLS 1.3 works', async () => {
  const g = join(dir, 'bundles', 'gateways', 'gw-or7');
  await expectTlsPolicy({ port: new URL(url).port, caFile: join(dir, 'bundles', 'broker', 'ca.pem'), certFile: join(g, 'gateway.pem'), keyFile: join(g, 'gateway.key') });
});

test("the observer's certificate watches the site's scans read-only, under its own client id: the uplink's session is untouched", async () => {
  const scan = 'implant/v1/sahlgrenska/or-7/gw-or7/scan';
  const uplink = await client(join(dir, 'bundles', 'uplinks', 'uplink-sahlgrenska'), 'uplink', 'uplink-sahlgrenska', false);
  let uplinkClosed = false;
  uplink.on('close', () => (uplinkClosed = true));
  const atUplink = collect(uplink);
  await uplink.subscribeAsync('implant/v1/sahlgrenska/+/+/scan', { qos: 1 });
  const bundle = join(dir, 'bundles', 'observers', 'watch-it');
  // The uplink's client id is not the observer's to take (CONNACK 5), so it cannot kick the uplink off.
  await expect(client(bundle, 'observer', 'uplink-sahlgrenska')).rejects.toMatchObject({ code: 5 });
  const observer = await client(bundle, 'observer', 'watch-it');
  const atObserver = collect(observer);
  const granted = await observer.subscribeAsync(['implant/v1/sahlgrenska/+/+/scan', 'implant/v1/sahlgrenska/+/+/state'], { qos: 1 });
  expect(granted.map((g) => g.qos)).toEqual([1, 1]);
  await expect(observer.subscribeAsync('implant/v1/sahlgrenska/+/+/receipt', { qos: 1 })).rejects.toThrow(/Subscribe error/); // SUBACK 0x80
  const gw = await client(join(dir, 'bundles', 'gateways', 'gw-or7'), 'gateway', 'gw-or7');
  await gw.publishAsync(scan, 'scan 1', { qos: 1 });
  expect((await atObserver.waitFor(1)).map((m) => m.payload.toString())).toEqual(['scan 1']);
  // A publish by the observer is refused: the broker closes its connection, nobody receives it.
  const observerClosed = new Promise<void>((resolve) => observer.once('close', () => resolve()));
  observer.publish(scan, 'forged by the observer', { qos: 1 });
  await within(observerClosed, 10_000, 'the observer to be disconnected for publishing');
  await gw.publishAsync(scan, 'scan 2', { qos: 1 });
  expect((await atUplink.waitFor(2)).map((m) => m.payload.toString())).toEqual(['scan 1', 'scan 2']);
  expect(uplinkClosed).toBe(false);
  expect(log).toMatch(/publish refused by the ACL/);
});

test('revocation bites: after a CRL naming a connected gateway and a reload (SIGHUP), it is disconnected within seconds and logged at warn; reconnecting is refused as CERT_REVOKED; the uplink stays', async () => {
  const uplink = await client(join(dir, 'bundles', 'uplinks', 'uplink-sahlgrenska'), 'uplink', 'uplink-sahlgrenska');
  const gw = await client(join(dir, 'bundles', 'gateways', 'gw-or7'), 'gateway', 'gw-or7');
  const gwClosed = new Promise<void>((resolve) => gw.once('close', () => resolve()));
  const serial = serials.find((r) => r.kind === 'gateway' && r.id === 'gw-or7')!.serialHex;
  await writeFile(join(dir, 'bundles', 'broker', 'crl.pem'), await createCrl(siteCa, [{ serialHex: serial, revokedAt: new Date() }], { nextUpdateDays: 30 }));
  reload();
  await within(gwClosed, 10_000, 'the revoked gateway to be disconnected');
  await waitUntil(() => log.includes('connected client refused after reload'), 10_000, 'the warn line');
  const line = JSON.parse(log.split('\n').find((l) => l.includes('connected client refused after reload'))!) as Record<string, unknown>;
  expect(line).toMatchObject({ level: 40, clientId: 'gw-or7', reason: 'certificate revoked' });

  const refusedBefore = handshakeRefusals().length;
  await expect(client(join(dir, 'bundles', 'gateways', 'gw-or7'), 'gateway', 'gw-or7')).rejects.toThrow(/closed before CONNACK|ECONNRESET/);
  await waitUntil(() => handshakeRefusals().length > refusedBefore, 10_000, 'the broker to log the refusal');
  expect(handshakeRefusals().slice(refusedBefore)).toEqual(['CERT_REVOKED']);
  // control, same broker, after the same reload: the uplink's certificate is not revoked, it stays up and is served
  expect(uplink.connected).toBe(true);
  await uplink.subscribeAsync('implant/v1/sahlgrenska/+/+/state', { qos: 1 });
});
