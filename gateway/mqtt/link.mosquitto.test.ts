// GatewayLink against a real Mosquitto (docs/architecture.md: any MQTT 3.1.1/5 broker; Mosquitto is tested in
// CI). Skipped when the mosquitto binary is missing, except under CI=1, where that is a failure.

import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { RECEIPT_ACCEPTED } from '../../protocol/fixtures/samples.ts';
import { receiptTopic, siteStateSubscription } from '../../protocol/topics.ts';
import { decodeState, encodeScanReceipt } from '../../protocol/wire.ts';
import { findMosquitto, startCuttableProxy, startMosquitto, type Mosquitto } from '../broker/mosquitto-test-support.ts';
import { collect, connectClient, endClient, waitUntil, within } from '../broker/test-support.ts';
import { ADDRESS_A, next, openLinkA, scanOfA } from './test-support.ts';

const binary = findMosquitto();
const A = ADDRESS_A;
const anonymous = { username: undefined, password: undefined } as const;

test.runIf(binary === null && process.env.CI !== undefined)('mosquitto is installed (.ci/run: apt-get install -y mosquitto)', () => {
  expect(binary).not.toBeNull();
});

describe.skipIf(binary === null)('GatewayLink with Mosquitto', () => {
  let mosquitto: Mosquitto;
  beforeAll(async () => {
    mosquitto = await startMosquitto(binary!);
  });
  afterAll(async () => {
    await mosquitto?.dispose();
  });

  test('birth on connect; a cut connection publishes the will with the same birthSeq; then a higher birth', async () => {
    const proxy = await startCuttableProxy(mosquitto.port);
    const watcher = await connectClient(mosquitto.url, { clientId: 'watcher' });
    const seen = collect(watcher);
    await watcher.subscribeAsync(siteStateSubscription(A.site), { qos: 1 });
    const link = await openLinkA(proxy.url, { ...anonymous, reconnect: { initialMs: 200, maxMs: 400 } });
    try {
      await next(link, 'online');
      await seen.waitFor(1);
      const offline = next(link, 'offline');
      proxy.cut();
      await offline;
      await next(link, 'online');
      const described = () => seen.messages.map((m) => decodeState(m.payload)).map((s) => (s.ok ? `${s.value.status} ${s.value.birthSeq}` : s.error.code));
      // QoS 1 is at least once: a birth whose PUBACK the cut lost is sent again by the new session,
      // so 'online 1' may arrive twice. What must hold is which states arrive, not how often.
      await waitUntil(() => new Set(described()).size >= 3, 10_000, 'three distinct states', (n) => watcher.on('message', n));
      const states = [...new Set(described())];
      // The new session may reach the broker before it has handled the cut one, so the will can
      // come after the new birth: that is why the will carries its birthSeq (1 < 2: stale).
      expect(states[0]).toBe('online 1');
      expect(states.slice(1).sort()).toEqual(['offline 1', 'online 2']);
    } finally {
      await link.close();
      await endClient(watcher);
      await proxy.close();
    }
  });

  test('receipts arrive; a publish during a broker crash completes after the restart on the same port', async () => {
    const link = await openLinkA(mosquitto.url, anonymous);
    try {
      await next(link, 'subscribed');
      const uplink = await connectClient(mosquitto.url, { clientId: 'uplink-test' });
      const receipt = next(link, 'receipt');
      await uplink.publishAsync(receiptTopic(A), Buffer.from(encodeScanReceipt(RECEIPT_ACCEPTED)), { qos: 1 });
      expect((await receipt)[0]).toEqual(RECEIPT_ACCEPTED);
      await endClient(uplink);

      const offline = next(link, 'offline');
      await mosquitto.kill();
      await offline;
      let settled = false;
      const publishing = link.publishScan(scanOfA(9)).finally(() => (settled = true));
      await waitUntil(() => link.inFlight === 1, 10_000, 'the publish to be in flight');
      expect(settled).toBe(false);
      await mosquitto.start();
      await within(publishing, 20_000, 'the publish to complete after the restart');
      expect(link.online).toBe(true);
      expect(link.stats.published).toBe(1);
    } finally {
      await link.close();
    }
  });
});
