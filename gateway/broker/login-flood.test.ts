// A login flood against the real broker: 1,000 CONNECTs with a wrong password from one address
// (127.0.0.2, loopback) while a gateway logs in from another (127.0.0.1). The figure (CONNACK
// latency under the flood) is in `npm run bench` (broker suite); here, what can be counted.

import type { Socket } from 'node:net';
import { afterEach, expect, test } from 'vitest';
import { gatewayAcl } from './acl.ts';
import { passwordAuthenticator } from './auth.ts';
import { LoginQueue } from './login-queue.ts';
import { startBroker, type RunningBroker } from './server.ts';
import { USERS, connectClient, endClient, loginOf, testCredentials, waitUntil, wrongPasswordFlood } from './test-support.ts';

const FLOOD = 1000;
const FLOOD_FROM = '127.0.0.2';

let broker: RunningBroker | null = null;
let floodSockets: Socket[] = [];
afterEach(async () => {
  for (const s of floodSockets) s.destroy();
  await broker?.close();
  broker = null;
});

test('fairness: with the queue opened wide, a gateway from another address logs in before the flood’s queued checks are half done', async () => {
  const queue = new LoginQueue({ maxQueued: 10_000, maxQueuedPerAddress: 10_000, burst: 1e9 });
  broker = await startBroker({
    port: 0,
    authenticate: passwordAuthenticator(await testCredentials(), { queue }),
    acl: gatewayAcl,
    limits: { maxUnauthenticated: 10_000, maxUnauthenticatedPerAddress: 10_000, connectTimeoutMs: 600_000 },
  });
  const f = await wrongPasswordFlood(broker.url, FLOOD, FLOOD_FROM);
  floodSockets = f.sockets;
  const legit = await connectClient(broker.url, { ...loginOf(USERS.gwA), connectTimeout: 120_000 });
  const answeredAtLogin = f.answered();
  expect(legit.connected).toBe(true);
  expect(answeredAtLogin).toBeLessThan(FLOOD / 2);
  expect(queue.queuedFrom(FLOOD_FROM) + queue.inFlight).toBeGreaterThan(0); // the flood is still on
  await endClient(legit);
});

test('with the default bounds the flood costs at most a burst of password checks, and the gateway logs in', async () => {
  const queue = new LoginQueue();
  broker = await startBroker({ port: 0, authenticate: passwordAuthenticator(await testCredentials(), { queue }), acl: gatewayAcl });
  const f = await wrongPasswordFlood(broker.url, FLOOD, FLOOD_FROM);
  floodSockets = f.sockets;
  const legit = await connectClient(broker.url, { ...loginOf(USERS.gwA), connectTimeout: 120_000 });
  expect(legit.connected).toBe(true);
  await waitUntil(() => f.answered() === FLOOD, 120_000, 'every flood connection to be answered');
  // One run for the gateway; the flood's at most its burst (the rest: closed at accept, or CONNACK 3).
  expect(queue.stats.run).toBeLessThanOrEqual(queue.limits.burst + 1);
  expect(broker.stats.connectionsBusy + broker.stats.unauthenticatedOverCap).toBeGreaterThanOrEqual(FLOOD - queue.limits.burst);
  await endClient(legit);
});
