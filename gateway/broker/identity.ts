// Who a broker client is, once authenticated: the subject the ACL (acl.ts) decides for.
//   { kind: 'gateway', site: 'sahlgrenska', theatre: 'or-3', gateway: 'gw-or3' }  one theatre gateway
//   { kind: 'uplink', site: 'sahlgrenska', id: 'uplink-sahlgrenska' }             the hospital forwarder
//   { kind: 'operator', site: 'sahlgrenska', id: 'ops-console' }                  commands and state, one site
//   { kind: 'observer', site: 'sahlgrenska', id: 'watch-it' }                     read-only: scans and states, one site
//   { kind: 'local-demo' }                                                        anyone, for the loopback demo only
//
// An identity comes from credentials today (auth.ts, username + password) and from the TLS client
// certificate's subject (auth.ts `certificateAuthenticator`); the ACL never sees how it
// was proven. Every id has the topic-level shape of protocol/topics.ts, so an identity can never
// name a wildcard or an extra topic level.

import { isValidId } from '../../protocol/topics.ts';

export interface GatewayIdentity {
  kind: 'gateway';
  site: string;
  theatre: string;
  /** The gateway id: also the MQTT client id it must connect with. */
  gateway: string;
}

export interface UplinkIdentity {
  kind: 'uplink';
  site: string;
  /** The MQTT client id it must connect with. */
  id: string;
}

export interface OperatorIdentity {
  kind: 'operator';
  site: string;
  /** The MQTT client id it must connect with. */
  id: string;
}

/** Read-only (e.g. `mosquitto_sub` by hospital IT): its own client id, so it never takes the uplink's session. */
export interface ObserverIdentity {
  kind: 'observer';
  site: string;
  /** The MQTT client id it must connect with. */
  id: string;
}

/** Given by `localDemoAuthenticator` to everyone; only `allowAllForLocalDemoAcl` lets it do anything. */
export interface LocalDemoIdentity {
  kind: 'local-demo';
}

export type ClientIdentity = GatewayIdentity | UplinkIdentity | OperatorIdentity | ObserverIdentity | LocalDemoIdentity;

export const LOCAL_DEMO_IDENTITY: LocalDemoIdentity = Object.freeze({ kind: 'local-demo' });

/** The client id this identity must connect with (null: any, for the local demo). */
export function clientIdOf(identity: ClientIdentity): string | null {
  switch (identity.kind) {
    case 'gateway':
      return identity.gateway;
    case 'uplink':
    case 'operator':
    case 'observer':
      return identity.id;
    case 'local-demo':
      return null;
  }
}

/** For logs: ids only (never a secret, never a payload). */
export function describeIdentity(identity: ClientIdentity): string {
  switch (identity.kind) {
    case 'gateway':
      return `gateway ${identity.site}/${identity.theatre}/${identity.gateway}`;
    case 'uplink':
    case 'operator':
    case 'observer':
      return `${identity.kind} ${identity.id} of ${identity.site}`;
    case 'local-demo':
      return 'local-demo client';
  }
}

/** Checks a value read from a credentials file or a certificate: null unless every id is valid. */
export function parseIdentity(value: unknown): ClientIdentity | null {
  if (value === null || typeof value !== 'object') return null;
  const v = value as Record<string, unknown>;
  switch (v.kind) {
    case 'gateway':
      return isValidId(v.site) && isValidId(v.theatre) && isValidId(v.gateway) ? { kind: 'gateway', site: v.site, theatre: v.theatre, gateway: v.gateway } : null;
    case 'uplink':
    case 'operator':
    case 'observer':
      return isValidId(v.site) && isValidId(v.id) ? { kind: v.kind, site: v.site, id: v.id } : null;
    default:
      return null; // 'local-demo' included: it is given by localDemoAuthenticator, never read from a file
  }
}
