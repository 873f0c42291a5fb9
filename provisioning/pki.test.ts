// pki.ts checked by the real openssl CLI: chains verify (and a foreign CA's do not), a CRL revokes,
// subjects read back as O/OU/CN, a CSR's key is the one certified, a hospital's own CA imports.
//   npx vitest run provisioning/pki.test.ts

import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { encryptPrivateKeyPem } from './keys.ts';
import { createCrl, createKeyAndCsr, createSiteCa, identityOf, importCa, issueCertificate, issueFromCsr, type CaPem, type LoadedCa } from './pki.ts';
import type { PeerCertificate } from 'node:tls';
import { identityFromPeerCertificate, identityFromSubject, RESERVED_OUS, subjectOf, type CertificateIdentity } from './subject.ts';

const openssl = ['/usr/bin/openssl', '/usr/local/bin/openssl'].find((p) => existsSync(p)) ?? null;

const GW = { kind: 'gateway', site: 'sahlgrenska', theatre: 'or-3', gateway: 'gw-or3' } as const;
const UPLINK = { kind: 'uplink', site: 'sahlgrenska', id: 'uplink-sahlgrenska' } as const;
const BROKER = { kind: 'broker', site: 'sahlgrenska', dnsNames: ['broker.sahlgrenska.local', 'broker'], ipAddresses: ['10.0.0.5'] } as const;

