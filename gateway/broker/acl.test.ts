import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { TOPIC_KINDS, uplinkStateTopic, cmdTopic, receiptTopic, scanTopic, siteScanSubscription, siteStateSubscription, siteSubscription, stateTopic, topicFor } from '../../protocol/topics.ts';
import { allowAllForLocalDemoAcl, gatewayAcl } from './acl.ts';
import { LOCAL_DEMO_IDENTITY, parseIdentity, type ClientIdentity, type GatewayIdentity, type ObserverIdentity, type OperatorIdentity, type UplinkIdentity } from './identity.ts';

const gw = (site: string, theatre: string, gateway: string): GatewayIdentity => ({ kind: 'gateway', site, theatre, gateway });
const A = gw('sahlgrenska', 'or-3', 'gw-or3');
const B = gw('sahlgrenska', 'or-4', 'gw-or4');
const A_ELSEWHERE = gw('sus-lund', 'or-3', 'gw-or3'); // same theatre and gateway ids, another site
const UPLINK: UplinkIdentity = { kind: 'uplink', site: 'sahlgrenska', id: 'uplink-sahlgrenska' };
const OPERATOR: OperatorIdentity = { kind: 'operator', site: 'sahlgrenska', id: 'ops' };
const OBSERVER: ObserverIdentity = { kind: 'observer', site: 'sahlgrenska', id: 'watch-it' };
const at = (g: GatewayIdentity) => ({ site: g.site, theatre: g.theatre, gateway: g.gateway });

describe('gatewayAcl: a gateway', () => {
  test('publishes only its own scan and state', () => {
    expect(gatewayAcl.authorizePublish(A, scanTopic(at(A)))).toBe(true);
    expect(gatewayAcl.authorizePublish(A, stateTopic(at(A)))).toBe(true);
    expect(gatewayAcl.authorizePublish(A, receiptTopic(at(A)))).toBe(false);
    expect(gatewayAcl.authorizePublish(A, cmdTopic(at(A)))).toBe(false);
    for (const kind of TOPIC_KINDS) {
      expect(gatewayAcl.authorizePublish(A, topicFor(at(B), kind))).toBe(false);
      expect(gatewayAcl.authorizePublish(A, topicFor(at(A_ELSEWHERE), kind))).toBe(false);
    }
  });

  test('subscribes only to its own receipt and cmd, as exact topics', () => {
    expect(gatewayAcl.authorizeSubscribe(A, receiptTopic(at(A)))).toBe(true);
    expect(gatewayAcl.authorizeSubscribe(A, cmdTopic(at(A)))).toBe(true);
    for (const filter of [
      scanTopic(at(A)),
      stateTopic(at(A)),
      receiptTopic(at(B)),
      cmdTopic(at(B)),
      receiptTopic(at(A_ELSEWHERE)),
      'implant/v1/sahlgrenska/or-3/+/receipt',
      'implant/v1/sahlgrenska/+/+/receipt',
      'implant/v1/sahlgrenska/or-3/gw-or3/#',
      'implant/v1/#',
      '#',
      '+/+/+/+/+/+',
      '$SYS/#',
    ]) {
      expect(gatewayAcl.authorizeSubscribe(A, filter), filter).toBe(false);
    }
  });

  test('connects only with its own gateway id as client id', () => {
    expect(gatewayAcl.authorizeConnect(A, 'gw-or3')).toBe(true);
    expect(gatewayAcl.authorizeConnect(A, 'gw-or4')).toBe(false);
    expect(gatewayAcl.authorizeConnect(A, '')).toBe(false);
  });
});

