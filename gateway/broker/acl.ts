// Topic authorisation: what an authenticated identity (identity.ts) may do on the broker.
//   gatewayAcl.authorizePublish(gw('sahlgrenska','or-3','gw-or3'), 'implant/v1/sahlgrenska/or-3/gw-or3/scan')  → true
//   gatewayAcl.authorizePublish(gw('sahlgrenska','or-3','gw-or3'), 'implant/v1/sahlgrenska/or-4/gw-or4/scan')  → false
//   gatewayAcl.authorizeSubscribe(uplink('sahlgrenska'), 'implant/v1/sahlgrenska/+/+/scan')                   → true
//
// The rules (docs/architecture.md "Rules every part keeps"), decided on protocol/topics.ts
// `parseTopic`, so that only exact, valid topics ever match and a wildcard is never an id:
//   gateway {site, theatre, gateway}  publish   its own scan and state
//                                     subscribe its own receipt and cmd (exact topics, no wildcard)
//                                     connect   with client id = its gateway id (no session takeover)
//   uplink {site, id}                 subscribe implant/v1/{site}/+/+/scan and …/state, or one
//                                     gateway's scan or state topic of its site
//                                     publish   receipts of its site's gateways
//   uplink state (implant/v1/{site}/uplink/state): the site's uplink publishes it (retained
//                                     birth and will), the site's gateways subscribe to it
//   operator {site, id}               publish   commands (cmd) of its site's gateways
//                                     subscribe implant/v1/{site}/+/+/state, or one gateway's state
//   observer {site, id}               publish   nothing
//                                     subscribe implant/v1/{site}/+/+/scan and …/state, or one
//                                     gateway's scan or state topic of its site (read-only watching)
//   local-demo                        nothing (gatewayAcl); everything (allowAllForLocalDemoAcl)
// Anything else is refused: '#', other sites, $SYS, topics outside implant/v1.
//
// The table is ROLE_RULES: provisioning/mosquitto.ts writes the same rows as a Mosquitto acl file
// (provisioning/acl-parity.test.ts checks both agree); an Acl is also what the embedded broker
// (server.ts) consults, through aedes-hooks.ts.

import { parseTopic, parseUplinkStateTopic, siteSubscription, type ParsedTopic, type TopicKind } from '../../protocol/topics.ts';
import { clientIdOf, type ClientIdentity } from './identity.ts';

export interface Acl {
  /** A short name for logs and the `ready` line. */
  readonly name: string;
  /** May this identity connect with this MQTT client id? (A persistent session is keyed by it.) */
  authorizeConnect(identity: ClientIdentity, clientId: string): boolean;
  /** May this identity publish to this topic (also asked for its last will, at connect)? */
  authorizePublish(identity: ClientIdentity, topic: string): boolean;
  /** May this identity subscribe to this topic filter? */
  authorizeSubscribe(identity: ClientIdentity, filter: string): boolean;
}

/** A role's topics: only its own gateway's (exact topics), or any gateway's of its site. */
export type RoleScope = 'own-gateway' | 'site';

export interface RoleRules {
  scope: RoleScope;
  /** Topic kinds it may publish (exact topics only). */
  publish: readonly TopicKind[];
  /** Topic kinds it may subscribe to: exact topics, and for scope 'site' also the site-wide filter. */
  subscribe: readonly TopicKind[];
}

/** The rules table, one row per role: gatewayAcl decides from it, provisioning/mosquitto.ts writes it out. */
export const ROLE_RULES: Readonly<Record<Exclude<ClientIdentity['kind'], 'local-demo'>, RoleRules>> = Object.freeze({
  gateway: { scope: 'own-gateway', publish: ['scan', 'state'], subscribe: ['receipt', 'cmd'] },
  uplink: { scope: 'site', publish: ['receipt'], subscribe: ['scan', 'state'] },
  operator: { scope: 'site', publish: ['cmd'], subscribe: ['state'] },
  observer: { scope: 'site', publish: [], subscribe: ['scan', 'state'] },
});

type RoleIdentity = Exclude<ClientIdentity, { kind: 'local-demo' }>;

function inScope(identity: RoleIdentity, t: ParsedTopic): boolean {
  if (ROLE_RULES[identity.kind].scope === 'site') return t.site === identity.site;
  return identity.kind === 'gateway' && t.site === identity.site && t.theatre === identity.theatre && t.gateway === identity.gateway;
}

/** The production rules: one identity per gateway, least privilege. */
export const gatewayAcl: Acl = Object.freeze({
  name: 'gateway',
  authorizeConnect(identity: ClientIdentity, clientId: string): boolean {
    if (identity.kind === 'local-demo') return false;
    return clientId === clientIdOf(identity);
  },
  authorizePublish(identity: ClientIdentity, topic: string): boolean {
    if (identity.kind === 'local-demo') return false;
    const uplinkOf = parseUplinkStateTopic(topic);
    if (uplinkOf !== null) return identity.kind === 'uplink' && identity.site === uplinkOf;
    const t = parseTopic(topic);
    return t !== null && inScope(identity, t) && ROLE_RULES[identity.kind].publish.includes(t.kind);
  },
  authorizeSubscribe(identity: ClientIdentity, filter: string): boolean {
    if (identity.kind === 'local-demo') return false;
    const uplinkOf = parseUplinkStateTopic(filter);
    if (uplinkOf !== null) return identity.kind === 'gateway' && identity.site === uplinkOf;
    const rules = ROLE_RULES[identity.kind];
    if (rules.scope === 'site' && rules.subscribe.some((kind) => filter === siteSubscription(identity.site, kind))) return true;
    const t = parseTopic(filter); // otherwise an exact topic: a wildcard is never an id
    return t !== null && inScope(identity, t) && rules.subscribe.includes(t.kind);
  },
});

/**
 * Lets every client do everything. For `implant-scan demo` and `implant-scan broker` on a loopback
 * address only (cli/broker.ts refuses it on any other address): it is what a laptop demo needs and
 * what no hospital network may ever run.
 */
export const allowAllForLocalDemoAcl: Acl = Object.freeze({
  name: 'allow-all-for-local-demo',
  authorizeConnect: (): boolean => true,
  authorizePublish: (): boolean => true,
  authorizeSubscribe: (): boolean => true,
});
