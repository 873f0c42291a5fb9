// `implant-scan national --tls-ca …` with the certificates `implant-scan provision` issues: an
// uplink is its client certificate (mutual TLS) and may send only its own hospital's scans; a
// gateway's certificate, or none, is not an uplink.
import { once } from 'node:events';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { createServer as createTlsServer, type TLSSocket } from 'node:tls';
import pino from 'pino';
import { MemoryBirthSeqStore } from '../gateway/mqtt/birth-seq-store.ts';
import { GatewayLink } from '../gateway/mqtt/link.ts';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { runNational } from '../cli/national.ts';
import { httpNationalClient, NationalError } from '../gateway/uplink/national-client.ts';
import { gs1Raw, HIP_STEM, scanEvent } from '../national/test-support.ts';
import { provisionFleet } from './fleet.ts';
import { createSiteCa, importCa } from './pki.ts';
import { expectTlsPolicy, OPENSSL } from './s-client-test-support.ts';

let dir: string;
let url: string;
let stop: () => void;
let exit: Promise<number>;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'national-mtls-'));
  const made = await createSiteCa({ site: 'sahlgrenska', validDays: 30 });
  await provisionFleet({ ca: await importCa(made.certPem, made.keyPem), site: 'sahlgrenska', theatres: [{ theatre: 'or-7', gateway: 'gw-or7' }], broker: { url: 'mqtts://127.0.0.1:8883', dnsNames: ['localhost'], ipAddresses: ['127.0.0.1'] }, uplinks: ['uplink-sahlgrenska'], out: dir, validDays: 7 });
  // The broker's certificate (serverAuth, 127.0.0.1) serves as the national service's here.
  const b = join(dir, 'broker');
  const stdout = new PassThrough();
  let out = '';
  stdout.on('data', (c) => (out += String(c)));
  const controller = new AbortController();
  stop = () => controller.abort();
  exit = runNational(['--port', '0', '--host', '127.0.0.1', '--db', join(dir, 'national.sqlite'), '--tls-cert', join(b, 'broker.pem'), '--tls-key', join(b, 'broker.key'), '--tls-ca', join(b, 'ca.pem'), '--log-level', 'silent'], { stdout, stderr: new PassThrough(), signal: controller.signal });
  for (let i = 0; i < 500 && !out.includes('ready '); i++) await new Promise((r) => setTimeout(r, 10));
  url = (JSON.parse(out.split('\n').find((l) => l.startsWith('ready '))!.slice(6)) as { nationalUrl: string }).nationalUrl;
});
afterAll(async () => {
  stop();
  expect(await exit).toBe(0);
  await rm(dir, { recursive: true, force: true });
});

const clientWith = async (bundle: string, name: string) =>
  httpNationalClient({ url, tls: { ca: await readFile(join(dir, 'broker', 'ca.pem')), cert: await readFile(join(dir, bundle, `${name}.pem`)), key: await readFile(join(dir, bundle, `${name}.key`)) } });

test("the uplink's certificate is its identity: its hospital's scans are stored, another hospital's refused", async () => {
  expect(url).toMatch(/^https:\/\/127\.0\.0\.1:/);
  const uplink = await clientWith('uplinks/uplink-sahlgrenska', 'uplink');
  const [own] = await uplink.sendBatch([scanEvent(gs1Raw(HIP_STEM), { site: 'sahlgrenska' })]);
  expect(own).toMatchObject({ status: 'accepted', orderCode: expect.any(String) });
  const [other] = await uplink.sendBatch([scanEvent(gs1Raw(HIP_STEM, 'LOT43'), { site: 'sus-lund', scanId: '019b76da-a800-7a3e-9c41-00000000beef' })]);
  expect(other?.messageCode).toBe('wrong-site');
});

test("a gateway's certificate is not an uplink's", async () => {
  const gateway = await clientWith('gateways/gw-or7', 'gateway');
  const refused = await gateway.sendBatch([scanEvent(gs1Raw(HIP_STEM, 'LOT44'), { site: 'sahlgrenska', scanId: '019b76da-a800-7a3e-9c41-00000000cafe' })]).catch((e: unknown) => e);
  expect(refused).toBeInstanceOf(NationalError);
  expect((refused as NationalError).status).toBe(401);
});

