// Who a provisioned certificate is for, and the subject that says so (the one mapping, both ways).
//   subjectOf({ kind: 'gateway', site: 'sahlgrenska', theatre: 'or-3', gateway: 'gw-or3' })
//     → O=sahlgrenska, OU=or-3, CN=gw-or3                 (a theatre gateway)
//   { kind: 'uplink', site, id }   → O=site, OU=uplink, CN=id      (the hospital forwarder)
//   { kind: 'operator', site, id } → O=site, OU=operator, CN=id    (an operator console)
//   { kind: 'observer', site, id } → O=site, OU=observer, CN=id    (read-only: watches scans and states)
//   { kind: 'broker', site, dnsNames: ['broker.local'] } → O=site, CN=broker.local (+ SAN, serverAuth)
//   identityFromSubject({ O: 'sahlgrenska', OU: 'or-3', CN: 'gw-or3' }) → the gateway above
//   certificateAuthenticator(identityFromPeerCertificate)  the broker's side (gateway/broker/auth.ts)
//
// 'uplink', 'operator' and 'observer' are reserved OUs, so no theatre may be called that.

import { isIP } from 'node:net';
import type { PeerCertificate } from 'node:tls';
import { parseIdentity, type ClientIdentity } from '../gateway/broker/identity.ts';
import { ID_PATTERN, isValidId } from '../protocol/topics.ts';

/** Every identity a client certificate can carry (all but the local demo's). */
export type ClientCertificateIdentity = Exclude<ClientIdentity, { kind: 'local-demo' }>;

export interface BrokerIdentity {
  kind: 'broker';
  site: string;
  /** The first is also the subject CN. */
  dnsNames: readonly string[];
  ipAddresses?: readonly string[];
}

export type CertificateIdentity = ClientCertificateIdentity | BrokerIdentity;

/** A subject's O, OU and CN (each absent or one value). */
export interface SubjectFields {
  O?: string;
  OU?: string;
  CN?: string;
}

export class ProvisioningError extends Error {
  override name = 'ProvisioningError';
}

export const RESERVED_OUS = ['uplink', 'operator', 'observer'] as const;

const DNS_NAME = /^(?=.{1,253}$)(\*\.)?[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;

/** One id (site, theatre, gateway, uplink/operator id): a ProvisioningError unless it can be a topic level. */
export function checkId(value: unknown, what: string): string {
  if (!isValidId(value)) throw new ProvisioningError(`${what} must match ${ID_PATTERN.source} (got ${JSON.stringify(value)})`);
  return value;
}

/** Checks every field; throws a ProvisioningError naming the bad one. */
export function checkIdentity(identity: CertificateIdentity): CertificateIdentity {
  const site = checkId(identity.site, 'site');
  switch (identity.kind) {
    case 'gateway': {
      const theatre = checkId(identity.theatre, 'theatre');
      if ((RESERVED_OUS as readonly string[]).includes(theatre)) throw new ProvisioningError(`theatre may not be called "${theatre}" (a reserved OU)`);
      return { kind: 'gateway', site, theatre, gateway: checkId(identity.gateway, 'gateway') };
    }
    case 'uplink':
    case 'operator':
    case 'observer':
      return { kind: identity.kind, site, id: checkId(identity.id, `${identity.kind} id`) };
    case 'broker': {
      const { dnsNames, ipAddresses = [] } = identity;
      if (dnsNames.length === 0) throw new ProvisioningError('a broker certificate needs at least one DNS name (the first becomes its CN)');
      for (const d of dnsNames) if (!DNS_NAME.test(d)) throw new ProvisioningError(`not a DNS name: ${JSON.stringify(d)}`);
      for (const ip of ipAddresses) if (isIP(ip) === 0) throw new ProvisioningError(`not an IP address: ${JSON.stringify(ip)}`);
      return { kind: 'broker', site, dnsNames: [...dnsNames], ipAddresses: [...ipAddresses] };
    }
    default:
      throw new ProvisioningError(`unknown identity kind ${JSON.stringify((identity as { kind: unknown }).kind)}`);
  }
}

/** The subject, in order O, OU, CN (the RDN order openssl prints). */
export function subjectOf(identity: CertificateIdentity): Array<Record<string, string[]>> {
  const i = checkIdentity(identity);
  switch (i.kind) {
    case 'gateway':
      return [{ O: [i.site] }, { OU: [i.theatre] }, { CN: [i.gateway] }];
    case 'uplink':
    case 'operator':
    case 'observer':
      return [{ O: [i.site] }, { OU: [i.kind] }, { CN: [i.id] }];
    case 'broker':
      return [{ O: [i.site] }, { CN: [i.dnsNames[0]!] }];
  }
}

/** The inverse for client certificates: null unless the fields name a valid identity. */
export function identityFromSubject(s: SubjectFields): ClientCertificateIdentity | null {
  if (s.OU === undefined) return null;
  const identity =
    (RESERVED_OUS as readonly string[]).includes(s.OU)
      ? parseIdentity({ kind: s.OU, site: s.O, id: s.CN })
      : parseIdentity({ kind: 'gateway', site: s.O, theatre: s.OU, gateway: s.CN });
  return identity !== null && identity.kind !== 'local-demo' ? identity : null;
}

/** For `certificateAuthenticator`: a field given twice (node makes it an array) is refused. */
export function identityFromPeerCertificate(certificate: PeerCertificate): ClientCertificateIdentity | null {
  const s = certificate.subject as unknown as Record<string, unknown> | undefined;
  if (s === undefined || s === null) return null;
  const one = (v: unknown) => (typeof v === 'string' ? v : undefined);
  if (Object.keys(s).some((k) => !['O', 'OU', 'CN'].includes(k))) return null;
  const fields: SubjectFields = {};
  for (const k of ['O', 'OU', 'CN'] as const) {
    const v = one(s[k]);
    if (v !== undefined) fields[k] = v;
  }
  return identityFromSubject(fields);
}
