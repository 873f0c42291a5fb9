// Topic builders and parser: exact topics only, no level or wildcard injection through an id.
//   parseTopic(scanTopic(a)) → { ...a, kind: 'scan' } for every valid address a.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  cmdTopic,
  fleetSubscription,
  MAX_TOPIC_LENGTH,
  parseTopic,
  parseUplinkStateTopic,
  receiptTopic,
  scanTopic,
  siteScanSubscription,
  siteStateSubscription,
  siteSubscription,
  stateTopic,
  TOPIC_KINDS,
  topicFor,
  uplinkStateTopic,
  type GatewayAddress,
  type TopicKind,
} from './topics.ts';

const RUNS = Number(process.env.FUZZ_RUNS ?? 20_000);
const A: GatewayAddress = { site: 'sahlgrenska', theatre: 'or-3', gateway: 'gw-or3' };
const id = fc.stringMatching(/^[A-Za-z0-9_-]{1,64}$/);
const address = fc.record({ site: id, theatre: id, gateway: id }, { noNullPrototype: true });
const kind = fc.constantFrom(...TOPIC_KINDS);

/** A builder-made topic, then zero to two edits of the kind an attacker or a typo makes. */
const nearMiss = fc.constantFrom('', '/', '+', '#', '\u0000', ' ', 'é', '\n', '$', '.', 'a', 'Z', '9', '-', '_', 'SCAN', 'x'.repeat(64));
const edit = fc.tuple(fc.constantFrom('set', 'insert', 'delete'), fc.nat(), nearMiss);
const topicOrNearMiss = fc
  .tuple(address, kind, fc.array(edit, { maxLength: 2 }), fc.nat({ max: 9 }))
  .map(([a, k, edits, untouched]) => {
    let t = topicFor(a, k);
    // Seven in ten stay exactly as built, so the accepting branch runs on most cases.
    if (untouched < 7) return t;
    for (const [op, at, s] of edits) {
      const i = at % (t.length + 1);
      if (op === 'set') t = t.slice(0, i) + s + t.slice(i + 1);
      else if (op === 'insert') t = t.slice(0, i) + s + t.slice(i);
      else t = t.slice(0, i) + t.slice(i + 1);
    }
    return t;
  });

/** Whether the builder, given the string's own levels, makes exactly that string. */
function builderCouldMake(s: string): boolean {
  const [root, version, site, theatre, gateway, k, ...rest] = s.split('/');
  if (rest.length > 0 || k === undefined) return false;
  try {
    return `${root}/${version}` === 'implant/v1' && topicFor({ site: site!, theatre: theatre!, gateway: gateway! }, k as TopicKind) === s;
  } catch {
    return false;
  }
}

describe('builders', () => {
  it('build the four topics of a gateway', () => {
    expect(scanTopic(A)).toBe('implant/v1/sahlgrenska/or-3/gw-or3/scan');
    expect(stateTopic(A)).toBe('implant/v1/sahlgrenska/or-3/gw-or3/state');
    expect(receiptTopic(A)).toBe('implant/v1/sahlgrenska/or-3/gw-or3/receipt');
    expect(cmdTopic(A)).toBe('implant/v1/sahlgrenska/or-3/gw-or3/cmd');
  });

  it('build the wildcard subscriptions of the uplink and of a fleet monitor', () => {
    expect(siteScanSubscription('sahlgrenska')).toBe('implant/v1/sahlgrenska/+/+/scan');
    expect(siteStateSubscription('sahlgrenska')).toBe('implant/v1/sahlgrenska/+/+/state');
    expect(siteSubscription('sus_lund', 'receipt')).toBe('implant/v1/sus_lund/+/+/receipt');
    expect(fleetSubscription('state')).toBe('implant/v1/+/+/+/state');
  });

  it.each([
    ['a/b', 'a level'],
    ['+', 'a single-level wildcard'],
    ['#', 'a multi-level wildcard'],
    ['a+', 'a wildcard inside an id'],
    ['', 'nothing'],
    ['x'.repeat(65), '65 characters'],
    ['gw\u0000', 'NUL'],
    ['gw 1', 'a space'],
    ['gw\n', 'a trailing newline'],
    ['gwå', 'a non-ASCII letter'],
    ['$SYS', "a '$' (broker-internal topics)"],
  ])('refuse %j (%s) in any id', (bad) => {
    expect(() => scanTopic({ ...A, site: bad })).toThrow(TypeError);
    expect(() => cmdTopic({ ...A, theatre: bad })).toThrow(TypeError);
    expect(() => receiptTopic({ ...A, gateway: bad })).toThrow(/gateway must match/);
    expect(() => siteScanSubscription(bad)).toThrow(TypeError);
  });

  it('refuse a kind that is not one of the four, and non-string ids', () => {
    expect(() => topicFor(A, 'scan/#' as TopicKind)).toThrow(TypeError);
    expect(() => siteSubscription('s', '+' as TopicKind)).toThrow(TypeError);
    expect(() => fleetSubscription('#' as TopicKind)).toThrow(TypeError);
    expect(() => scanTopic({ ...A, site: 42 as unknown as string })).toThrow(TypeError);
  });

  it('never make a topic with a wildcard or an extra level from arbitrary strings', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 80 }), kind, (s, k) => {
        let topic: string;
        try {
          topic = topicFor({ ...A, theatre: s }, k);
        } catch (e) {
          expect(e).toBeInstanceOf(TypeError);
          return;
        }
        expect(topic.split('/')).toHaveLength(6);
        expect(topic).not.toMatch(/[+#\u0000]/);
      }),
      { numRuns: Math.floor(RUNS / 4) },
    );
  });
});

