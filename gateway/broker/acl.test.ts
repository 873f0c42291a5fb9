import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { TOPIC_KINDS, cmdTopic, receiptTopic, scanTopic, siteScanSubscription, siteStateSubscription, siteSubscription, stateTopic, topicFor } from '../../protocol/topics.ts';
import { allowAllForLocalDemoAcl, gatewayAcl } from './acl.ts';
import { LOCAL_DEMO_IDENTITY, parseIdentity, type GatewayIdentity, type OperatorIdentity, type UplinkIdentity } from './identity.ts';

const gw = (site: string, theatre: string, gateway: string): GatewayIdentity => ({ kind: 'gateway', site, theatre, gateway });
const A = gw('sahlgrenska', 'or-3', 'gw-or3');
const B = gw('sahlgrenska', 'or-4', 'gw-or4');
const A_ELSEWHERE = gw('sus-lund', 'or-3', 'gw-or3'); // same theatre and gateway ids, another site
const UPLINK: UplinkIdentity = { kind: 'uplink', site: 'sahlgrenska', id: 'uplink-sahlgrenska' };
const OPERATOR: OperatorIdentity = { kind: 'operator', site: 'sahlgrenska', id: 'ops' };
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

describe('gatewayAcl: the uplink and operators of a site', () => {
  test('the uplink reads scans and states of its site, and publishes its receipts', () => {
    expect(gatewayAcl.authorizeSubscribe(UPLINK, siteScanSubscription('sahlgrenska'))).toBe(true);
    expect(gatewayAcl.authorizeSubscribe(UPLINK, siteStateSubscription('sahlgrenska'))).toBe(true);
    expect(gatewayAcl.authorizeSubscribe(UPLINK, scanTopic(at(B)))).toBe(true);
    expect(gatewayAcl.authorizeSubscribe(UPLINK, siteSubscription('sahlgrenska', 'receipt'))).toBe(false);
    expect(gatewayAcl.authorizeSubscribe(UPLINK, siteSubscription('sahlgrenska', 'cmd'))).toBe(false);
    expect(gatewayAcl.authorizeSubscribe(UPLINK, siteScanSubscription('sus-lund'))).toBe(false);
    expect(gatewayAcl.authorizeSubscribe(UPLINK, 'implant/v1/+/+/+/scan')).toBe(false);
    expect(gatewayAcl.authorizeSubscribe(UPLINK, 'implant/v1/sahlgrenska/#')).toBe(false);
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

  test('the local-demo identity gets nothing from gatewayAcl, everything from allowAllForLocalDemoAcl', () => {
    expect(gatewayAcl.authorizeConnect(LOCAL_DEMO_IDENTITY, 'x')).toBe(false);
    expect(gatewayAcl.authorizePublish(LOCAL_DEMO_IDENTITY, scanTopic(at(A)))).toBe(false);
    expect(gatewayAcl.authorizeSubscribe(LOCAL_DEMO_IDENTITY, '#')).toBe(false);
    expect(allowAllForLocalDemoAcl.authorizePublish(LOCAL_DEMO_IDENTITY, 'x/y')).toBe(true);
    expect(allowAllForLocalDemoAcl.authorizeSubscribe(LOCAL_DEMO_IDENTITY, '#')).toBe(true);
  });
});

test('property: whatever the topic, a gateway may publish only to its own two topics', () => {
  const own = new Set([scanTopic(at(A)), stateTopic(at(A))]);
  const level = fc.oneof(fc.constantFrom('implant', 'v1', 'sahlgrenska', 'or-3', 'gw-or3', 'scan', 'state', 'receipt', '+', '#', ''), fc.string({ maxLength: 8 }));
  fc.assert(
    fc.property(fc.array(level, { minLength: 1, maxLength: 8 }), (levels) => {
      const topic = levels.join('/');
      return gatewayAcl.authorizePublish(A, topic) === own.has(topic);
    }),
    { numRuns: 2000 },
  );
});

test('parseIdentity accepts only well-formed identities, never local-demo', () => {
  expect(parseIdentity({ kind: 'gateway', site: 's', theatre: 't', gateway: 'g' })).toEqual({ kind: 'gateway', site: 's', theatre: 't', gateway: 'g' });
  expect(parseIdentity({ kind: 'uplink', site: 's', id: 'u' })).toEqual({ kind: 'uplink', site: 's', id: 'u' });
  expect(parseIdentity({ kind: 'gateway', site: 's', theatre: 't', gateway: 'g/#' })).toBeNull();
  expect(parseIdentity({ kind: 'uplink', site: '+', id: 'u' })).toBeNull();
  expect(parseIdentity({ kind: 'local-demo' })).toBeNull();
  expect(parseIdentity(null)).toBeNull();
});