test.skipIf(OPENSSL === null)('the TLS policy (openssl s_client): TLS 1.2 only with an ECDHE AEAD suite, a CBC-SHA1 one refused; TLS 1.1 refused; TLS 1.3 works', async () => {
  const u = join(dir, 'uplinks', 'uplink-sahlgrenska');
  await expectTlsPolicy({ port: new URL(url).port, caFile: join(dir, 'broker', 'ca.pem'), certFile: join(u, 'uplink.pem'), keyFile: join(u, 'uplink.key') });
});

test("the uplink's national client keeps the policy too: it will not talk TLS 1.2 with a CBC-SHA1 suite, and does with an AEAD one", async () => {
  const b = join(dir, 'broker');
  const [cert, key] = [await readFile(join(b, 'broker.pem')), await readFile(join(b, 'broker.key'))];
  /** A server offering exactly `ciphers` in TLS 1.2: the suites it negotiated, the client's outcome. */
  const tryWith = async (ciphers: string) => {
    const negotiated: string[] = [];
    const server = createServer({ cert, key, ciphers, maxVersion: 'TLSv1.2' }, (_req, res) => res.writeHead(503).end());
    server.on('secureConnection', (socket: TLSSocket) => negotiated.push(socket.getCipher().name));
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    try {
      const c = httpNationalClient({ url: `https://localhost:${(server.address() as AddressInfo).port}/`, tls: { ca: await readFile(join(b, 'ca.pem')) } });
      const outcome = await c.sendBatch([scanEvent(gs1Raw(HIP_STEM), { site: 'sahlgrenska' })]).catch((e: unknown) => e as Error);
      return { negotiated, outcome };
    } finally {
      server.close();
    }
  };
  const cbc = await tryWith('ECDHE-ECDSA-AES128-SHA');
  expect(cbc.negotiated).toEqual([]);
  expect(String(cbc.outcome)).toMatch(/handshake failure|no shared cipher|EPROTO/i);
  const aead = await tryWith('ECDHE-ECDSA-AES128-GCM-SHA256');
  expect(aead.negotiated).toEqual(['ECDHE-ECDSA-AES128-GCM-SHA256']);
  expect((aead.outcome as NationalError).status).toBe(503);
});

test("the gateway's MQTT link keeps the policy too: no TLS 1.2 with a CBC-SHA1 suite, an AEAD one negotiated", async () => {
  const b = join(dir, 'broker');
  const g = join(dir, 'gateways', 'gw-or7');
  const [cert, key, ca] = [await readFile(join(b, 'broker.pem')), await readFile(join(b, 'broker.key')), await readFile(join(b, 'ca.pem'))];
  /** A TLS listener offering exactly `ciphers` in TLS 1.2 (no MQTT behind it): the suites negotiated. */
  const tryWith = async (ciphers: string) => {
    const negotiated: string[] = [];
    const server = createTlsServer({ cert, key, ciphers, maxVersion: 'TLSv1.2' }, (socket) => {
      negotiated.push(socket.getCipher().name);
      socket.destroy();
    });
    const refused = once(server, 'tlsClientError').then(() => true);
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const link = await GatewayLink.open({
      url: `mqtts://localhost:${(server.address() as AddressInfo).port}`,
      address: { site: 'sahlgrenska', theatre: 'or-7', gateway: 'gw-or7' },
      softwareVersion: '0.1.0+test',
      configHash: 'deadbeef',
      birthSeqStore: new MemoryBirthSeqStore(),
      logger: pino({ level: 'silent' }),
      tls: { ca, cert: await readFile(join(g, 'gateway.pem')), key: await readFile(join(g, 'gateway.key')) },
    });
    try {
      await Promise.race([refused, new Promise<void>((resolve) => server.once('secureConnection', () => resolve()))]);
      return negotiated;
    } finally {
      await link.close();
      server.close();
    }
  };
  expect(await tryWith('ECDHE-ECDSA-AES128-SHA')).toEqual([]);
  expect(await tryWith('ECDHE-ECDSA-AES128-GCM-SHA256')).toEqual(['ECDHE-ECDSA-AES128-GCM-SHA256']);
});
