// The embedded aedes broker with the production ACL, driven by real mqtt.js clients over loopback.

import { createRequire } from 'node:module';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { SCAN_EVENT, STATE_OFFLINE, STATE_ONLINE } from '../../protocol/fixtures/samples.ts';
import { receiptTopic, scanTopic, siteScanSubscription, siteStateSubscription, stateTopic, cmdTopic } from '../../protocol/topics.ts';
import { decodeState, encodeScanEvent, encodeState } from '../../protocol/wire.ts';
import { allowAllForLocalDemoAcl } from './acl.ts';
import { localDemoAuthenticator } from './auth.ts';
import { startBroker, type RunningBroker } from './server.ts';
import { GW_A, GW_B, USERS, collect, connectClient, endClient, loginOf, startSecureTestBroker, within } from './test-support.ts';

const A = { site: GW_A.site, theatre: GW_A.theatre, gateway: GW_A.gateway };
const B = { site: GW_B.site, theatre: GW_B.theatre, gateway: GW_B.gateway };
const scanOf = (address: typeof A) => encodeScanEvent({ ...SCAN_EVENT, site: address.site, theatre: address.theatre, gatewayId: address.gateway });
const stateOf = (address: typeof A, status: 'online' | 'offline', birthSeq: bigint) =>
  Buffer.from(encodeState({ ...(status === 'online' ? STATE_ONLINE : STATE_OFFLINE), gatewayId: address.gateway, birthSeq }));

