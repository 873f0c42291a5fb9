// Who is calling the registry API: each quality registry has its own bearer credential. The
// service knows only the sha256 of each token, and whether it is revoked (403, still logged).
//   const auth = registryAuthenticator([{ id: 'kataraktregistret', tokenSha256 }, { id: 'old', tokenSha256, revoked: true }]);
//   auth(req) → { ok: true, registryId } | { ok: false, status: 401 } | { ok: false, status: 403, registryId }

import type { IncomingMessage } from 'node:http';
import { credentialMap, findCredential, type StoredCredential } from './credentials.ts';

export interface RegistryCredential extends StoredCredential {
  revoked?: boolean;
}

export type RegistryAuth = { ok: true; registryId: string } | { ok: false; status: 401 } | { ok: false; status: 403; registryId: string };

export function registryAuthenticator(credentials: readonly RegistryCredential[]): (req: IncomingMessage) => RegistryAuth {
  const byId = credentialMap(credentials, 'registry');
  return (req) => {
    const c = findCredential(req.headers.authorization, byId);
    if (!c) return { ok: false, status: 401 };
    return c.revoked ? { ok: false, status: 403, registryId: c.id } : { ok: true, registryId: c.id };
  };
}
