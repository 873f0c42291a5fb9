// Authentication: turns what a client presents at CONNECT into an identity (identity.ts), or null
// (refused with CONNACK "not authorized").
//   const authenticate = passwordAuthenticator([{ username: 'gw-or3', passwordHash: await hashPassword(secret), identity }]);
//   await authenticate({ clientId: 'gw-or3', username: 'gw-or3', password: Buffer.from(secret), tls: null, remoteAddress }) → identity
//
// Three authenticators:
//   passwordAuthenticator    username + password against scrypt hashes (today's way)
//   certificateAuthenticator the TLS client certificate, verified by the listener against the
//                            site CA, mapped to an identity by a function of its subject (provisioning/subject.ts)
//   localDemoAuthenticator   everyone is { kind: 'local-demo' } (pair it with allowAllForLocalDemoAcl)
// An Authenticator only says who the client is; what it may do is the Acl's (acl.ts). Neither
// ever logs a password, a key or a certificate body.

import { randomBytes, randomInt, scrypt as scryptCallback, timingSafeEqual, type ScryptOptions } from 'node:crypto';
import type { PeerCertificate } from 'node:tls';
import { isDeepStrictEqual } from 'node:util';
import { LOCAL_DEMO_IDENTITY, type ClientIdentity } from './identity.ts';
import { LoginBusyError, LoginQueue } from './login-queue.ts';

/** What a client presented, as the broker saw it. Never logged whole (it holds the password). */
export interface ConnectRequest {
  clientId: string;
  username: string | null;
  password: Buffer | null;
  /** Null on a plain TCP listener. */
  tls: TlsPeer | null;
  remoteAddress: string | null;
  /** Aborted when the connection closes: work still waiting for it can be dropped. */
  signal?: AbortSignal;
}

export interface TlsPeer {
  /** True when the client sent a certificate that chains to the listener's CA (and is not revoked). */
  authorized: boolean;
  /** Why it is not authorized (e.g. CERT_HAS_EXPIRED), or null. */
  authorizationError: string | null;
  /** The client certificate, or null when none was sent. */
  peerCertificate: PeerCertificate | null;
}

/**
 * Resolves to the client's identity, or null to refuse it. Must not throw (a throw is a refusal);
 * a LoginBusyError (login-queue.ts) is a refusal for now, answered "server unavailable".
 */
export type Authenticator = ((request: ConnectRequest) => Promise<ClientIdentity | null>) & {
  /**
   * After a reload (server.ts `reload`): would this authenticator still give `identity` to the
   * client that logged in as `username`? Absent: nothing to re-check (certificates are re-checked
   * against the new CRL by the broker itself).
   */
  stillValid?: (login: { username: string | null; identity: ClientIdentity }) => boolean;
  /** False when an attempt from this address would be refused anyway (login-queue.ts): the broker closes it at accept. Absent: true. */
  acceptsFrom?: (address: string) => boolean;
};

// ---- username + password ------------------------------------------------------------------

/** scrypt cost: N = 2^14, r = 8, p = 1 (16 MiB, tens of ms on a Raspberry Pi 4: once per connect). */
const SCRYPT = { N: 1 << 14, r: 8, p: 1, keyLength: 32, saltLength: 16 } as const;
const HASH_PREFIX = 'scrypt';

function scrypt(password: Buffer, salt: Buffer, keyLength: number, options: ScryptOptions): Promise<Buffer> {
  return new Promise((resolve, reject) => scryptCallback(password, salt, keyLength, options, (err, key) => (err ? reject(err) : resolve(key))));
}

/** A storable hash of a password: `scrypt$N$r$p$salt$key` (base64url). What credential files hold. */
export async function hashPassword(password: string | Buffer): Promise<string> {
  const salt = randomBytes(SCRYPT.saltLength);
  const key = await scrypt(Buffer.from(password), salt, SCRYPT.keyLength, { N: SCRYPT.N, r: SCRYPT.r, p: SCRYPT.p, maxmem: 64 << 20 });
  return [HASH_PREFIX, SCRYPT.N, SCRYPT.r, SCRYPT.p, salt.toString('base64url'), key.toString('base64url')].join('$');
}

interface ParsedHash {
  N: number;
  r: number;
  p: number;
  salt: Buffer;
  key: Buffer;
}

function parseHash(hash: string): ParsedHash | null {
  const parts = hash.split('$');
  if (parts.length !== 6 || parts[0] !== HASH_PREFIX) return null;
  const [N, r, p] = [Number(parts[1]), Number(parts[2]), Number(parts[3])];
  const salt = Buffer.from(parts[4]!, 'base64url');
  const key = Buffer.from(parts[5]!, 'base64url');
  const sane = Number.isInteger(N) && N >= 2 && N <= 1 << 20 && (N & (N - 1)) === 0 && Number.isInteger(r) && r >= 1 && r <= 32 && Number.isInteger(p) && p >= 1 && p <= 16;
  if (!sane || salt.length < 8 || key.length < 16 || key.length > 64) return null;
  return { N, r, p, salt, key };
}

/** True when `hash` is a well-formed `hashPassword` result (for validating credential files). */
export const isPasswordHash = (hash: string): boolean => parseHash(hash) !== null;