describe.skipIf(openssl === null)('pki checked by openssl', () => {
  let dir: string;
  let caPem: CaPem;
  let ca: LoadedCa;
  let foreign: LoadedCa;
  const file = (name: string, text: string) => (writeFileSync(join(dir, name), text), name);
  const ossl = (...args: string[]) => {
    const r = spawnSync(openssl!, args, { cwd: dir, encoding: 'utf8' });
    return { ok: r.status === 0, out: `${r.stdout}${r.stderr}` };
  };
  const verify = (certPem: string, ...extra: string[]) => ossl('verify', '-CAfile', 'ca.pem', ...extra, file('leaf.pem', certPem));

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'pki-test-'));
    caPem = await createSiteCa({ site: 'sahlgrenska', validDays: 30 });
    file('ca.pem', caPem.certPem);
    ca = await importCa(caPem.certPem, caPem.keyPem);
    foreign = await importCa(...Object.values(await createSiteCa({ site: 'sahlgrenska', validDays: 30 })) as [string, string]);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test('the site CA is a CA that may sign certificates and CRLs, and nothing below it may', () => {
    const r = ossl('x509', '-noout', '-subject', '-ext', 'basicConstraints,keyUsage', '-in', 'ca.pem');
    expect(r.out).toContain('subject=O = sahlgrenska, CN = Implant Scan site CA sahlgrenska');
    expect(r.out).toMatch(/critical\s+CA:TRUE, pathlen:0/);
    expect(r.out).toMatch(/Certificate Sign, CRL Sign/);
  });

  test('a gateway certificate verifies against the site CA as a TLS client, with O/OU/CN naming it', async () => {
    const gw = await issueCertificate(ca, GW, { validDays: 2 });
    expect(verify(gw.certPem, '-purpose', 'sslclient')).toMatchObject({ ok: true });
    expect(verify(gw.certPem, '-purpose', 'sslserver').ok).toBe(false);
    expect(ossl('x509', '-noout', '-subject', '-in', 'leaf.pem').out.trim()).toBe('subject=O = sahlgrenska, OU = or-3, CN = gw-or3');
    expect(ossl('x509', '-noout', '-serial', '-in', 'leaf.pem').out.trim().toLowerCase()).toBe(`serial=${gw.serialHex}`);
    expect(gw.serialHex).toMatch(/^[0-9a-f]{32}$/);
    // the key handed back is the certified one
    const certKey = ossl('x509', '-noout', '-pubkey', '-in', 'leaf.pem').out;
    expect(ossl('pkey', '-pubout', '-in', file('leaf.key', gw.keyPem)).out).toBe(certKey);
    expect(identityOf(gw.certPem)).toEqual(GW);
  });

  test('an uplink certificate: O = site, OU = uplink, CN = id', async () => {
    const up = await issueCertificate(caPem, UPLINK, { validDays: 2 });
    expect(verify(up.certPem, '-purpose', 'sslclient').ok).toBe(true);
    expect(ossl('x509', '-noout', '-subject', '-in', 'leaf.pem').out.trim()).toBe('subject=O = sahlgrenska, OU = uplink, CN = uplink-sahlgrenska');
    expect(identityOf(up.certPem)).toEqual(UPLINK);
  });

  test('an observer certificate: O = site, OU = observer, CN = id; the embedded broker reads it as the observer', async () => {
    const OBSERVER = { kind: 'observer', site: 'sahlgrenska', id: 'watch-it' } as const;
    const o = await issueCertificate(ca, OBSERVER, { validDays: 2 });
    expect(verify(o.certPem, '-purpose', 'sslclient').ok).toBe(true);
    expect(ossl('x509', '-noout', '-subject', '-in', 'leaf.pem').out.trim()).toBe('subject=O = sahlgrenska, OU = observer, CN = watch-it');
    expect(identityOf(o.certPem)).toEqual(OBSERVER);
    // Never a gateway of theatre "observer" (which could publish scans): the read-only observer.
    expect(identityFromSubject({ O: 'sahlgrenska', OU: 'observer', CN: 'watch-it' })).toEqual(OBSERVER);
  });

  test('an encrypted CA key (PKCS#8, AES-256) is what openssl reads with the passphrase, and imports with it only', async () => {
    const encrypted = encryptPrivateKeyPem(caPem.keyPem, 'correct horse battery staple');
    expect(encrypted).toMatch(/^-----BEGIN ENCRYPTED PRIVATE KEY-----/);
    expect(ossl('pkey', '-in', file('enc.key', encrypted), '-passin', 'pass:correct horse battery staple', '-pubout').ok).toBe(true);
    expect(ossl('pkey', '-in', 'enc.key', '-passin', 'pass:wrong passphrase!', '-pubout').ok).toBe(false);
    await expect(importCa(caPem.certPem, encrypted)).rejects.toThrow(/the key is encrypted: give its passphrase/);
    await expect(importCa(caPem.certPem, encrypted, { passphrase: 'wrong passphrase!' })).rejects.toThrow(/not a readable private key/);
    const loaded = await importCa(caPem.certPem, encrypted, { passphrase: 'correct horse battery staple' });
    expect(verify((await issueCertificate(loaded, GW, { validDays: 1 })).certPem).ok).toBe(true);
    expect(() => encryptPrivateKeyPem(caPem.keyPem, 'short')).toThrow(/at least 12/);
  });

  test('a broker certificate is a TLS server for its DNS names and addresses, not a client', async () => {
    const b = await issueCertificate(ca, BROKER, { validDays: 2 });
    expect(verify(b.certPem, '-purpose', 'sslserver').ok).toBe(true);
    expect(verify(b.certPem, '-purpose', 'sslclient').ok).toBe(false);
    expect(verify(b.certPem, '-verify_hostname', 'broker').ok).toBe(true);
    expect(verify(b.certPem, '-verify_ip', '10.0.0.5').ok).toBe(true);
    expect(verify(b.certPem, '-verify_hostname', 'elsewhere.local').ok).toBe(false);
    expect(ossl('x509', '-noout', '-subject', '-in', 'leaf.pem').out.trim()).toBe('subject=O = sahlgrenska, CN = broker.sahlgrenska.local');
    expect(identityOf(b.certPem)).toEqual(BROKER);
  });

  test('a certificate from another CA does not verify', async () => {
    const stranger = await issueCertificate(foreign, GW, { validDays: 2 });
    const r = verify(stranger.certPem);
    expect(r.ok).toBe(false);
    expect(r.out).toMatch(/unable to get local issuer certificate/);
  });

  test('an expired certificate does not verify', async () => {
    const old = await issueCertificate(ca, GW, { validDays: 1, notBefore: new Date(Date.now() - 3 * 86_400_000) });
    const r = verify(old.certPem);
    expect(r.ok).toBe(false);
    expect(r.out).toMatch(/certificate has expired/);
  });

  test('the CRL revokes the listed certificate and no other', async () => {
    const revoked = await issueCertificate(ca, GW, { validDays: 2 });
    const kept = await issueCertificate(ca, { ...GW, gateway: 'gw-or3-new' }, { validDays: 2, serialNumber: '0a0b0c' });
    expect(kept.serialHex).toBe('0a0b0c');
    file('crl.pem', await createCrl(ca, [{ serialHex: revoked.serialHex, revokedAt: new Date() }], { nextUpdateDays: 7 }));
    expect(ossl('crl', '-noout', '-verify', '-CAfile', 'ca.pem', '-in', 'crl.pem').out).toMatch(/verify OK/);
    const r = verify(revoked.certPem, '-crl_check', '-CRLfile', 'crl.pem');
    expect(r.ok).toBe(false);
    expect(r.out).toMatch(/certificate revoked/);
    expect(verify(kept.certPem, '-crl_check', '-CRLfile', 'crl.pem').ok).toBe(true);
    // a CRL signed by another CA does not count
    file('foreign-crl.pem', await createCrl(foreign, [{ serialHex: kept.serialHex, revokedAt: new Date() }], { nextUpdateDays: 7 }));
    expect(verify(kept.certPem, '-crl_check', '-CRLfile', 'foreign-crl.pem').ok).toBe(false);
  });

  describe('a key made on the device', () => {
    test('the certificate issued from its CSR certifies the CSR key', async () => {
      const device = await createKeyAndCsr(GW);
      expect(ossl('req', '-noout', '-verify', '-in', file('gw.csr', device.csrPem)).out).toMatch(/verify OK/);
      const issued = await issueFromCsr(ca, device.csrPem, GW, { validDays: 2 });
      expect(issued).not.toHaveProperty('keyPem');
      expect(verify(issued.certPem, '-purpose', 'sslclient').ok).toBe(true);
      const certKey = ossl('x509', '-noout', '-pubkey', '-in', 'leaf.pem').out;
      expect(certKey).toContain('BEGIN PUBLIC KEY');
      expect(ossl('req', '-noout', '-pubkey', '-in', 'gw.csr').out).toBe(certKey);
      expect(ossl('pkey', '-pubout', '-in', file('gw.key', device.keyPem)).out).toBe(certKey);
      expect(identityOf(issued.certPem)).toEqual(GW);
    });

    test("a CSR made by openssl on the device (the device's own tooling) is accepted", async () => {
      ossl('ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', 'dev.key');
      expect(ossl('req', '-new', '-key', 'dev.key', '-out', 'dev.csr', '-subj', '/O=sahlgrenska/OU=uplink/CN=uplink-sahlgrenska').ok).toBe(true);
      const issued = await issueFromCsr(ca, readFileSync(join(dir, 'dev.csr'), 'utf8'), UPLINK, { validDays: 2 });
      expect(verify(issued.certPem).ok).toBe(true);
      expect(ossl('x509', '-noout', '-pubkey', '-in', 'leaf.pem').out).toBe(ossl('pkey', '-pubout', '-in', 'dev.key').out);
    });

    test('a tampered CSR or one for another identity is refused', async () => {
      const { csrPem } = await createKeyAndCsr(GW);
      const der = Buffer.from(csrPem.replace(/-----[^-]+-----|\s/g, ''), 'base64');
      der[der.length - 5]! ^= 0x01; // inside the signature
      const tampered = `-----BEGIN CERTIFICATE REQUEST-----\n${der.toString('base64')}\n-----END CERTIFICATE REQUEST-----\n`;
      await expect(issueFromCsr(ca, tampered, GW, { validDays: 2 })).rejects.toThrow(/signature does not verify/);
      await expect(issueFromCsr(ca, csrPem, { ...GW, gateway: 'gw-or4' }, { validDays: 2 })).rejects.toThrow(/CSR asks for .*CN=gw-or3.* but this identity is .*CN=gw-or4/);
      await expect(issueFromCsr(ca, 'not a csr', GW, { validDays: 2 })).rejects.toThrow(/not a PEM CSR/);
    });
  });

  describe("a hospital's own CA", () => {
    test('an RSA CA made by openssl (PKCS#1 key) imports and signs verifiable certificates and CRLs', async () => {
      ossl('genrsa', '-traditional', '-out', 'rsa-ca.key', '2048');
      expect(readFileSync(join(dir, 'rsa-ca.key'), 'utf8')).toContain('BEGIN RSA PRIVATE KEY');
      const made = ossl('req', '-x509', '-new', '-key', 'rsa-ca.key', '-out', 'rsa-ca.pem', '-subj', '/C=SE/O=Region Test/CN=Test Hospital CA', '-days', '2',
        '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign');
      expect(made).toMatchObject({ ok: true });
      const hospital = await importCa(readFileSync(join(dir, 'rsa-ca.pem'), 'utf8'), readFileSync(join(dir, 'rsa-ca.key'), 'utf8'));
      const gw = await issueCertificate(hospital, GW, { validDays: 1 });
      expect(ossl('verify', '-CAfile', 'rsa-ca.pem', file('leaf.pem', gw.certPem))).toMatchObject({ ok: true });
      expect(ossl('x509', '-noout', '-issuer', '-in', 'leaf.pem').out).toContain('CN = Test Hospital CA');
      file('rsa-crl.pem', await createCrl(hospital, [{ serialHex: gw.serialHex, revokedAt: new Date() }], { nextUpdateDays: 1 }));
      expect(ossl('verify', '-CAfile', 'rsa-ca.pem', '-crl_check', '-CRLfile', 'rsa-crl.pem', 'leaf.pem').out).toMatch(/certificate revoked/);
    });

    test('an EC CA key in SEC1 form imports', async () => {
      ossl('ecparam', '-name', 'secp384r1', '-genkey', '-noout', '-out', 'ec-ca.key');
      ossl('req', '-x509', '-new', '-key', 'ec-ca.key', '-out', 'ec-ca.pem', '-subj', '/CN=EC CA', '-days', '2', '-addext', 'basicConstraints=critical,CA:TRUE');
      const hospital = await importCa(readFileSync(join(dir, 'ec-ca.pem'), 'utf8'), readFileSync(join(dir, 'ec-ca.key'), 'utf8'));
      const b = await issueCertificate(hospital, BROKER, { validDays: 1 });
      expect(ossl('verify', '-CAfile', 'ec-ca.pem', file('leaf.pem', b.certPem)).ok).toBe(true);
    });

    test('refuses what is not a usable CA, saying why', async () => {
      const gw = await issueCertificate(ca, GW, { validDays: 2 });
      await expect(importCa(gw.certPem, gw.keyPem)).rejects.toThrow(/is not a CA certificate/);
      await expect(importCa(caPem.certPem, gw.keyPem)).rejects.toThrow(/private key does not belong to CA certificate/);
      await expect(importCa(caPem.certPem, 'garbage')).rejects.toThrow(/not a readable private key/);
      await expect(importCa('garbage', caPem.keyPem)).rejects.toThrow(/not a PEM certificate/);
      await expect(importCa(caPem.certPem, caPem.keyPem, { now: new Date(Date.now() + 40 * 86_400_000) })).rejects.toThrow(/expired on/);
      ossl('ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', 'leafonly.key');
      ossl('req', '-x509', '-new', '-key', 'leafonly.key', '-out', 'signer.pem', '-subj', '/CN=signer', '-days', '2', '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,digitalSignature');
      await expect(importCa(readFileSync(join(dir, 'signer.pem'), 'utf8'), readFileSync(join(dir, 'leafonly.key'), 'utf8'))).rejects.toThrow(/lacks keyCertSign/);
    });
  });
});