describe('embedded broker with gatewayAcl', () => {
  let broker: RunningBroker;
  beforeAll(async () => {
    broker = await startSecureTestBroker();
  });
  afterAll(async () => {
    await broker.close();
  });

  test('listens on a free loopback port and reports its URL', () => {
    expect(broker.port).toBeGreaterThan(0);
    expect(broker.url).toBe(`mqtt://127.0.0.1:${broker.port}`);
    expect(broker.acl).toBe('gateway');
  });

  test('a port already in use is a clear error, not a crash', async () => {
    await expect(startBroker({ port: broker.port, authenticate: localDemoAuthenticator, acl: allowAllForLocalDemoAcl })).rejects.toThrow(/EADDRINUSE.*--port/);
  });

  test('gateway A publishing as gateway B is refused: disconnected, and no subscriber gets it', async () => {
    const uplink = await connectClient(broker.url, loginOf(USERS.uplink));
    const seen = collect(uplink);
    await uplink.subscribeAsync(siteScanSubscription(A.site), { qos: 1 });
    const a = await connectClient(broker.url, loginOf(USERS.gwA));
    const b = await connectClient(broker.url, loginOf(USERS.gwB));
    const denied = broker.stats.publishDenied;

    const closed = new Promise<void>((resolve) => a.once('close', () => resolve()));
    a.publish(scanTopic(B), Buffer.from(scanOf(B)), { qos: 1 }); // no PUBACK will come
    await within(closed, 10_000, 'the broker to close the connection of gateway A');
    expect(broker.stats.publishDenied).toBe(denied + 1);

    // B's own scan, published after the refusal, is the first and only message the uplink sees.
    await b.publishAsync(scanTopic(B), Buffer.from(scanOf(B)), { qos: 1 });
    const messages = await seen.waitFor(1);
    expect(messages.map((m) => m.topic)).toEqual([scanTopic(B)]);
    await Promise.all([endClient(a), endClient(b), endClient(uplink)]);
  });

  test('gateway A subscribing to B’s receipts or commands is refused (SUBACK failure); its own are granted', async () => {
    const a = await connectClient(broker.url, loginOf(USERS.gwA));
    await expect(a.subscribeAsync(receiptTopic(B), { qos: 1 })).rejects.toThrow(/Subscribe error/);
    await expect(a.subscribeAsync(cmdTopic(B), { qos: 1 })).rejects.toThrow(/Subscribe error/);
    await expect(a.subscribeAsync(`implant/v1/${A.site}/+/+/receipt`, { qos: 1 })).rejects.toThrow(/Subscribe error/);
    await expect(a.subscribeAsync('#', { qos: 1 })).rejects.toThrow(/Subscribe error/);
    const granted = await a.subscribeAsync([receiptTopic(A), cmdTopic(A)], { qos: 1 });
    expect(granted.map((g) => g.qos)).toEqual([1, 1]);
    expect(a.connected).toBe(true); // a refused subscription does not cost the connection
    await endClient(a);
  });

  test('an uplink reads its own site only; an uplink of another site is refused', async () => {
    const other = await connectClient(broker.url, loginOf(USERS.otherUplink));
    await expect(other.subscribeAsync(siteScanSubscription(A.site), { qos: 1 })).rejects.toThrow(/Subscribe error/);
    await other.subscribeAsync(siteScanSubscription('sus-lund'), { qos: 1 });
    await endClient(other);
  });

  test('retained state: a subscriber arriving later gets the last birth', async () => {
    const a = await connectClient(broker.url, loginOf(USERS.gwA));
    await a.publishAsync(stateTopic(A), stateOf(A, 'online', 7n), { qos: 1, retain: true });
    const uplink = await connectClient(broker.url, loginOf(USERS.uplink));
    const seen = collect(uplink);
    await uplink.subscribeAsync(siteStateSubscription(A.site), { qos: 1 });
    const [message] = await seen.waitFor(1);
    expect(message!.retain).toBe(true);
    expect(message!.topic).toBe(stateTopic(A));
    const state = decodeState(message!.payload);
    expect(state.ok && state.value.status === 'online' && state.value.birthSeq).toBe(7n);
    await Promise.all([endClient(a), endClient(uplink)]);
  });

  test('a retained receipt is not stored: a gateway subscribing later gets only the next live receipt; a retained state still is', async () => {
    const uplink = await connectClient(broker.url, loginOf(USERS.uplink));
    await uplink.publishAsync(receiptTopic(A), Buffer.from('retained receipt'), { qos: 1, retain: true });
    const a = await connectClient(broker.url, loginOf(USERS.gwA));
    const seen = collect(a);
    await a.subscribeAsync(receiptTopic(A), { qos: 1 });
    await uplink.publishAsync(receiptTopic(A), Buffer.from('live receipt'), { qos: 1 });
    const [first] = await seen.waitFor(1);
    expect(first!.payload.toString()).toBe('live receipt');
    expect(first!.retain).toBe(false);
    // control, same broker: a retained state is stored and handed to a later subscriber
    await a.publishAsync(stateTopic(A), stateOf(A, 'online', 11n), { qos: 1, retain: true });
    const later = await connectClient(broker.url, loginOf(USERS.operator));
    const states = collect(later);
    await later.subscribeAsync(stateTopic(A), { qos: 1 });
    expect((await states.waitFor(1))[0]!.retain).toBe(true);
    await Promise.all([endClient(a), endClient(uplink), endClient(later)]);
  });

  test('last will: published (retained) when a gateway’s connection drops without DISCONNECT', async () => {
    const uplink = await connectClient(broker.url, loginOf(USERS.uplink));
    const seen = collect(uplink);
    await uplink.subscribeAsync(stateTopic(B), { qos: 1 });
    const b = await connectClient(broker.url, { ...loginOf(USERS.gwB), will: { topic: stateTopic(B), payload: stateOf(B, 'offline', 9n), qos: 1, retain: true } });
    b.stream.destroy(); // abrupt: no DISCONNECT
    const messages = await seen.waitFor(1);
    const will = decodeState(messages[0]!.payload);
    expect(will.ok && will.value).toMatchObject({ status: 'offline', birthSeq: 9n, gatewayId: B.gateway });
    await Promise.all([endClient(b), endClient(uplink)]);
  });

  test('connections are refused for bad credentials, a borrowed client id, or a will on another’s topic', async () => {
    const refused = broker.stats.connectionsRefused;
    await expect(connectClient(broker.url, { ...loginOf(USERS.gwA), password: 'wrong' })).rejects.toMatchObject({ code: 4 }); // bad username or password
    await expect(connectClient(broker.url, { ...loginOf(USERS.gwA), username: 'nobody' })).rejects.toMatchObject({ code: 4 });
    await expect(connectClient(broker.url, { clientId: 'anon' })).rejects.toMatchObject({ code: 5 }); // not authorized
    // A's credentials with B's client id would take over B's persistent session.
    await expect(connectClient(broker.url, { ...loginOf(USERS.gwA), clientId: B.gateway })).rejects.toThrow(/Not authorized/i);
    await expect(
      connectClient(broker.url, { ...loginOf(USERS.gwA), will: { topic: stateTopic(B), payload: stateOf(B, 'offline', 1n), qos: 1, retain: true } }),
    ).rejects.toThrow(/Not authorized/i);
    expect(broker.stats.connectionsRefused).toBe(refused + 5);
    // control, same broker: the right credentials, client id and will
    const a = await connectClient(broker.url, { ...loginOf(USERS.gwA), will: { topic: stateTopic(A), payload: stateOf(A, 'offline', 1n), qos: 1, retain: true } });
    expect(a.connected).toBe(true);
    await endClient(a);
  });

  test('an operator may command its site’s gateways, and the gateway receives it', async () => {
    const a = await connectClient(broker.url, loginOf(USERS.gwA));
    const seen = collect(a);
    await a.subscribeAsync(cmdTopic(A), { qos: 1 });
    const operator = await connectClient(broker.url, loginOf(USERS.operator));
    await operator.publishAsync(cmdTopic(A), Buffer.from([1, 2, 3]), { qos: 1 });
    expect((await seen.waitFor(1))[0]!.topic).toBe(cmdTopic(A));
    await Promise.all([endClient(a), endClient(operator)]);
  });
});

