// Bearer credentials for registries (and, until mutual TLS, uplinks): "<id>.<secret>", the secret
// 32 random bytes (base64url). The service stores only sha256(token): with 256 random bits a
// fast hash is enough (a slow KDF such as scrypt protects guessable passwords, not random keys).
//   const { token, tokenSha256 } = newCredential('kataraktregistret');   // token shown once
//   findCredential(req.headers.authorization, byId) → the matching record, or null

import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

export const CREDENTIAL_ID = /^[a-z0-9][a-z0-9-]{0,63}$/;
const TOKEN = /^([a-z0-9][a-z0-9-]{0,63})\.([A-Za-z0-9_-]{43})$/;
const SHA256_HEX = /^[0-9a-f]{64}$/;

export interface StoredCredential {
  id: string;
  /** Lowercase hex sha256 of the whole token. */
  tokenSha256: string;
}

export function newCredential(id: string): { token: string; tokenSha256: string } {
  if (!CREDENTIAL_ID.test(id)) throw new Error(`a credential id must match ${CREDENTIAL_ID.source}`);
  const token = `${id}.${randomBytes(32).toString('base64url')}`;
  return { token, tokenSha256: sha256Hex(token) };
}

export function sha256Hex(s: string): string {
  return createHash('sha256').update(s).digest('hex');
}

export function isSha256Hex(s: unknown): s is string {
  return typeof s === 'string' && SHA256_HEX.test(s);
}

/** The token of an `Authorization: Bearer …` header, or null. */
export function bearerToken(header: string | string[] | undefined): { id: string; token: string } | null {
  if (typeof header !== 'string' || header.length > 200) return null;
  const m = /^Bearer +(\S+) *$/i.exec(header);
  const t = m ? TOKEN.exec(m[1]!) : null;
  return t ? { id: t[1]!, token: t[0] } : null;
}

/** The credential the header's token belongs to, compared in constant time; null otherwise. */
export function findCredential<C extends StoredCredential>(header: string | string[] | undefined, byId: ReadonlyMap<string, C>): C | null {
  const bearer = bearerToken(header);
  if (!bearer) return null;
  const c = byId.get(bearer.id);
  if (!c) return null;
  const presented = createHash('sha256').update(bearer.token).digest();
  const expected = Buffer.from(c.tokenSha256, 'hex');
  return expected.length === presented.length && timingSafeEqual(presented, expected) ? c : null;
}

/** A map by id; throws on a duplicate id or a malformed hash (configuration errors). */
export function credentialMap<C extends StoredCredential>(list: readonly C[], what: string): Map<string, C> {
  const map = new Map<string, C>();
  for (const c of list) {
    if (!CREDENTIAL_ID.test(c.id)) throw new Error(`${what}: id must match ${CREDENTIAL_ID.source}`);
    if (!isSha256Hex(c.tokenSha256)) throw new Error(`${what} ${c.id}: tokenSha256 must be 64 lowercase hex digits`);
    if (map.has(c.id)) throw new Error(`${what} ${c.id}: listed twice`);
    map.set(c.id, c);
  }
  return map;
}