/** Constant-time check of a password against a `hashPassword` hash; false for a malformed hash. */
export async function verifyPassword(password: Buffer, hash: string): Promise<boolean> {
  const h = parseHash(hash);
  if (h === null) return false;
  const key = await scrypt(password, h.salt, h.key.length, { N: h.N, r: h.r, p: h.p, maxmem: 256 << 20 });
  return timingSafeEqual(key, h.key);
}

export interface Credential {
  username: string;
  /** From `hashPassword`; never the password itself. */
  passwordHash: string;
  identity: ClientIdentity;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Real check durations remembered, to time the answer for an unknown username alike. */
const DURATION_SAMPLES = 32;

/**
 * Username + password. Every attempt goes through `queue` (login-queue.ts: bounded, fair per
 * source address, rate-limited; over a bound it rejects with LoginBusyError → CONNACK 3).
 *
 * An unknown username costs no scrypt, yet its answer takes as long: it holds a queue slot for a
 * duration drawn from the last real checks (the first one runs a real check against a decoy
 * hash to have a sample). So a flood of made-up usernames costs timers, not CPU, and neither the
 * answer nor its timing — queueing included, since both kinds wait in the same queue — tells
 * which usernames exist. Throws at construction on a malformed hash or a repeated username.
 */
export function passwordAuthenticator(credentials: readonly Credential[], options: { queue?: LoginQueue } = {}): Authenticator {
  const byUser = new Map<string, Credential>();
  for (const c of credentials) {
    if (!isPasswordHash(c.passwordHash)) throw new TypeError(`credential for "${c.username}": passwordHash is not a hashPassword() hash`);
    if (byUser.has(c.username)) throw new TypeError(`credential for "${c.username}": the username appears twice`);
    byUser.set(c.username, c);
  }
  const queue = options.queue ?? new LoginQueue();
  // No password matches it (random key); checked only until real durations are known.
  const decoy = [HASH_PREFIX, SCRYPT.N, SCRYPT.r, SCRYPT.p, randomBytes(16).toString('base64url'), randomBytes(32).toString('base64url')].join('$');
  const durations: number[] = [];
  const timedCheck = async (password: Buffer, hash: string): Promise<boolean> => {
    const t0 = performance.now();
    const ok = await verifyPassword(password, hash);
    durations.push(performance.now() - t0);
    if (durations.length > DURATION_SAMPLES) durations.shift();
    return ok;
  };
  const unknownUser = async (password: Buffer): Promise<false> => {
    if (durations.length === 0) await timedCheck(password, decoy);
    else await sleep(durations[randomInt(durations.length)]!);
    return false;
  };
  const authenticator: Authenticator = (request: ConnectRequest) => {
    const credential = request.username === null ? undefined : byUser.get(request.username);
    const password = request.password ?? Buffer.alloc(0);
    const check = (): Promise<boolean> => (credential === undefined ? unknownUser(password) : timedCheck(password, credential.passwordHash));
    return queue
      .run(request.remoteAddress ?? 'unknown', check, { ...(request.signal ? { signal: request.signal } : {}), succeeded: (ok) => ok })
      .then((ok) => (ok && credential !== undefined ? credential.identity : null));
  };
  // A removed username, or one now naming another identity, is no longer valid; a changed
  // password alone is not seen (the password is never kept to check again).
  authenticator.acceptsFrom = (address) => queue.wouldAccept(address);
  authenticator.stillValid = ({ username, identity }) => username !== null && isDeepStrictEqual(byUser.get(username)?.identity, identity);
  return authenticator;
}

// ---- TLS client certificate --------------------------------------------------------------------

/**
 * The client certificate, already verified by the TLS listener (server.ts: `requestCert`, the site
 * CA as `ca`, `crl` for revocation), mapped to an identity by `identify` — e.g. provisioning's
 * reading of the subject (O = site, OU = theatre, CN = gateway id) or of a URI SAN. A client
 * without a certificate, or whose certificate did not verify, is refused; so is one that
 * `identify` returns null for. The username and password are ignored.
 */
export function certificateAuthenticator(identify: (certificate: PeerCertificate) => ClientIdentity | null): Authenticator {
  return async (request) => {
    const peer = request.tls;
    if (peer === null || !peer.authorized || peer.peerCertificate === null) return null;
    try {
      return identify(peer.peerCertificate);
    } catch {
      return null;
    }
  };
}

/** Tries each authenticator in turn; the first identity wins (e.g. certificates, then passwords during a migration). */
export function firstOf(...authenticators: Authenticator[]): Authenticator {
  return async (request) => {
    for (const a of authenticators) {
      const identity = await a(request).catch((e: unknown) => (e instanceof LoginBusyError ? Promise.reject(e) : null));
      if (identity !== null) return identity;
    }
    return null;
  };
}

// ---- the local demo -------------------------------------------------------------------------

/** Everyone is the local-demo identity. Only for a loopback broker paired with allowAllForLocalDemoAcl. */
export const localDemoAuthenticator: Authenticator = async () => LOCAL_DEMO_IDENTITY;
