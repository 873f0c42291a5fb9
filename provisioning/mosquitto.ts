// The hospital broker as Mosquitto: its configuration and ACL file, written from the same rules as
// the embedded broker's (gateway/broker/acl.ts `gatewayAcl`).
//   mosquittoAcl([{ kind: 'gateway', site: 'sahlgrenska', theatre: 'or-7', gateway: 'gw-or7' }, …])
//     → "user gw-or7\ntopic write implant/v1/sahlgrenska/or-7/gw-or7/scan\n…"
//   mosquittoConf({ port: 8883, tls: { caFile, certFile, keyFile, crlFile }, aclFile, persistenceDir })
//
// Identity is the client certificate: `require_certificate` + `use_identity_as_username` make the
// certificate's CN the username the ACL is keyed by (the gateway id, the uplink's or operator's
// id), and `use_username_as_clientid` pins the MQTT client id to it, as gatewayAcl's
// authorizeConnect does: no device can take over another's session. Plain TCP is not offered.

import { isValidId, TOPIC_PREFIX } from '../protocol/topics.ts';
import type { ClientIdentity } from '../gateway/broker/identity.ts';

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
    // A gateway publishes a few scans a minute; a backlog replay is paced by the gateway's own window.
    'max_queued_messages 100000',
    '',
    `listener ${o.port}${o.bindAddress ? ` ${safeLine('bindAddress', o.bindAddress)}` : ''}`,
    `cafile ${safeLine('caFile', o.tls.caFile)}`,
    `certfile ${safeLine('certFile', o.tls.certFile)}`,
    `keyfile ${safeLine('keyFile', o.tls.keyFile)}`,
    ...(o.tls.crlFile ? [`crlfile ${safeLine('crlFile', o.tls.crlFile)}`] : []),
    'tls_version tlsv1.2',
    'require_certificate true',
    'use_identity_as_username true',
    'use_username_as_clientid true',
    '',
  ];
  return lines.join('\n');
}

/** One `user` block per identity, least privilege (the rules of gatewayAcl). */
export function mosquittoAcl(identities: readonly ClientIdentity[]): string {
  const seen = new Set<string>();
  const blocks = identities.map((identity) => {
    if (identity.kind === 'local-demo') throw new Error('the local-demo identity has no place on a hospital broker');
    const user = identity.kind === 'gateway' ? identity.gateway : identity.id;
    for (const [what, value] of Object.entries(identity)) {
      if (what !== 'kind' && !isValidId(value)) throw new Error(`${identity.kind} ${what} must match [A-Za-z0-9_-]{1,64}: ${JSON.stringify(value)}`);
    }
    if (seen.has(user)) throw new Error(`${user} appears twice: every certificate CN (gateway, uplink or operator id) must be unique on a broker`);
    seen.add(user);
    const site = `${TOPIC_PREFIX}/${identity.site}`;
    const rules =
      identity.kind === 'gateway'
        ? [`write ${site}/${identity.theatre}/${identity.gateway}/scan`, `write ${site}/${identity.theatre}/${identity.gateway}/state`, `read ${site}/${identity.theatre}/${identity.gateway}/receipt`, `read ${site}/${identity.theatre}/${identity.gateway}/cmd`]
        : identity.kind === 'uplink'
          ? [`read ${site}/+/+/scan`, `read ${site}/+/+/state`, `write ${site}/+/+/receipt`]
          : [`read ${site}/+/+/state`, `write ${site}/+/+/cmd`];
    return [`# ${identity.kind} of ${identity.site}`, `user ${user}`, ...rules.map((r) => `topic ${r}`), ''].join('\n');
  });
  return ['# Implant Scan broker ACL (written by implant-scan provision). Anything not listed is refused.', '', ...blocks].join('\n');
}