/** What the uplink and an observer both may read: every scan and state of their site, nothing else. */
function expectReadsSiteScansAndStates(identity: UplinkIdentity | ObserverIdentity): void {
  const allowed = [siteScanSubscription('sahlgrenska'), siteStateSubscription('sahlgrenska'), scanTopic(at(B)), stateTopic(at(B))];
  const refused = [siteSubscription('sahlgrenska', 'receipt'), siteSubscription('sahlgrenska', 'cmd'), receiptTopic(at(B)), siteScanSubscription('sus-lund'), 'implant/v1/+/+/+/scan', 'implant/v1/sahlgrenska/#'];
  for (const filter of allowed) expect(gatewayAcl.authorizeSubscribe(identity, filter), filter).toBe(true);
  for (const filter of refused) expect(gatewayAcl.authorizeSubscribe(identity, filter), filter).toBe(false);
}

describe('gatewayAcl: the uplink, operators and observers of a site', () => {
  test('the uplink state topic: its site\'s uplink publishes it, its site\'s gateways subscribe to it', () => {
    expect(gatewayAcl.authorizePublish(UPLINK, uplinkStateTopic('sahlgrenska'))).toBe(true);
    expect(gatewayAcl.authorizePublish(UPLINK, uplinkStateTopic('sus-lund'))).toBe(false);
    expect(gatewayAcl.authorizePublish(A, uplinkStateTopic('sahlgrenska'))).toBe(false);
    expect(gatewayAcl.authorizePublish(OPERATOR, uplinkStateTopic('sahlgrenska'))).toBe(false);
    expect(gatewayAcl.authorizeSubscribe(A, uplinkStateTopic('sahlgrenska'))).toBe(true);
    expect(gatewayAcl.authorizeSubscribe(A_ELSEWHERE, uplinkStateTopic('sahlgrenska'))).toBe(false);
    expect(gatewayAcl.authorizeSubscribe(A, 'implant/v1/sahlgrenska/+/state')).toBe(false);
    expect(gatewayAcl.authorizeSubscribe(A, 'implant/v1/+/uplink/state')).toBe(false);
    // Only gateways wait for the uplink's birth: the site's other roles may not read it.
    for (const other of [UPLINK, OPERATOR, OBSERVER]) expect(gatewayAcl.authorizeSubscribe(other, uplinkStateTopic('sahlgrenska')), other.kind).toBe(false);
  });

  test('the uplink reads scans and states of its site, and publishes its receipts', () => {
    expectReadsSiteScansAndStates(UPLINK);
    expect(gatewayAcl.authorizePublish(UPLINK, receiptTopic(at(B)))).toBe(true);
    expect(gatewayAcl.authorizePublish(UPLINK, receiptTopic(at(A_ELSEWHERE)))).toBe(false);
    expect(gatewayAcl.authorizePublish(UPLINK, scanTopic(at(B)))).toBe(false);
    expect(gatewayAcl.authorizePublish(UPLINK, stateTopic(at(B)))).toBe(false);
    expect(gatewayAcl.authorizePublish(UPLINK, cmdTopic(at(B)))).toBe(false);
    expect(gatewayAcl.authorizeConnect(UPLINK, 'uplink-sahlgrenska')).toBe(true);
    expect(gatewayAcl.authorizeConnect(UPLINK, 'gw-or3')).toBe(false);
  });

  test('an operator sends commands to its site and reads states, nothing else', () => {
    expect(gatewayAcl.authorizePublish(OPERATOR, cmdTopic(at(A)))).toBe(true);
    expect(gatewayAcl.authorizePublish(OPERATOR, cmdTopic(at(A_ELSEWHERE)))).toBe(false);
    expect(gatewayAcl.authorizePublish(OPERATOR, receiptTopic(at(A)))).toBe(false);
    expect(gatewayAcl.authorizeSubscribe(OPERATOR, siteStateSubscription('sahlgrenska'))).toBe(true);
    expect(gatewayAcl.authorizeSubscribe(OPERATOR, siteScanSubscription('sahlgrenska'))).toBe(false);
  });

  test('an observer reads scans and states of its site, publishes nothing, connects only as itself', () => {
    expectReadsSiteScansAndStates(OBSERVER);
    for (const kind of TOPIC_KINDS) expect(gatewayAcl.authorizePublish(OBSERVER, topicFor(at(A), kind)), kind).toBe(false);
    expect(gatewayAcl.authorizeConnect(OBSERVER, 'watch-it')).toBe(true);
    expect(gatewayAcl.authorizeConnect(OBSERVER, 'uplink-sahlgrenska')).toBe(false);
  });

  test('the local-demo identity gets nothing from gatewayAcl, everything from allowAllForLocalDemoAcl', () => {
    expect(gatewayAcl.authorizeConnect(LOCAL_DEMO_IDENTITY, 'x')).toBe(false);
    expect(gatewayAcl.authorizePublish(LOCAL_DEMO_IDENTITY, scanTopic(at(A)))).toBe(false);
    expect(gatewayAcl.authorizeSubscribe(LOCAL_DEMO_IDENTITY, '#')).toBe(false);
    expect(allowAllForLocalDemoAcl.authorizePublish(LOCAL_DEMO_IDENTITY, 'x/y')).toBe(true);
    expect(allowAllForLocalDemoAcl.authorizeSubscribe(LOCAL_DEMO_IDENTITY, '#')).toBe(true);
    expect(allowAllForLocalDemoAcl.authorizeConnect(LOCAL_DEMO_IDENTITY, 'any-client')).toBe(true);
    // The names the broker's ready line and logs print, so an operator sees which rules run.
    expect([gatewayAcl.name, allowAllForLocalDemoAcl.name]).toEqual(['gateway', 'allow-all-for-local-demo']);
  });
});