describe('parseTopic', () => {
  it('reads an exact topic', () => {
    expect(parseTopic('implant/v1/sahlgrenska/or-3/gw-or3/receipt')).toStrictEqual({ site: 'sahlgrenska', theatre: 'or-3', gateway: 'gw-or3', kind: 'receipt' });
    expect(parseTopic(`implant/v1/${'a'.repeat(64)}/${'b'.repeat(64)}/${'c'.repeat(64)}/receipt`)).not.toBeNull();
  });

  it('round trips with the builders', () => {
    fc.assert(
      fc.property(address, kind, (a, k) => {
        const topic = topicFor(a, k);
        expect(topic.length).toBeLessThanOrEqual(MAX_TOPIC_LENGTH);
        expect(parseTopic(topic)).toStrictEqual({ ...a, kind: k });
      }),
      { numRuns: Math.floor(RUNS / 4) },
    );
  });

  it.each([
    'implant/v1/sahlgrenska/+/gw-or3/scan',
    'implant/v1/sahlgrenska/#',
    'implant/v1/+/+/+/scan',
    'implant/v1/sahlgrenska/or-3/gw-or3/scan/extra',
    'implant/v1/sahlgrenska/or-3/gw-or3',
    'implant/v1/sahlgrenska/or-3/gw-or3/',
    '/implant/v1/sahlgrenska/or-3/gw-or3/scan',
    'implant/v1/sahlgrenska//gw-or3/scan',
    'implant/v2/sahlgrenska/or-3/gw-or3/scan',
    'Implant/v1/sahlgrenska/or-3/gw-or3/scan',
    'implant/V1/sahlgrenska/or-3/gw-or3/scan',
    'implant/v1/sahlgrenska/or-3/gw-or3/SCAN',
    'implant/v1/sahlgrenska/or-3/gw-or3/command',
    'implant/v1/sahlgrenska/or-3/gw-or3/scan\n',
    'implant/v1/sahlgrenska/or-3/gw\u0000/scan',
    'implant/v1/sahlgrenska/or 3/gw-or3/scan',
    'implant/v1/sahlgrenska/or-3/gw-or\u0433/scan',
    '$share/uplink/implant/v1/sahlgrenska/+/+/scan',
    '$SYS/broker/clients',
    `implant/v1/${'a'.repeat(65)}/or-3/gw-or3/scan`,
    '',
  ])('refuses %j', (topic) => {
    expect(parseTopic(topic)).toBeNull();
  });

  it('refuses overlong input without splitting it', () => {
    expect(parseTopic('implant/v1/' + '/'.repeat(10_000_000))).toBeNull();
    expect(parseTopic('x'.repeat(MAX_TOPIC_LENGTH + 1))).toBeNull();
  });

  it('refuses what is not a string', () => {
    for (const v of [null, undefined, 42, {}, ['implant', 'v1'], Buffer.from('implant/v1/s/t/g/scan')]) expect(parseTopic(v)).toBeNull();
  });

  it('never throws, and what it accepts is exactly what the builder makes', () => {
    let accepted = 0;
    fc.assert(
      fc.property(topicOrNearMiss, (s) => {
        const p = parseTopic(s);
        if (p !== null) {
          accepted += 1;
          expect(topicFor(p, p.kind)).toBe(s);
        } else {
          expect(builderCouldMake(s)).toBe(false);
        }
      }),
      { numRuns: RUNS },
    );
    // The accepting branch is the claim; a generator that rarely reaches it proves nothing.
    expect(accepted / RUNS).toBeGreaterThanOrEqual(0.5);
  });
});

describe('the uplink state topic', () => {
  it('is site level, and reads back to its site', () => {
    expect(uplinkStateTopic('sahlgrenska')).toBe('implant/v1/sahlgrenska/uplink/state');
    expect(parseUplinkStateTopic(uplinkStateTopic('sahlgrenska'))).toBe('sahlgrenska');
    expect(() => uplinkStateTopic('a/b')).toThrow(TypeError);
    for (const t of ['implant/v1/+/uplink/state', 'implant/v1/sahlgrenska/uplink/state/x', 'implant/v1/sahlgrenska/uplink/scan', 'implant/v2/sahlgrenska/uplink/state', stateTopic(A), 7]) {
      expect(parseUplinkStateTopic(t)).toBeNull();
    }
  });

  it('is never a gateway topic, and no site-wide gateway filter matches it', () => {
    fc.assert(
      fc.property(id, (site) => {
        const topic = uplinkStateTopic(site);
        expect(parseTopic(topic)).toBeNull();
        expect(parseUplinkStateTopic(topic)).toBe(site);
        for (const k of TOPIC_KINDS) expect(topic.split('/').length).not.toBe(siteSubscription(site, k).split('/').length);
      }),
      { numRuns: Math.min(RUNS, 2000) },
    );
  });
});