describe('identities and subjects', () => {
  test('ids that could not be topic levels, reserved OUs and bad names are refused', async () => {
    const ca = await createSiteCa({ site: 's', validDays: 2 });
    await expect(issueCertificate(ca, { ...GW, theatre: 'uplink' }, { validDays: 1 })).rejects.toThrow(/theatre may not be called "uplink"/);
    await expect(issueCertificate(ca, { ...GW, gateway: 'gw/+' }, { validDays: 1 })).rejects.toThrow(/gateway must match/);
    await expect(issueCertificate(ca, { ...BROKER, dnsNames: [] }, { validDays: 1 })).rejects.toThrow(/at least one DNS name/);
    await expect(issueCertificate(ca, { ...BROKER, ipAddresses: ['10.0.0.256'] }, { validDays: 1 })).rejects.toThrow(/not an IP address/);
    await expect(issueCertificate(ca, GW, { validDays: 3 })).rejects.toThrow(/outlive its CA/);
    await expect(issueCertificate(ca, GW, { validDays: 1, serialNumber: '00' })).rejects.toThrow(/not zero/);
    await expect(createSiteCa({ site: 'a b', validDays: 2 })).rejects.toThrow(/site must match/);
  });

  test('the subject mapping inverts for every valid client identity', () => {
    const idArb = fc.stringMatching(/^[A-Za-z0-9_-]{1,64}$/);
    const identity: fc.Arbitrary<CertificateIdentity> = fc.oneof(
      fc.record({ kind: fc.constant('gateway' as const), site: idArb, theatre: idArb.filter((t) => !(RESERVED_OUS as readonly string[]).includes(t)), gateway: idArb }),
      fc.record({ kind: fc.constantFrom('uplink' as const, 'operator' as const, 'observer' as const), site: idArb, id: idArb }),
    );
    fc.assert(
      fc.property(identity, (i) => {
        const fields = Object.fromEntries(subjectOf(i).flatMap((rdn) => Object.entries(rdn).map(([k, [v]]) => [k, v!])));
        expect(identityFromSubject(fields)).toEqual(i);
      }),
    );
  });

  test("the broker's mapping of node's peer certificate: exactly O, OU and CN, once each", () => {
    const peer = (subject: object) => ({ subject }) as unknown as PeerCertificate;
    expect(identityFromPeerCertificate(peer({ O: 'sahlgrenska', OU: 'or-3', CN: 'gw-or3' }))).toEqual(GW);
    expect(identityFromPeerCertificate(peer({ O: 'sahlgrenska', OU: 'uplink', CN: 'up-1' }))).toEqual({ kind: 'uplink', site: 'sahlgrenska', id: 'up-1' });
    expect(identityFromPeerCertificate(peer({ O: 'sahlgrenska', OU: 'observer', CN: 'watch-it' }))).toEqual({ kind: 'observer', site: 'sahlgrenska', id: 'watch-it' });
    expect(identityFromPeerCertificate(peer({ C: 'SE', O: 'sahlgrenska', OU: 'or-3', CN: 'gw-or3' }))).toBeNull();
    expect(identityFromPeerCertificate(peer({ O: 'sahlgrenska', OU: ['or-3', 'or-4'], CN: 'gw-or3' }))).toBeNull();
    expect(identityFromPeerCertificate(peer({ O: 'sahlgrenska', CN: 'gw-or3' }))).toBeNull();
  });

  test('a certificate of none of our shapes has no identity', async () => {
    const ca = await createSiteCa({ site: 's', validDays: 2 });
    expect(identityOf(ca.certPem)).toBeNull();
    expect(identityFromSubject({ O: 's', CN: 'x' })).toBeNull();
    expect(identityFromSubject({ O: 's', OU: 'or 3', CN: 'x' })).toBeNull();
  });
});
