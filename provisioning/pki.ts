// The site PKI: a site CA (ours, or the hospital's own), certificates for gateways, uplinks,
// operators and the broker, device-made keys signed from a CSR, and the CRL that revokes them.
//   const { certPem, keyPem } = await createSiteCa({ site: 'sahlgrenska', validDays: 3650 })
//   const ca = await importCa(certPem, keyPem)        also a hospital's own CA (SITHS-style): checked first
//   await issueCertificate(ca, { kind: 'gateway', site: 'sahlgrenska', theatre: 'or-3', gateway: 'gw-or3' }, { validDays: 825 })
//     → { certPem, keyPem, serialHex }                   O=sahlgrenska, OU=or-3, CN=gw-or3, clientAuth
//   on the device: const { keyPem, csrPem } = await createKeyAndCsr(identity)   (the key stays there)
//   on the CA:     await issueFromCsr(ca, csrPem, identity, { validDays: 825 }) → { certPem, serialHex }
//   await createCrl(ca, [{ serialHex, revokedAt: new Date() }], { nextUpdateDays: 7 }) → crlPem
//   identityOf(certPem) → { kind: 'gateway', site: 'sahlgrenska', theatre: 'or-3', gateway: 'gw-or3' }
// Every issued key is ECDSA P-256; subjects follow subject.ts. Errors are ProvisioningErrors.

import { webcrypto } from 'node:crypto';
import { ECDSA_SHA256, loadSigningKey, newKeyPair, privateKeyPem, spkiOfPrivateKey, type SigningKey } from './keys.ts';
import { x509 } from '../protocol/x509.ts';
import { isValidId } from '../protocol/topics.ts';
import { checkId, checkIdentity, identityFromSubject, ProvisioningError, subjectOf, type CertificateIdentity } from './subject.ts';

export { ProvisioningError } from './subject.ts';
export type { CertificateIdentity } from './subject.ts';

const DAY_MS = 86_400_000;
/** Issued certificates start this long ago, for devices whose clock is a little behind. */
const CLOCK_SKEW_MS = 5 * 60_000;

export interface CaPem {
  certPem: string;
  keyPem: string;
}

/** A CA ready to sign: from importCa. */
export interface LoadedCa {
  readonly cert: x509.X509Certificate;
  readonly certPem: string;
  readonly signing: SigningKey;
}

export interface IssueOptions {
  validDays: number;
  /** Hex; default 16 random bytes. */
  serialNumber?: string;
  /** Default: now less 5 minutes. validDays count from it (a past date makes an expired certificate, for tests). */
  notBefore?: Date;
  /** The PKI's clock (default: the system's). */
  now?: Date;
}

export interface Revoked {
  serialHex: string;
  revokedAt: Date;
}

const pemOf = (c: { toString(format: 'pem'): string }) => c.toString('pem') + '\n';

function parse<T>(what: string, make: () => T): T {
  try {
    return make();
  } catch (e) {
    throw new ProvisioningError(`not a PEM ${what}: ${(e as Error).message}`);
  }
}

function hexOfSerial(hex: string): string {
  if (!/^([0-9a-f]{2})+$/i.test(hex)) throw new ProvisioningError(`serial number must be hex octets (got ${JSON.stringify(hex)})`);
  const normal = hex.toLowerCase().replace(/^(00)+/, '');
  if (normal === '' || normal.length > 40) throw new ProvisioningError('serial number must be 1–20 octets and not zero');
  return normal;
}

function randomSerial(): string {
  const bytes = webcrypto.getRandomValues(new Uint8Array(16));
  bytes[0] = (bytes[0]! & 0x7f) | 0x01; // positive, and no leading zero octet
  return Buffer.from(bytes).toString('hex');
}

async function authorityKeyId(ca: LoadedCa): Promise<x509.AuthorityKeyIdentifierExtension> {
  const ski = ca.cert.getExtension(x509.SubjectKeyIdentifierExtension);
  return ski !== null ? new x509.AuthorityKeyIdentifierExtension(ski.keyId) : x509.AuthorityKeyIdentifierExtension.create(ca.cert.publicKey);
}

const toCa = async (ca: LoadedCa | CaPem): Promise<LoadedCa> => ('signing' in ca ? ca : importCa(ca.certPem, ca.keyPem));

// ---- the CA ---------------------------------------------------------------------------------

export async function createSiteCa({ site, validDays, now = new Date() }: { site: string; validDays: number; now?: Date }): Promise<CaPem> {
  checkId(site, 'site');
  const keys = await newKeyPair();
  const notBefore = new Date(now.getTime() - CLOCK_SKEW_MS);
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    name: [{ O: [site] }, { CN: [`Implant Scan site CA ${site}`] }],
    keys,
    serialNumber: randomSerial(),
    notBefore,
    notAfter: new Date(notBefore.getTime() + CLOCK_SKEW_MS + days(validDays) * DAY_MS),
    signingAlgorithm: ECDSA_SHA256,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  return { certPem: pemOf(cert), keyPem: await privateKeyPem(keys.privateKey) };
}