describe('embedded broker for the local demo', () => {
  test('allowAllForLocalDemoAcl lets an anonymous client publish and subscribe anything', async () => {
    const broker = await startBroker({ port: 0, authenticate: localDemoAuthenticator, acl: allowAllForLocalDemoAcl });
    try {
      expect(broker.acl).toBe('allow-all-for-local-demo');
      const c = await connectClient(broker.url, { clientId: 'demo' });
      const seen = collect(c);
      await c.subscribeAsync('#', { qos: 1 });
      await c.publishAsync('anything/at/all', Buffer.from('x'), { qos: 1 });
      expect((await seen.waitFor(1))[0]!.topic).toBe('anything/at/all');
      await endClient(c);
    } finally {
      await broker.close();
    }
  });

  test("leaves mqtt-packet's table of 65,536 number Buffers unbuilt, whoever writes the first packet", async () => {
    const { cache } = createRequire(import.meta.url)('mqtt-packet/numbers.js') as { cache: Record<number, Buffer> };
    const broker = await startBroker({ port: 0, authenticate: localDemoAuthenticator, acl: allowAllForLocalDemoAcl });
    try {
      const c = await connectClient(broker.url, { clientId: 'numbers' });
      const seen = collect(c);
      await c.subscribeAsync('n/#', { qos: 1 });
      for (let i = 0; i < 3; i++) await c.publishAsync(`n/${i}`, Buffer.from('x'), { qos: 1 });
      await seen.waitFor(3);
      await endClient(c);
      expect(Object.keys(cache)).toHaveLength(0);
    } finally {
      await broker.close();
    }
  });

  test('two brokers on port 0 get two ports; close is idempotent', async () => {
    const [x, y] = await Promise.all([0, 0].map(() => startBroker({ port: 0, authenticate: localDemoAuthenticator, acl: allowAllForLocalDemoAcl })));
    expect(x!.port).not.toBe(y!.port);
    await Promise.all([x!.close(), y!.close(), x!.close()]);
  });
});