// The rules table of README.md, restated without acl.ts or protocol/topics.ts: the oracle.
const VALID_ID = /^[A-Za-z0-9_-]{1,64}$/;
/** An exact topic implant/v1/{site}/{theatre}/{gateway}/{kind}, with valid ids. */
function exact(topic: string): { site: string; theatre: string; gateway: string; kind: string } | null {
  const l = topic.split('/');
  if (l.length !== 6 || l[0] !== 'implant' || l[1] !== 'v1' || !l.slice(2, 5).every((x) => VALID_ID.test(x))) return null;
  return ['scan', 'state', 'receipt', 'cmd'].includes(l[5]!) ? { site: l[2]!, theatre: l[3]!, gateway: l[4]!, kind: l[5]! } : null;
}
function oracle(identity: ClientIdentity, action: 'publish' | 'subscribe', topic: string): boolean {
  const t = exact(topic);
  switch (identity.kind) {
    case 'gateway': {
      const own = t !== null && t.site === identity.site && t.theatre === identity.theatre && t.gateway === identity.gateway;
      return own && (action === 'publish' ? ['scan', 'state'] : ['receipt', 'cmd']).includes(t.kind);
    }
    case 'uplink':
      if (action === 'publish') return t !== null && t.site === identity.site && t.kind === 'receipt';
      return [`implant/v1/${identity.site}/+/+/scan`, `implant/v1/${identity.site}/+/+/state`].includes(topic) || (t !== null && t.site === identity.site && ['scan', 'state'].includes(t.kind));
    case 'operator':
      if (action === 'publish') return t !== null && t.site === identity.site && t.kind === 'cmd';
      return topic === `implant/v1/${identity.site}/+/+/state` || (t !== null && t.site === identity.site && t.kind === 'state');
    case 'observer':
      if (action === 'publish') return false;
      return [`implant/v1/${identity.site}/+/+/scan`, `implant/v1/${identity.site}/+/+/state`].includes(topic) || (t !== null && t.site === identity.site && ['scan', 'state'].includes(t.kind));
    case 'local-demo':
      return false;
  }
}

