// `implant-scan broker --tls-cert … --tls-key … --tls-ca …` with the bundles `implant-scan
// provision` makes: the certificate is the identity, the gateway ACL applies, a foreign CA's
// certificate is refused.
import { PassThrough, Readable } from 'node:stream';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, type MqttClient } from 'mqtt';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { runBroker } from '../cli/broker.ts';
import { collect, waitUntil, within } from '../gateway/broker/test-support.ts';
import { provisionFleet } from './fleet.ts';
import { createSiteCa, importCa } from './pki.ts';

let dir: string;
let url: string;
let stop: () => void;
let code: Promise<number>;
const clients: MqttClient[] = [];
let log = '';
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
    await provisionFleet({ ca: await importCa(made.certPem, made.keyPem), site, theatres: [{ theatre: 'or-7', gateway: 'gw-or7' }], broker: { url: 'mqtts://127.0.0.1:8883', dnsNames: ['localhost'], ipAddresses: ['127.0.0.1'] }, uplinks: [`uplink-${site}`], out: join(dir, out), validDays: 7 });
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
  const argv = ['--host', '127.0.0.1', '--port', '0', '--tls-cert', join(b, 'broker.pem'), '--tls-key', join(b, 'broker.key'), '--tls-ca', join(b, 'ca.pem'), '--log-level', 'warn'];
  const stderr = new PassThrough();
  stderr.on('data', (d: Buffer) => (log += d.toString()));
  code = runBroker(argv, { stdin: Readable.from([]), stdout, stderr, signal: controller.signal });
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

async function client(bundle: string, name: string, clientId: string): Promise<MqttClient> {
  const tls = { ca: await readFile(join(dir, 'bundles', 'broker', 'ca.pem')), cert: await readFile(join(bundle, `${name}.pem`)), key: await readFile(join(bundle, `${name}.key`)) };
  return new Promise((resolve, reject) => {
    const c = connect(url, { protocolVersion: 4, reconnectPeriod: 0, clean: true, clientId, connectTimeout: 5000, ...tls });
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
