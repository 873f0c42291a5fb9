// The broker's credentials file: who may connect with which password, as whom.
//   [
//     { "username": "gw-or3", "passwordHash": "scrypt$16384$8$1$…", "identity": { "kind": "gateway", "site": "sahlgrenska", "theatre": "or-3", "gateway": "gw-or3" } },
//     { "username": "uplink-sahlgrenska", "passwordHash": "scrypt$…", "identity": { "kind": "uplink", "site": "sahlgrenska", "id": "uplink-sahlgrenska" } }
//   ]
// Hashes come from `implant-scan broker --hash-password` (auth.ts hashPassword); the file holds no
// password. Provisioning does not write it (it gives gateways certificates instead); hospital IT
// writes it by hand where passwords are used. Errors name the entry and field, never a hash.

import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { ID_PATTERN } from '../../protocol/topics.ts';
import { isPasswordHash, type Credential } from './auth.ts';

const id = z.string().regex(ID_PATTERN, 'must be 1–64 letters, digits, - or _');

const identitySchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('gateway'), site: id, theatre: id, gateway: id }).strict(),
  z.object({ kind: z.literal('uplink'), site: id, id }).strict(),
  z.object({ kind: z.literal('operator'), site: id, id }).strict(),
  z.object({ kind: z.literal('observer'), site: id, id }).strict(),
]);

const credentialSchema = z
  .object({
    username: z.string().min(1).max(256),
    passwordHash: z.string().refine(isPasswordHash, 'must be a hash from `implant-scan broker --hash-password`, never a password'),
    identity: identitySchema,
  })
  .strict();

export const credentialsFileSchema = z.array(credentialSchema).superRefine((list, ctx) => {
  const seen = new Set<string>();
  list.forEach((c, i) => {
    if (seen.has(c.username)) ctx.addIssue({ code: 'custom', path: [i, 'username'], message: 'appears twice' });
    seen.add(c.username);
  });
});

export class CredentialsFileError extends Error {
  override name = 'CredentialsFileError';
}

export function parseCredentials(value: unknown, source = 'credentials'): Credential[] {
  const result = credentialsFileSchema.safeParse(value);
  if (!result.success) {
    const problems = result.error.issues.map((issue) => `${issue.path.length ? issue.path.join('.') : '(top level)'}: ${issue.message}`);
    throw new CredentialsFileError(`${source}: ${problems.join('; ')}`);
  }
  return result.data;
}

export async function loadCredentialsFile(path: string): Promise<Credential[]> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    throw new CredentialsFileError(`${path}: cannot read the file: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new CredentialsFileError(`${path}: not valid JSON`);
  }
  return parseCredentials(json, path);
}
