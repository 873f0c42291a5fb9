// Who is calling the ingest API: a hospital uplink, allowed to send scans of its own site only.
// The service takes any AuthenticateUplink. Production: mutual TLS, the identity read from the
// verified client certificate (certificateUplinkAuthenticator; `implant-scan provision` issues them,
// the server asks for one when given a CA). For tests, the demo and sites without them: a bearer token per uplink.
//   createNationalService({ authenticateUplink: bearerUplinkAuthenticator([{ id: 'uplink-sahlgrenska', site: 'sahlgrenska', tokenSha256 }]), … })
//   A certificate-based one, in outline:
//   (req) => { const s = req.socket as TLSSocket; if (!s.authorized) return null;
//              const c = s.getPeerCertificate(); return lookUpUplinkBySubject(c.subject); }

import type { IncomingMessage } from 'node:http';
import type { PeerCertificate, TLSSocket } from 'node:tls';
import { isValidId } from '../../protocol/topics.ts';
import { credentialMap, findCredential, type StoredCredential } from './credentials.ts';

export interface UplinkIdentity {
  uplinkId: string;
  /** The hospital site whose scans this uplink may send (ScanEvent.site). */
  site: string;
}

/** null: not authenticated (401). May be async (a certificate revocation check, say). */
export type AuthenticateUplink = (req: IncomingMessage) => UplinkIdentity | null | Promise<UplinkIdentity | null>;

export interface UplinkCredential extends StoredCredential {
  site: string;
}

export function bearerUplinkAuthenticator(credentials: readonly UplinkCredential[]): AuthenticateUplink {
  for (const c of credentials) if (!isValidId(c.site)) throw new Error(`uplink ${c.id}: site must match [A-Za-z0-9_-]{1,64}`);
  const byId = credentialMap(credentials, 'uplink');
  return (req) => {
    const c = findCredential(req.headers.authorization, byId);
    return c ? { uplinkId: c.id, site: c.site } : null;
  };
}

/**
 * Mutual TLS: the uplink is who its verified client certificate says (`identify` reads the
 * subject: provisioning's mapping, O = site, OU = uplink, CN = id). An unverified or unmapped
 * certificate is no identity.
 */
export function certificateUplinkAuthenticator(identify: (certificate: PeerCertificate) => { site: string; id: string } | null): AuthenticateUplink {
  return (req) => {
    const socket = req.socket as Partial<TLSSocket>;
    if (socket.authorized !== true || typeof socket.getPeerCertificate !== 'function') return null;
    const who = identify(socket.getPeerCertificate());
    return who ? { uplinkId: who.id, site: who.site } : null;
  };
}

/** The first that knows the caller: a certificate first, a bearer token after, say. */
export function firstUplinkAuthenticator(...authenticators: AuthenticateUplink[]): AuthenticateUplink {
  return async (req) => {
    for (const a of authenticators) {
      const who = await a(req);
      if (who) return who;
    }
    return null;
  };
}
