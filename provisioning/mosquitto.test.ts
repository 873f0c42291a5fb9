// The generated Mosquitto configuration and ACL against a real Mosquitto over real TLS, with
// certificates from provisioning's PKI: a gateway may publish only its own scans and read only its own
// receipts; plain TCP, a foreign CA's certificate and a missing certificate are refused.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, type MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { receiptTopic, scanTopic } from '../protocol/topics.ts';
import { findMosquitto, startMosquitto, type Mosquitto } from '../gateway/broker/mosquitto-test-support.ts';
import { collect, GW_A, GW_B, UPLINK } from '../gateway/broker/test-support.ts';
import { MAX_MESSAGE_BYTES } from '../protocol/wire.ts';
import { TLS_1_2_CIPHERS } from '../protocol/tls-policy.ts';
import { BROKER_LIMITS, mosquittoAcl, mosquittoConf } from './mosquitto.ts';
import { createSiteCa, issueCertificate } from './pki.ts';
import { expectTlsPolicy, OPENSSL } from './s-client-test-support.ts';

const binary = findMosquitto();
const A = { site: GW_A.site, theatre: GW_A.theatre, gateway: GW_A.gateway };
const B = { site: GW_B.site, theatre: GW_B.theatre, gateway: GW_B.gateway };

describe('Mosquitto ACL text', () => {
  it('gives each identity exactly its rules', () => {
    const acl = mosquittoAcl([GW_A, UPLINK]);
    expect(acl).toContain(`user ${GW_A.gateway}\ntopic write ${scanTopic(A)}\n`);
    expect(acl).toContain(`topic read ${receiptTopic(A)}\n`);
    expect(acl).toContain(`user ${UPLINK.id}\ntopic write implant/v1/${UPLINK.site}/+/+/receipt\ntopic read implant/v1/${UPLINK.site}/+/+/scan\n`);
    expect(acl).not.toMatch(/#\s*$|topic \w+ #|implant\/v1\/#/m);
  });

  it('an observer reads its site\'s scans and states and writes nothing', () => {
    const acl = mosquittoAcl([{ kind: 'observer', site: GW_A.site, id: 'watch-it' }]);
    expect(acl).toContain(`user watch-it\ntopic read implant/v1/${GW_A.site}/+/+/scan\ntopic read implant/v1/${GW_A.site}/+/+/state\n`);
    expect(acl).not.toMatch(/write/);
  });

  it('the configuration names the AEAD-only TLS 1.2 suites and every bound', () => {
    const conf = mosquittoConf({ port: 8883, tls: { caFile: 'ca', certFile: 'c', keyFile: 'k' }, aclFile: 'acl', persistenceDir: '/p' });
    expect(conf).toContain(`ciphers ${TLS_1_2_CIPHERS}\n`);
    expect(TLS_1_2_CIPHERS.split(':').every((c) => c.startsWith('ECDHE-') && /GCM|CHACHA20/.test(c))).toBe(true);
    for (const [k, v] of Object.entries(BROKER_LIMITS)) expect(conf).toContain(`\n${k} ${v}\n`);
  });

  it('refuses ids that could widen a rule, and duplicate usernames', () => {
    expect(() => mosquittoAcl([{ ...GW_A, gateway: '+' }])).toThrow(/gateway must match/);
    expect(() => mosquittoAcl([{ ...GW_A, site: 'a/#' }])).toThrow(/site must match/);
    expect(() => mosquittoAcl([GW_A, { ...GW_B, gateway: GW_A.gateway }])).toThrow(/appears twice/);
    expect(() => mosquittoConf({ port: 8883, tls: { caFile: 'a b', certFile: 'c', keyFile: 'k' }, aclFile: 'acl', persistenceDir: '/p' })).toThrow(/caFile/);
  });
});

describe.skipIf(binary === null)('a TLS Mosquitto with the generated configuration', () => {
  let dir: string;
  let mosquitto: Mosquitto;
  let url: string;
  const pem: Record<string, Buffer> = {};
  const clients: MqttClient[] = [];
  /** Writes name.pem and name.key for Mosquitto to read, and keeps them for the clients. */
  const keep = async (name: string, made: { certPem: string; keyPem: string }) => {
    pem[`${name}.pem`] = Buffer.from(made.certPem);
    pem[`${name}.key`] = Buffer.from(made.keyPem);
    await writeFile(join(dir, `${name}.pem`), made.certPem);
    await writeFile(join(dir, `${name}.key`), made.keyPem);
  };

  /** Connects with a client certificate; resolves with the client or rejects with the refusal. */
  function client(name: string | null, options: { url?: string; caName?: string } = {}): Promise<MqttClient> {
    return new Promise((resolve, reject) => {
      const c = connect(options.url ?? url, {
        protocolVersion: 4,
        reconnectPeriod: 0,
        connectTimeout: 5000,
        clean: true,
        ca: pem['site-ca.pem'],
        ...(name ? { cert: pem[`${name}.pem`], key: pem[`${name}.key`] } : {}),
        servername: 'localhost',
      });
      clients.push(c);
      c.once('connect', () => resolve(c));
      c.once('error', (e) => reject(e));
      c.once('close', () => reject(new Error('closed before CONNACK')));
    });
  }

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'provision-mosquitto-'));
    const site = await createSiteCa({ site: GW_A.site, validDays: 30 });
    const foreign = await createSiteCa({ site: GW_A.site, validDays: 30 });
    await keep('site-ca', site);
    await keep('broker', await issueCertificate(site, { kind: 'broker', site: GW_A.site, dnsNames: ['localhost'], ipAddresses: ['127.0.0.1'] }, { validDays: 7 }));
    await keep('gw-a', await issueCertificate(site, GW_A, { validDays: 7 }));
    await keep('gw-b', await issueCertificate(site, GW_B, { validDays: 7 }));
    await keep('uplink', await issueCertificate(site, UPLINK, { validDays: 7 }));
    await keep('gw-a-foreign', await issueCertificate(foreign, GW_A, { validDays: 7 }));
    await writeFile(join(dir, 'acl'), mosquittoAcl([GW_A, GW_B, UPLINK]));
    mosquitto = await startMosquitto(binary!, (port) => {
      url = `mqtts://127.0.0.1:${port}`;
      const conf = mosquittoConf({
        port,
        bindAddress: '127.0.0.1',
        tls: { caFile: join(dir, 'site-ca.pem'), certFile: join(dir, 'broker.pem'), keyFile: join(dir, 'broker.key') },
        aclFile: join(dir, 'acl'),
        persistenceDir: join(dir, 'persistence'),
      });
      // Started as root here, Mosquitto would switch to its own user, who cannot read this test's
      // temp dir; under systemd it runs as that user with the files made readable for it.
      return `${conf}user root\n`;
    });
  });
  afterAll(async () => {
    for (const c of clients) c.end(true);
    await mosquitto?.dispose();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('a gateway publishes its own scans to the uplink; publishing as another gateway goes nowhere', async () => {
    const uplink = await client('uplink');
    const seen = collect(uplink);
    await uplink.subscribeAsync(`implant/v1/${UPLINK.site}/+/+/scan`, { qos: 1 });
    const gwA = await client('gw-a');
    await gwA.publishAsync(scanTopic(B), 'forged as B', { qos: 1 });
    await gwA.publishAsync(scanTopic(A), 'from A', { qos: 1 });
    // In order from one publisher: "from A" came after the forged one, which was dropped.
    await seen.waitFor(1);
    expect(seen.messages.map((m) => [m.topic, m.payload.toString()])).toEqual([[scanTopic(A), 'from A']]);
  });

  it("a gateway cannot read another gateway's receipts, only its own", async () => {
    const gwA = await client('gw-a');
    const got = collect(gwA);
    const granted = await gwA.subscribeAsync([receiptTopic(B), receiptTopic(A)], { qos: 1 });
    const uplink = await client('uplink');
    await uplink.publishAsync(receiptTopic(B), 'for B', { qos: 1 });
    await uplink.publishAsync(receiptTopic(A), 'for A', { qos: 1 });
    // In order from one publisher: a wrongly delivered "for B" would have come before "for A".
    await got.waitFor(1);
    expect(got.messages.map((m) => m.payload.toString())).toEqual(['for A']);
    expect(granted.find((g) => g.topic === receiptTopic(A))?.qos).toBe(1);
  });

  it('refuses plain TCP, a missing certificate and a foreign CA’s certificate, each for its reason', async () => {
    // Plain MQTT is no TLS ClientHello: Mosquitto drops the connection without a CONNACK.
    await expect(client(null, { url: url.replace('mqtts:', 'mqtt:') })).rejects.toThrow(/^closed before CONNACK$|ECONNRESET/);
    await expect(client(null)).rejects.toMatchObject({ code: 'ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED' });
    await expect(client('gw-a-foreign')).rejects.toMatchObject({ code: 'ERR_SSL_TLSV1_ALERT_UNKNOWN_CA' });
    // The control: the site's own certificate, same broker, same options.
    expect((await client('gw-a')).connected).toBe(true);
  });

  it.skipIf(OPENSSL === null)('TLS 1.2 negotiates an ECDHE AEAD suite and refuses a CBC-SHA1 one; TLS 1.1 refused, TLS 1.3 works (openssl s_client)', async () => {
    await expectTlsPolicy({ port: new URL(url).port, caFile: join(dir, 'site-ca.pem'), certFile: join(dir, 'gw-a.pem'), keyFile: join(dir, 'gw-a.key') });
  });

  it('max_packet_size: the largest message the protocol decodes goes through; a bigger one disconnects its sender', async () => {
    const uplink = await client('uplink');
    const seen = collect(uplink);
    await uplink.subscribeAsync(`implant/v1/${UPLINK.site}/+/+/scan`, { qos: 1 });
    const gwA = await client('gw-a');
    await gwA.publishAsync(scanTopic(A), Buffer.alloc(MAX_MESSAGE_BYTES, 1), { qos: 1 });
    await seen.waitFor(1);
    expect(seen.messages[0]!.payload.length).toBe(MAX_MESSAGE_BYTES);
    const closed = new Promise<void>((resolve) => gwA.once('close', () => resolve()));
    gwA.publish(scanTopic(A), Buffer.alloc(BROKER_LIMITS.max_packet_size + 1, 1), { qos: 1 });
    await closed;
    expect(seen.messages).toHaveLength(1);
  });
});