const IDENTITIES: ClientIdentity[] = [A, B, A_ELSEWHERE, UPLINK, { kind: 'uplink', site: 'sus-lund', id: 'uplink-sus-lund' }, OPERATOR, OBSERVER, { kind: 'observer', site: 'sus-lund', id: 'watch-lund' }, LOCAL_DEMO_IDENTITY];
const word = fc.constantFrom('implant', 'v1', 'sahlgrenska', 'sus-lund', 'or-3', 'or-4', 'gw-or3', 'gw-or4', 'scan', 'state', 'receipt', 'cmd', '+', '#', '', '$SYS');
/** Mostly the identity's own value, sometimes another or a wildcard: allowed and refused cases both come up often. */
const level = (own: string, others: string[]) => fc.oneof({ weight: 3, arbitrary: fc.constant(own) }, { weight: 2, arbitrary: fc.constantFrom(...others) });
/** A topic or filter shaped like ours, built around the identity's own place (most), or any levels. */
function topicOrFilter(identity: ClientIdentity) {
  const site = identity.kind === 'local-demo' ? 'sahlgrenska' : identity.site;
  const theatre = identity.kind === 'gateway' ? identity.theatre : 'or-3';
  const gateway = identity.kind === 'gateway' ? identity.gateway : 'gw-or3';
  const shaped = fc
    .tuple(level(site, ['sus-lund', '+', '#']), level('+', [theatre, 'or-4', 'x/y']), level('+', [gateway, 'gw-or4', '#']), fc.constantFrom('scan', 'state', 'receipt', 'cmd', '#', 'scan/x'))
    .map((l) => `implant/v1/${l.join('/')}`);
  const exactOwn = fc.constantFrom('scan', 'state', 'receipt', 'cmd').map((kind) => `implant/v1/${site}/${theatre}/${gateway}/${kind}`);
  const any = fc.array(fc.oneof(word, fc.string({ maxLength: 8 })), { minLength: 1, maxLength: 8 }).map((l) => l.join('/'));
  return fc.oneof({ weight: 2, arbitrary: exactOwn }, { weight: 3, arbitrary: shaped }, { weight: 2, arbitrary: any });
}
const cases = fc.constantFrom(...IDENTITIES).chain((identity) => fc.tuple(fc.constant(identity), fc.constantFrom('publish' as const, 'subscribe' as const), topicOrFilter(identity)));

test('property: for every role, publish and subscribe are allowed exactly as the rules table says', () => {
  let allowed = 0;
  let runs = 0;
  fc.assert(
    fc.property(cases, ([identity, action, topic]) => {
      runs++;
      const expected = oracle(identity, action, topic);
      if (expected) allowed++;
      const actual = action === 'publish' ? gatewayAcl.authorizePublish(identity, topic) : gatewayAcl.authorizeSubscribe(identity, topic);
      expect(actual, `${identity.kind} ${action} ${topic}`).toBe(expected);
    }),
    { numRuns: 20_000 },
  );
  // Both outcomes are exercised: an oracle that always says "no" would prove little.
  expect(allowed / runs).toBeGreaterThan(0.05);
  expect(allowed / runs).toBeLessThan(0.95);
});

test('parseIdentity accepts only well-formed identities, never local-demo', () => {
  expect(parseIdentity({ kind: 'gateway', site: 's', theatre: 't', gateway: 'g' })).toEqual({ kind: 'gateway', site: 's', theatre: 't', gateway: 'g' });
  expect(parseIdentity({ kind: 'uplink', site: 's', id: 'u' })).toEqual({ kind: 'uplink', site: 's', id: 'u' });
  expect(parseIdentity({ kind: 'observer', site: 's', id: 'o' })).toEqual({ kind: 'observer', site: 's', id: 'o' });
  expect(parseIdentity({ kind: 'observer', site: 's', id: '#' })).toBeNull();
  expect(parseIdentity({ kind: 'gateway', site: 's', theatre: 't', gateway: 'g/#' })).toBeNull();
  expect(parseIdentity({ kind: 'uplink', site: '+', id: 'u' })).toBeNull();
  expect(parseIdentity({ kind: 'local-demo' })).toBeNull();
  expect(parseIdentity(null)).toBeNull();
});
