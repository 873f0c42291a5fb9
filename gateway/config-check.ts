// What a gateway configuration needs beyond its schema, checked as the user that runs the daemon:
// every file it names opens and holds what it should (the CA, a certificate the CA issued and its
// key, the broker password), and the scanner path is a terminal that opens read/write.
//   await fileProblems(config)     → ['broker.tls.key /etc/implant-scan/gateway.key: not readable by implant-scan (root:root 0600): …']
//   await scannerProblems(config)  → ['scanner.path /dev/implant-scanner: does not exist: …']
// One line per problem, naming the field and the path, never a file's content.

import { createPrivateKey, type KeyObject, X509Certificate } from 'node:crypto';
import { constants, readFileSync } from 'node:fs';
import { access, open, readFile, stat } from 'node:fs/promises';
import { userInfo } from 'node:os';
import { isatty } from 'node:tty';
import type { GatewayConfig } from './config.ts';

const errno = (e: unknown): string => (e as NodeJS.ErrnoException).code ?? (e as Error).message;

/** uid/gid → name from /etc/passwd and /etc/group (world-readable), for messages. */
function names(file: string): Map<number, string> {
  try {
    return new Map(
      readFileSync(file, 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((line) => line.split(':'))
        .map((f) => [Number(f[2]), f[0]!] as const),
    );
  } catch {
    return new Map();
  }
}

/** "root:implant-scan 0640", or why even that cannot be seen (a directory on the path). */
async function ownership(path: string): Promise<string> {
  try {
    const s = await stat(path);
    const users = names('/etc/passwd');
    const groups = names('/etc/group');
    return `${users.get(s.uid) ?? s.uid}:${groups.get(s.gid) ?? s.gid} ${(s.mode & 0o7777).toString(8).padStart(4, '0')}`;
  } catch (e) {
    return `a directory on the path is not searchable: ${errno(e)}`;
  }
}

const whoAmI = (): string => userInfo().username;

/** The file's bytes, or the one-line problem. */
async function readable(field: string, path: string, fix: string): Promise<Buffer | string> {
  try {
    return await readFile(path);
  } catch (e) {
    const code = errno(e);
    if (code === 'ENOENT') return `${field} ${path}: does not exist`;
    if (code === 'EACCES') return `${field} ${path}: not readable by ${whoAmI()} (${await ownership(path)}): ${fix}`;
    if (code === 'EISDIR') return `${field} ${path}: is a directory, not a file`;
    return `${field} ${path}: cannot be read: ${code}`;
  }
}

const PEM_CERTIFICATE = /-----BEGIN CERTIFICATE-----[^-]+-----END CERTIFICATE-----/g;

function certificates(pem: Buffer): X509Certificate[] {
  const found: X509Certificate[] = [];
  for (const block of pem.toString('latin1').match(PEM_CERTIFICATE) ?? []) {
    try {
      found.push(new X509Certificate(block));
    } catch {
      // an unparsable block: reported below if no certificate is left
    }
  }
  return found;
}

const issuedBy = (cert: X509Certificate, issuer: X509Certificate): boolean => cert.checkIssued(issuer) && cert.verify(issuer.publicKey);

/** The certificate reaches one of the CAs, directly or through intermediates sent with it. */
function chainsTo(cert: X509Certificate, intermediates: X509Certificate[], cas: X509Certificate[]): boolean {
  let current = cert;
  for (let depth = 0; depth <= intermediates.length; depth++) {
    if (cas.some((ca) => issuedBy(current, ca))) return true;
    const next = intermediates.find((i) => i !== current && issuedBy(current, i));
    if (!next) return false;
    current = next;
  }
  return false;
}

export interface CheckOptions {
  /** Also the certificate's validity period (not at daemon start: scans are accepted offline). */
  validity?: boolean;
  now?: Date;
}

/** Problems with the files the configuration names: TLS material and the password file. */
export async function fileProblems(config: GatewayConfig, options: CheckOptions = {}): Promise<string[]> {
  const problems: string[] = [];
  const secretFix = 'chown root:implant-scan and chmod 0640 it (packaging/README.md)';
  const publicFix = 'chmod 0640 or 0644 it, group implant-scan';
  const { passwordFile, tls } = config.broker;
  if (passwordFile) {
    const got = await readable('broker.passwordFile', passwordFile, secretFix);
    if (typeof got === 'string') problems.push(got);
  }
  if (!tls) return problems;

  const caBytes = await readable('broker.tls.ca', tls.ca, publicFix);
  const certBytes = await readable('broker.tls.cert', tls.cert, publicFix);
  const keyBytes = await readable('broker.tls.key', tls.key, secretFix);
  for (const got of [caBytes, certBytes, keyBytes]) if (typeof got === 'string') problems.push(got);

  const cas = typeof caBytes === 'string' ? null : certificates(caBytes);
  if (cas?.length === 0) problems.push(`broker.tls.ca ${tls.ca}: holds no PEM certificate`);
  const chain = typeof certBytes === 'string' ? [] : certificates(certBytes);
  const cert = chain[0] ?? null;
  if (typeof certBytes !== 'string' && !cert) problems.push(`broker.tls.cert ${tls.cert}: holds no PEM certificate`);
  let key: KeyObject | null = null;
  if (typeof keyBytes !== 'string') {
    try {
      key = createPrivateKey(keyBytes);
    } catch {
      problems.push(`broker.tls.key ${tls.key}: holds no unencrypted PEM private key`);
    }
  }
  if (cert && key && !cert.checkPrivateKey(key)) problems.push(`broker.tls.key ${tls.key}: is not the key of the certificate in ${tls.cert}`);
  if (cert && cas?.length && !chainsTo(cert, chain.slice(1), cas)) {
    problems.push(`broker.tls.cert ${tls.cert}: was not issued by the CA in ${tls.ca}`);
  }
  if (cert && options.validity) {
    const now = options.now ?? new Date();
    if (new Date(cert.validTo) < now) problems.push(`broker.tls.cert ${tls.cert}: expired on ${new Date(cert.validTo).toISOString()}: renew it`);
    if (new Date(cert.validFrom) > now) problems.push(`broker.tls.cert ${tls.cert}: not valid before ${new Date(cert.validFrom).toISOString()} (is this clock right?)`);
  }
  return problems;
}

/** The scanner path exists, is a terminal (a tty or a pty) and opens read/write. */
export async function scannerProblems(config: GatewayConfig): Promise<string[]> {
  const path = config.scanner.path;
  const field = 'scanner.path';
  const problems: string[] = [];
  try {
    const s = await stat(path);
    if (!s.isCharacterDevice()) problems.push(`${field} ${path}: is not a character device (a serial tty or a pty)`);
    else {
      // O_NONBLOCK: a serial line without carrier must not hang the check; O_NOCTTY: never ours.
      const handle = await open(path, constants.O_RDWR | constants.O_NOCTTY | constants.O_NONBLOCK);
      try {
        if (!isatty(handle.fd)) problems.push(`${field} ${path}: is not a terminal (a serial tty or a pty)`);
      } finally {
        await handle.close();
      }
    }
  } catch (e) {
    const code = errno(e);
    if (code === 'ENOENT') problems.push(`${field} ${path}: does not exist (scanner unplugged, or no udev rule: hw/udev)`);
    else if (code === 'EACCES') problems.push(`${field} ${path}: not readable and writable by ${whoAmI()} (${await ownership(path)}): add the user to group dialout`);
    else if (code === 'EBUSY') problems.push(`${field} ${path}: in use by another process (a running gateway?)`);
    else problems.push(`${field} ${path}: cannot be opened: ${code}`);
  }
  return problems;
}

/** dataDir, if it exists, is writable (absent is fine: the unit's StateDirectory= creates it). */
export async function dataDirProblems(config: GatewayConfig): Promise<string[]> {
  try {
    await access(config.dataDir, constants.W_OK | constants.X_OK);
    return [];
  } catch (e) {
    return errno(e) === 'ENOENT' ? [] : [`dataDir ${config.dataDir}: not writable by ${whoAmI()} (${await ownership(config.dataDir)})`];
  }
}
