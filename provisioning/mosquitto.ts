// The hospital broker as Mosquitto: its configuration and ACL file, written from the same rules as
// the embedded broker's (gateway/broker/acl.ts `ROLE_RULES`, the table `gatewayAcl` decides from).
//   mosquittoAcl([{ kind: 'gateway', site: 'sahlgrenska', theatre: 'or-7', gateway: 'gw-or7' }, …])
//     → "user gw-or7\ntopic write implant/v1/sahlgrenska/or-7/gw-or7/scan\n…"
//   mosquittoConf({ port: 8883, tls: { caFile, certFile, keyFile, crlFile }, aclFile, persistenceDir })
//
// Identity is the client certificate: `require_certificate` + `use_identity_as_username` make the
// certificate's CN the username the ACL is keyed by (the gateway id, the uplink's or operator's
// id), and `use_username_as_clientid` pins the MQTT client id to it, as gatewayAcl's
// authorizeConnect does: no device can take over another's session. Plain TCP is not offered.
// An observer (read-only, subscribe to its site's scans and states) has its own CN, so its own
// client id: it never takes the uplink's session.
//
// TLS: the policy of every listener (protocol/tls-policy.ts): TLS 1.2 at least, and in TLS 1.2
// ECDHE + AEAD suites only (TLS_1_2_CIPHERS); TLS 1.3's suites are all AEAD.
// The bounds (BROKER_LIMITS) keep one misbehaving client from exhausting the broker: a scan event
// is a few hundred bytes, and the protocol refuses any message over MAX_MESSAGE_BYTES anyway.

import { isValidId, TOPIC_PREFIX, uplinkStateTopic } from '../protocol/topics.ts';
import { TLS_1_2_CIPHERS, TLS_MIN_VERSION } from '../protocol/tls-policy.ts';
import { MAX_MESSAGE_BYTES } from '../protocol/wire.ts';
import { ROLE_RULES } from '../gateway/broker/acl.ts';
import type { ClientIdentity } from '../gateway/broker/identity.ts';

/** Mosquitto's bounds, with why each value fits. */
export const BROKER_LIMITS = {
  /** Whole MQTT packet: the largest message the protocol decodes (protocol/wire.ts) plus topic and header room; a bigger one disconnects its sender. */
  max_packet_size: MAX_MESSAGE_BYTES + 1024,
  /** Per listener: a hospital has tens of theatres; room for reconnect overlap and observers. */
  max_connections: 1000,
  /** Outgoing QoS 1 in flight per client (Mosquitto's default, said out loud). */
  max_inflight_messages: 20,
  /** Queued per client beyond those in flight (the uplink offline for a while: ~100,000 scans of a few hundred bytes). */
  max_queued_messages: 100_000,
  /** …and at most this many bytes per client, whichever comes first. */
  max_queued_bytes: 128 * 1024 * 1024,
  /** A session not resumed within this is dropped (a retired device's would stay forever otherwise). */
  persistent_client_expiration: '90d',
  /** The broker's heap, all clients together. */
  memory_limit: 1024 * 1024 * 1024,
} as const;

export type AclIdentity = ClientIdentity;

export interface MosquittoTlsFiles {
  caFile: string;
  certFile: string;
  keyFile: string;
  /** The site CA's revocation list: a revoked certificate cannot connect. */
  crlFile?: string;
}

export interface MosquittoConfOptions {
  port: number;
  /** Default: every address (the hospital network); the listener is TLS-only. */
  bindAddress?: string;
  tls: MosquittoTlsFiles;
  aclFile: string;
  /** Where Mosquitto keeps sessions and queued QoS 1 messages across restarts. */
  persistenceDir: string;
}

/** Refuses a value that would break out of its line or its topic level. */
function safeLine(what: string, value: string): string {
  if (!/^[^\s#\0-\x1f]+$/.test(value)) throw new Error(`${what} must be one path without spaces, '#' or control characters: ${JSON.stringify(value)}`);
  return value;
}

export function mosquittoConf(o: MosquittoConfOptions): string {
  if (!Number.isInteger(o.port) || o.port < 1 || o.port > 65535) throw new Error(`port must be 1–65535, not ${o.port}`);
  const lines = [
    '# Implant Scan hospital broker (written by implant-scan provision; edit the fleet file, not this)',
    'per_listener_settings false',
    'allow_anonymous false',
    `acl_file ${safeLine('aclFile', o.aclFile)}`,
    'persistence true',
    `persistence_location ${safeLine('persistenceDir', o.persistenceDir.endsWith('/') ? o.persistenceDir : `${o.persistenceDir}/`)}`,
    ...Object.entries(BROKER_LIMITS)
      .filter(([k]) => k !== 'max_connections')
      .map(([k, v]) => `${k} ${v}`),
    '',
    `listener ${o.port}${o.bindAddress ? ` ${safeLine('bindAddress', o.bindAddress)}` : ''}`,
    `cafile ${safeLine('caFile', o.tls.caFile)}`,
    `certfile ${safeLine('certFile', o.tls.certFile)}`,
    `keyfile ${safeLine('keyFile', o.tls.keyFile)}`,
    ...(o.tls.crlFile ? [`crlfile ${safeLine('crlFile', o.tls.crlFile)}`] : []),
    `tls_version ${TLS_MIN_VERSION.toLowerCase()}`,
    `ciphers ${TLS_1_2_CIPHERS}`,
    `max_connections ${BROKER_LIMITS.max_connections}`,
    'require_certificate true',
    'use_identity_as_username true',
    'use_username_as_clientid true',
    '',
  ];
  return lines.join('\n');
}

/** One `user` block per identity, least privilege: the rows of gatewayAcl's table (ROLE_RULES). */
export function mosquittoAcl(identities: readonly AclIdentity[]): string {
  const seen = new Set<string>();
  const blocks = identities.map((identity) => {
    if (identity.kind === 'local-demo') throw new Error('the local-demo identity has no place on a hospital broker');
    const user = identity.kind === 'gateway' ? identity.gateway : identity.id;
    for (const [what, value] of Object.entries(identity)) {
      if (what !== 'kind' && !isValidId(value)) throw new Error(`${identity.kind} ${what} must match [A-Za-z0-9_-]{1,64}: ${JSON.stringify(value)}`);
    }
    if (seen.has(user)) throw new Error(`${user} appears twice: every certificate CN (gateway, uplink, operator or observer id) must be unique on a broker`);
    seen.add(user);
    const role = ROLE_RULES[identity.kind];
    const place = `${TOPIC_PREFIX}/${identity.site}/${identity.kind === 'gateway' && role.scope === 'own-gateway' ? `${identity.theatre}/${identity.gateway}` : '+/+'}`;
    const rules = [...role.publish.map((kind) => `write ${place}/${kind}`), ...role.subscribe.map((kind) => `read ${place}/${kind}`)];
    // The site's uplink announces itself (retained birth and will); its gateways listen for it.
    if (identity.kind === 'gateway') rules.push(`read ${uplinkStateTopic(identity.site)}`);
    if (identity.kind === 'uplink') rules.push(`write ${uplinkStateTopic(identity.site)}`);
    return [`# ${identity.kind} of ${identity.site}`, `user ${user}`, ...rules.map((r) => `topic ${r}`), ''].join('\n');
  });
  return ['# Implant Scan broker ACL (written by implant-scan provision). Anything not listed is refused.', '', ...blocks].join('\n');
}