/** Checks that certPem is a CA certificate valid now, that keyPem is its key, and loads both. */
export async function importCa(certPem: string, keyPem: string, options: { passphrase?: string; now?: Date } = {}): Promise<LoadedCa> {
  const cert = parse('certificate', () => new x509.X509Certificate(certPem));
  const name = `CA certificate "${cert.subject}"`;
  const bc = cert.getExtension(x509.BasicConstraintsExtension);
  if (bc === null || !bc.ca) throw new ProvisioningError(`${name} is not a CA certificate (no basicConstraints CA:TRUE)`);
  const ku = cert.getExtension(x509.KeyUsagesExtension);
  if (ku !== null && (ku.usages & x509.KeyUsageFlags.keyCertSign) === 0) throw new ProvisioningError(`${name} may not sign certificates (keyUsage lacks keyCertSign)`);
  const now = options.now ?? new Date();
  if (now < cert.notBefore) throw new ProvisioningError(`${name} is not valid until ${cert.notBefore.toISOString()}`);
  if (now > cert.notAfter) throw new ProvisioningError(`${name} expired on ${cert.notAfter.toISOString()}`);
  const spki = spkiOfPrivateKey(keyPem, options.passphrase);
  if (!spki.equals(Buffer.from(cert.publicKey.rawData))) throw new ProvisioningError(`the private key does not belong to ${name}`);
  return { cert, certPem: pemOf(cert), signing: await loadSigningKey(keyPem, options.passphrase) };
}

// ---- issuing --------------------------------------------------------------------------------

function days(n: number): number {
  if (!Number.isFinite(n) || n <= 0) throw new ProvisioningError(`validDays must be a positive number (got ${n})`);
  return n;
}

async function sign(caInput: LoadedCa | CaPem, identity: CertificateIdentity, publicKey: CryptoKey | x509.PublicKey, opts: IssueOptions): Promise<{ certPem: string; serialHex: string }> {
  const ca = await toCa(caInput);
  const who = checkIdentity(identity);
  const start = opts.notBefore ?? opts.now ?? new Date();
  const notBefore = opts.notBefore ?? new Date(start.getTime() - CLOCK_SKEW_MS);
  const notAfter = new Date(start.getTime() + days(opts.validDays) * DAY_MS);
  if (notAfter > ca.cert.notAfter) throw new ProvisioningError(`the certificate would outlive its CA (valid until ${ca.cert.notAfter.toISOString()}): ask for fewer days`);
  const extensions: x509.Extension[] = [
    new x509.BasicConstraintsExtension(false, undefined, true),
    new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
    new x509.ExtendedKeyUsageExtension([who.kind === 'broker' ? x509.ExtendedKeyUsage.serverAuth : x509.ExtendedKeyUsage.clientAuth]),
    await x509.SubjectKeyIdentifierExtension.create(publicKey),
    await authorityKeyId(ca),
  ];
  if (who.kind === 'broker') {
    const names = [...who.dnsNames.map((value) => ({ type: 'dns' as const, value })), ...(who.ipAddresses ?? []).map((value) => ({ type: 'ip' as const, value }))];
    extensions.push(new x509.SubjectAlternativeNameExtension(names));
  }
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: opts.serialNumber === undefined ? randomSerial() : hexOfSerial(opts.serialNumber),
    subject: subjectOf(who),
    issuer: ca.cert.subjectName,
    notBefore,
    notAfter,
    publicKey,
    signingKey: ca.signing.keys.privateKey,
    signingAlgorithm: ca.signing.signingAlgorithm,
    extensions,
  });
  return { certPem: pemOf(cert), serialHex: cert.serialNumber };
}

/** A new key and its certificate, both handed back (the CA machine sees the key: prefer issueFromCsr). */
export async function issueCertificate(ca: LoadedCa | CaPem, identity: CertificateIdentity, opts: IssueOptions): Promise<{ certPem: string; keyPem: string; serialHex: string }> {
  checkIdentity(identity);
  const keys = await newKeyPair();
  const issued = await sign(ca, identity, keys.publicKey, opts);
  return { ...issued, keyPem: await privateKeyPem(keys.privateKey) };
}

/** On the device: its key (never leaves it) and a CSR whose subject is the identity's. */
export async function createKeyAndCsr(identity: CertificateIdentity): Promise<{ keyPem: string; csrPem: string }> {
  const keys = await newKeyPair();
  const csr = await x509.Pkcs10CertificateRequestGenerator.create({ name: subjectOf(identity), keys, signingAlgorithm: ECDSA_SHA256 });
  return { keyPem: await privateKeyPem(keys.privateKey), csrPem: pemOf(csr) };
}

/**
 * On the CA: certifies the CSR's public key for `identity`, after checking the CSR's signature
 * (its sender holds the key) and that it asks for the same subject (the right device's CSR).
 * Extensions the CSR asks for are ignored: the identity decides them.
 */
