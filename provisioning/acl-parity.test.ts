// The embedded broker's rules (gatewayAcl) and the Mosquitto ACL file (mosquittoAcl) come from one
// table (ROLE_RULES); this reads the generated file back as Mosquitto would match it and checks
// that both allow exactly the same, so neither can drift from the other.
import { expect, test } from 'vitest';
import { gatewayAcl, ROLE_RULES } from '../gateway/broker/acl.ts';
import { clientIdOf, type ClientIdentity } from '../gateway/broker/identity.ts';
import { siteSubscription, TOPIC_KINDS, topicFor } from '../protocol/topics.ts';
import { mosquittoAcl } from './mosquitto.ts';

const SITE = 'sahlgrenska';
const IDENTITIES: ClientIdentity[] = [
  { kind: 'gateway', site: SITE, theatre: 'or-3', gateway: 'gw-or3' },
  { kind: 'uplink', site: SITE, id: 'uplink-sahlgrenska' },
  { kind: 'operator', site: SITE, id: 'ops' },
  { kind: 'observer', site: SITE, id: 'watch-it' },
];

/** user → its `topic read|write PATTERN` lines. */
function readBack(text: string): Map<string, Array<{ access: 'read' | 'write'; pattern: string }>> {
  const users = new Map<string, Array<{ access: 'read' | 'write'; pattern: string }>>();
  let current: Array<{ access: 'read' | 'write'; pattern: string }> | null = null;
  for (const line of text.split('\n')) {
    const user = /^user (\S+)$/.exec(line);
    const topic = /^topic (read|write) (\S+)$/.exec(line);
    if (user) users.set(user[1]!, (current = []));
    else if (topic) current!.push({ access: topic[1] as 'read' | 'write', pattern: topic[2]! });
  }
  return users;
}

/** MQTT matching of a topic (or a filter, level by level) against an ACL pattern with '+'. */
const matches = (pattern: string, topic: string): boolean => {
  const p = pattern.split('/');
  const t = topic.split('/');
  return p.length === t.length && p.every((level, i) => level === '+' || level === t[i]);
};

test('every role of the table is written to the Mosquitto ACL', () => {
  expect(Object.keys(ROLE_RULES).sort()).toEqual(IDENTITIES.map((i) => i.kind).sort());
});

test('Mosquitto ACL and gatewayAcl allow the same publishes and subscriptions, for every role', () => {
  const acl = readBack(mosquittoAcl(IDENTITIES));
  const places = [
    { site: SITE, theatre: 'or-3', gateway: 'gw-or3' },
    { site: SITE, theatre: 'or-4', gateway: 'gw-or4' },
    { site: 'sus-lund', theatre: 'or-3', gateway: 'gw-or3' },
  ];
  let allowed = 0;
  for (const identity of IDENTITIES) {
    const rules = acl.get(clientIdOf(identity)!);
    expect(rules, identity.kind).toBeDefined();
    const mosquitto = (access: 'read' | 'write', topic: string) => rules!.some((r) => r.access === access && matches(r.pattern, topic));
    for (const place of places) {
      for (const kind of TOPIC_KINDS) {
        const topic = topicFor(place, kind);
        expect(gatewayAcl.authorizePublish(identity, topic), `${identity.kind} publish ${topic}`).toBe(mosquitto('write', topic));
        expect(gatewayAcl.authorizeSubscribe(identity, topic), `${identity.kind} subscribe ${topic}`).toBe(mosquitto('read', topic));
        if (mosquitto('read', topic) || mosquitto('write', topic)) allowed++;
      }
    }
    // The site-wide filters: granted by gatewayAcl exactly where Mosquitto has that very pattern.
    for (const site of [SITE, 'sus-lund']) {
      for (const kind of TOPIC_KINDS) {
        const filter = siteSubscription(site, kind);
        expect(gatewayAcl.authorizeSubscribe(identity, filter), `${identity.kind} subscribe ${filter}`).toBe(rules!.some((r) => r.access === 'read' && r.pattern === filter));
      }
    }
  }
  expect(allowed).toBeGreaterThan(10);
});
