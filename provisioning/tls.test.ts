// End to end with node:tls: a listener holding a provisioned broker certificate and asking for client
// certificates accepts a gateway of its site CA (and names it by identityFromPeerCertificate), and
// refuses a foreign CA's, an expired and a revoked one.
//   npx vitest run provisioning/tls.test.ts

import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { connect, createServer, type Server, type TLSSocket } from 'node:tls';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createCrl, createSiteCa, importCa, issueCertificate, type LoadedCa } from './pki.ts';
import { identityFromPeerCertificate } from './subject.ts';

const GW = { kind: 'gateway', site: 'sahlgrenska', theatre: 'or-3', gateway: 'gw-or3' } as const;

describe('a TLS listener with provisioned certificates', () => {
  let ca: LoadedCa;
  /** Like the broker's listener: rejectUnauthorized. */
  let strict: Server;
  /** Lets everyone finish the handshake and says why it would refuse them (the reason the strict one does not give). */
  let probe: Server;

  const listen = async (server: Server) => {
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    return (server.address() as AddressInfo).port;
  };
  let ports: { strict: number; probe: number };
  let good: { certPem: string; keyPem: string };

  beforeAll(async () => {
    ca = await importCa(...(Object.values(await createSiteCa({ site: 'sahlgrenska', validDays: 30 })) as [string, string]));
    const broker = await issueCertificate(ca, { kind: 'broker', site: 'sahlgrenska', dnsNames: ['broker.local'], ipAddresses: ['127.0.0.1'] }, { validDays: 2 });
    const revoked = await issueCertificate(ca, { ...GW, gateway: 'gw-revoked' }, { validDays: 2, serialNumber: '7e57' });
    const crl = await createCrl(ca, [{ serialHex: revoked.serialHex, revokedAt: new Date() }], { nextUpdateDays: 1 });
    const options = { cert: broker.certPem, key: broker.keyPem, ca: ca.certPem, crl, requestCert: true, minVersion: 'TLSv1.2' as const };
    const report = (socket: TLSSocket) =>
      socket.end(JSON.stringify({ authorized: socket.authorized, error: socket.authorizationError ?? null, identity: identityFromPeerCertificate(socket.getPeerCertificate()) }));
    strict = createServer({ ...options, rejectUnauthorized: true }, report);
    probe = createServer({ ...options, rejectUnauthorized: false }, report);
    ports = { strict: await listen(strict), probe: await listen(probe) };
    good = await issueCertificate(ca, GW, { validDays: 2 });
  });
  afterAll(async () => {
    await Promise.all([strict, probe].map((s) => new Promise<void>((done) => s.close(() => done()))));
  });

  /** What a listener said to this client (JSON), or that it cut the client off. */
  const talk = (port: number, client: { certPem: string; keyPem: string }) =>
    new Promise<{ authorized: boolean; error: string | null; identity: unknown } | { cutOff: true }>((resolve) => {
      // host 127.0.0.1: the client checks the broker certificate's IP address SAN against the site CA
      const socket: TLSSocket = connect({ host: '127.0.0.1', port, ca: ca.certPem, cert: client.certPem, key: client.keyPem });
      let said = '';
      socket.setEncoding('utf8');
      socket.on('data', (d: string) => (said += d));
      socket.on('error', () => {});
      socket.on('close', () => resolve(said === '' ? { cutOff: true } : JSON.parse(said)));
    });

  /**
   * Cut off by the strict listener (node sends no alert, and tells nobody why), refused for
   * `reason` by the probe, which has the same CA, CRL and certificate; the control: a good gateway
   * certificate, on the same strict listener, is accepted.
   */
  const expectRefused = async (client: { certPem: string; keyPem: string }, reason: string) => {
    expect(await talk(ports.strict, client)).toEqual({ cutOff: true });
    expect(await talk(ports.probe, client)).toMatchObject({ authorized: false, error: reason });
    expect(await talk(ports.strict, good)).toMatchObject({ authorized: true, error: null });
  };

  test('accepts a gateway of the site CA, and the listener names it from the subject', async () => {
    const gw = await issueCertificate(ca, GW, { validDays: 2 });
    expect(await talk(ports.strict, gw)).toEqual({ authorized: true, error: null, identity: GW });
  });

  test('refuses a gateway certificate of another CA, even with the same subject', async () => {
    const foreign = await createSiteCa({ site: 'sahlgrenska', validDays: 30 });
    await expectRefused(await issueCertificate(foreign, GW, { validDays: 2 }), 'UNABLE_TO_VERIFY_LEAF_SIGNATURE');
  });

  test('refuses an expired gateway certificate', async () => {
    await expectRefused(await issueCertificate(ca, GW, { validDays: 1, notBefore: new Date(Date.now() - 3 * 86_400_000) }), 'CERT_HAS_EXPIRED');
  });

  test('refuses a revoked gateway certificate (by the listener’s CRL)', async () => {
    await expectRefused(await issueCertificate(ca, { ...GW, gateway: 'gw-revoked' }, { validDays: 2, serialNumber: '7e57' }), 'CERT_REVOKED');
  });

  test('refuses a broker certificate used as a client (serverAuth only)', async () => {
    const other = await issueCertificate(ca, { kind: 'broker', site: 'sahlgrenska', dnsNames: ['other.local'] }, { validDays: 2 });
    await expectRefused(other, 'INVALID_PURPOSE');
  });
});