export async function issueFromCsr(ca: LoadedCa | CaPem, csrPem: string, identity: CertificateIdentity, opts: IssueOptions): Promise<{ certPem: string; serialHex: string }> {
  const csr = parse('CSR', () => new x509.Pkcs10CertificateRequest(csrPem));
  if (!(await csr.verify().catch(() => false))) throw new ProvisioningError('the CSR signature does not verify (corrupted, or not signed by its own key)');
  const expected = new x509.Name(subjectOf(identity)).toString();
  if (csr.subject !== expected) throw new ProvisioningError(`the CSR asks for "${csr.subject}" but this identity is "${expected}" (wrong device's CSR?)`);
  const alg = csr.publicKey.algorithm as EcKeyAlgorithm & RsaHashedKeyAlgorithm;
  const ok = (alg.name === 'ECDSA' && (alg.namedCurve === 'P-256' || alg.namedCurve === 'P-384')) || (alg.name === 'RSASSA-PKCS1-v1_5' && alg.modulusLength >= 2048);
  if (!ok) throw new ProvisioningError(`unsupported CSR key ${alg.name} ${alg.namedCurve ?? alg.modulusLength ?? ''}: use EC P-256`);
  return sign(ca, identity, csr.publicKey, opts);
}

// ---- revocation -----------------------------------------------------------------------------

/** A CRL (v2, with authority key id and a CRL number that grows with time) for the listeners' CRL file. */
export async function createCrl(caInput: LoadedCa | CaPem, revoked: Revoked[], opts: { nextUpdateDays: number; now?: Date; crlNumber?: number }): Promise<string> {
  const ca = await toCa(caInput);
  const now = opts.now ?? new Date();
  const crlNumber = opts.crlNumber ?? Math.floor(now.getTime() / 1000);
  const crl = await x509.X509CrlGenerator.create({
    issuer: ca.cert.subjectName,
    thisUpdate: now,
    nextUpdate: new Date(now.getTime() + days(opts.nextUpdateDays) * DAY_MS),
    entries: revoked.map((r) => ({ serialNumber: hexOfSerial(r.serialHex), revocationDate: r.revokedAt })),
    extensions: [await authorityKeyId(ca), new x509.Extension('2.5.29.20', false, derInteger(crlNumber))],
    signingKey: ca.signing.keys.privateKey,
    signingAlgorithm: ca.signing.signingAlgorithm,
  });
  return x509.PemConverter.encode(crl.rawData, 'X509 CRL') + '\n'; // the label openssl reads (the library writes 'CRL')
}

function derInteger(n: number): Uint8Array<ArrayBuffer> {
  if (!Number.isSafeInteger(n) || n < 0) throw new ProvisioningError(`crlNumber must be a non-negative integer (got ${n})`);
  let hex = n.toString(16);
  if (hex.length % 2 === 1) hex = '0' + hex;
  if (parseInt(hex.slice(0, 2), 16) >= 0x80) hex = '00' + hex;
  return new Uint8Array([0x02, hex.length / 2, ...Buffer.from(hex, 'hex')]);
}

// ---- reading back ---------------------------------------------------------------------------

/** Who a certificate is for, by the subject.ts mapping; null when it is none of ours. */
export function identityOf(certPem: string): CertificateIdentity | null {
  const cert = parse('certificate', () => new x509.X509Certificate(certPem));
  const fields = cert.subjectName.toJSON().flatMap((rdn) => Object.entries(rdn));
  const one = (key: string): string | undefined => {
    const values = fields.filter(([k]) => k === key).flatMap(([, v]) => v);
    return values.length === 1 ? values[0] : undefined;
  };
  if (fields.some(([k, v]) => !['O', 'OU', 'CN'].includes(k) || v.length !== 1)) return null;
  const eku = cert.getExtension(x509.ExtendedKeyUsageExtension)?.usages ?? [];
  const [O, OU, CN] = [one('O'), one('OU'), one('CN')];
  if (eku.includes(x509.ExtendedKeyUsage.clientAuth)) {
    if (OU === 'observer') return isValidId(O) && isValidId(CN) ? { kind: 'observer', site: O, id: CN } : null;
    return identityFromSubject({ O, OU, CN });
  }
  if (!eku.includes(x509.ExtendedKeyUsage.serverAuth) || OU !== undefined || O === undefined) return null;
  const san = cert.getExtension(x509.SubjectAlternativeNameExtension)?.names.items ?? [];
  const dnsNames = san.filter((n) => n.type === 'dns').map((n) => n.value);
  const ipAddresses = san.filter((n) => n.type === 'ip').map((n) => n.value);
  if (dnsNames[0] !== CN) return null;
  try {
    return checkIdentity({ kind: 'broker', site: O, dnsNames, ipAddresses });
  } catch {
    return null;
  }
}
