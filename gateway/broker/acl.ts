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
//   local-demo                        nothing (gatewayAcl); everything (allowAllForLocalDemoAcl)
// Anything else is refused: '#', other sites, $SYS, topics outside implant/v1.
//
// The same rules are written as a Mosquitto acl file by provisioning/mosquitto.ts; an Acl is also
// what the embedded broker (server.ts) consults, through aedes-hooks.ts.

import { parseTopic, parseUplinkStateTopic, siteSubscription, type TopicKind } from '../../protocol/topics.ts';
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

const GATEWAY_PUBLISHES: readonly TopicKind[] = ['scan', 'state'];
const GATEWAY_SUBSCRIBES: readonly TopicKind[] = ['receipt', 'cmd'];
const UPLINK_READS: readonly TopicKind[] = ['scan', 'state'];
const OPERATOR_READS: readonly TopicKind[] = ['state'];

/** A filter that is exactly the site-wide wildcard subscription of one of `kinds`, or one exact topic of the site. */
function siteFilter(site: string, filter: string, kinds: readonly TopicKind[]): boolean {
  if (kinds.some((kind) => filter === siteSubscription(site, kind))) return true;
  const t = parseTopic(filter);
  return t !== null && t.site === site && kinds.includes(t.kind);
}

/** The production rules: one identity per gateway, least privilege. */
export const gatewayAcl: Acl = Object.freeze({
  name: 'gateway',
  authorizeConnect(identity: ClientIdentity, clientId: string): boolean {
    if (identity.kind === 'local-demo') return false;
    return clientId === clientIdOf(identity);
  },
  authorizePublish(identity: ClientIdentity, topic: string): boolean {
    const uplinkOf = parseUplinkStateTopic(topic);
    if (uplinkOf !== null) return identity.kind === 'uplink' && identity.site === uplinkOf;
    const t = parseTopic(topic);
    if (t === null) return false;
    switch (identity.kind) {
      case 'gateway':
        return t.site === identity.site && t.theatre === identity.theatre && t.gateway === identity.gateway && GATEWAY_PUBLISHES.includes(t.kind);
      case 'uplink':
        return t.site === identity.site && t.kind === 'receipt';
      case 'operator':
        return t.site === identity.site && t.kind === 'cmd';
      case 'local-demo':
        return false;
    }
  },
  authorizeSubscribe(identity: ClientIdentity, filter: string): boolean {
    const uplinkOf = parseUplinkStateTopic(filter);
    if (uplinkOf !== null) return identity.kind === 'gateway' && identity.site === uplinkOf;
    switch (identity.kind) {
      case 'gateway': {
        const t = parseTopic(filter); // an exact topic: a wildcard is never an id
        return t !== null && t.site === identity.site && t.theatre === identity.theatre && t.gateway === identity.gateway && GATEWAY_SUBSCRIBES.includes(t.kind);
      }
      case 'uplink':
        return siteFilter(identity.site, filter, UPLINK_READS);
      case 'operator':
        return siteFilter(identity.site, filter, OPERATOR_READS);
      case 'local-demo':
        return false;
    }
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
