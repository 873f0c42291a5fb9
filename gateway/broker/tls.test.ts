// The TLS listener and the client-certificate hook, with real X.509 made by openssl for the
// test: a site CA, a broker certificate, gateway certificates whose subject names the gateway
// (O = site, OU = theatre, CN = gateway: an example mapping; provisioning decides the real one).

import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { PeerCertificate } from 'node:tls';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { scanTopic } from '../../protocol/topics.ts';
import { next, openLinkA, scanOfA } from '../mqtt/test-support.ts';
import { gatewayAcl } from './acl.ts';
import { certificateAuthenticator } from './auth.ts';
import { parseIdentity, type ClientIdentity } from './identity.ts';
import { startBroker, type RunningBroker } from './server.ts';
import { GW_A, GW_B, capturedLog, connectClient, endClient, waitUntil, within } from './test-support.ts';

const openssl = ['/usr/bin/openssl', '/usr/local/bin/openssl'].find((p) => existsSync(p)) ?? null;

/** The example subject mapping: O = site, OU = theatre, CN = gateway id. */
function gatewayFromSubject(cert: PeerCertificate): ClientIdentity | null {
  const s = cert.subject;
  return parseIdentity({ kind: 'gateway', site: s.O, theatre: s.OU, gateway: s.CN });
}

/** The broker's log, to read the reason of a refusal that reaches the client as a bare close. */
const { logger, lines: logLines } = capturedLog();
const handshakeRefusals = (): unknown[] => logLines.filter((l) => l.msg === 'broker: TLS handshake refused').map((l) => l.authorizationError ?? l.code);

describe.skipIf(openssl === null)('TLS listener with client certificates', () => {
  let dir: string;
  let broker: RunningBroker;
  const pem: Record<string, Buffer> = {};
  const run = (...args: string[]) => execFileSync(openssl!, args, { cwd: dir, stdio: 'pipe' });
  const key = (name: string) => run('ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', `${name}.key`);
  const ca = (name: string) => {
    key(name);
    run('req', '-x509', '-new', '-key', `${name}.key`, '-out', `${name}.pem`, '-subj', `/CN=${name}`, '-days', '2');
  };
  const issue = async (name: string, subject: string, caName: string, ext: string) => {
    key(name);
    run('req', '-new', '-key', `${name}.key`, '-out', `${name}.csr`, '-subj', subject);
    await writeFile(join(dir, `${name}.ext`), ext);
    run('x509', '-req', '-in', `${name}.csr`, '-CA', `${caName}.pem`, '-CAkey', `${caName}.key`, '-CAcreateserial', '-out', `${name}.pem`, '-days', '2', '-extfile', `${name}.ext`);
  };

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'broker-tls-'));
    ca('site-ca');
    ca('foreign-ca');
    await issue('broker', '/CN=localhost', 'site-ca', 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n');
    await issue('gw-a', `/O=${GW_A.site}/OU=${GW_A.theatre}/CN=${GW_A.gateway}`, 'site-ca', 'extendedKeyUsage=clientAuth\n');
    await issue('gw-a-foreign', `/O=${GW_A.site}/OU=${GW_A.theatre}/CN=${GW_A.gateway}`, 'foreign-ca', 'extendedKeyUsage=clientAuth\n');
    for (const name of ['site-ca', 'broker', 'gw-a', 'gw-a-foreign']) {
      pem[`${name}.pem`] = await readFile(join(dir, `${name}.pem`));
      pem[`${name}.key`] = await readFile(join(dir, `${name}.key`));
    }
    broker = await startBroker({
      port: 0,
      tls: { key: pem['broker.key']!, cert: pem['broker.pem']!, ca: pem['site-ca.pem']! },
      authenticate: certificateAuthenticator(gatewayFromSubject),
      acl: gatewayAcl,
      logger,
    });
  });
  afterAll(async () => {
    await broker?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  test('a gateway’s certificate is its identity: its link comes online over mqtts and publishes its scans', async () => {
    expect(broker.url).toMatch(/^mqtts:\/\/127\.0\.0\.1:/);
    const link = await openLinkA(broker.url, {
      username: undefined,
      password: undefined,
      tls: { ca: pem['site-ca.pem']!, cert: pem['gw-a.pem']!, key: pem['gw-a.key']! },
    });
    try {
      await next(link, 'subscribed');
      await within(link.publishScan(scanOfA(1)), 10_000, 'the PUBACK');
    } finally {
      await link.close();
    }
  });

  test('the certificate’s identity is what the ACL sees: publishing as another gateway is refused', async () => {
    const denied = broker.stats.publishDenied;
    const c = await connectClient(broker.url, { clientId: GW_A.gateway, ca: pem['site-ca.pem']!, cert: pem['gw-a.pem']!, key: pem['gw-a.key']! });
    const closed = new Promise<void>((resolve) => c.once('close', () => resolve()));
    c.publish(scanTopic(GW_B), Buffer.from([1]), { qos: 1 });
    await within(closed, 10_000, 'the refused publisher to be disconnected');
    expect(broker.stats.publishDenied).toBe(denied + 1);
    await endClient(c);
  });

  test('no client certificate, or one from a foreign CA: refused at the TLS handshake with the alert that says so; the site’s certificate gets in', async () => {
    const withCa = { clientId: GW_A.gateway, ca: pem['site-ca.pem']! };
    await expect(connectClient(broker.url, withCa)).rejects.toMatchObject({ code: 'ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED' });
    // A foreign CA's certificate: Node closes after the handshake without an alert; the reason is the broker's.
    const before = handshakeRefusals().length;
    await expect(connectClient(broker.url, { ...withCa, cert: pem['gw-a-foreign.pem']!, key: pem['gw-a-foreign.key']! })).rejects.toThrow(/connection closed before CONNACK|ECONNRESET/);
    await waitUntil(() => handshakeRefusals().length > before, 10_000, 'the broker to log the refusal');
    expect(handshakeRefusals().slice(before)).toEqual(['UNABLE_TO_VERIFY_LEAF_SIGNATURE']);
    // Plain TCP to the TLS port never gets a CONNACK: the broker's TLS layer drops the plaintext.
    await expect(connectClient(broker.url.replace('mqtts:', 'mqtt:'), { clientId: GW_A.gateway, connectTimeout: 1000 })).rejects.toThrow(/connection closed before CONNACK|connack timeout|ECONNRESET/);
    // control, same broker, same moment: the site's certificate is admitted
    const control = await connectClient(broker.url, { ...withCa, cert: pem['gw-a.pem']!, key: pem['gw-a.key']! });
    expect(control.connected).toBe(true);
    await endClient(control);
  });
});
