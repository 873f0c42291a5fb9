// Fuzz the receiving side through the real broker: arbitrary bytes (random, valid messages with
// bytes flipped, truncated, or intact) published to the gateway's receipt and cmd topics never
// crash the link, and each is counted as malformed exactly when protocol/wire.ts refuses it.
//   FUZZ_RUNS=5000 npx vitest run gateway/mqtt/link.fuzz     (default: a quick 100)
// Each run is a real publish through the broker (about a millisecond), so `npm run fuzz`'s
// FUZZ_RUNS=2000000 is capped at 100 000 here.

import fc from 'fast-check';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { RECEIPT_ACCEPTED, RECEIPT_REJECTED, SAMPLES } from '../../protocol/fixtures/samples.ts';
import { cmdTopic, receiptTopic } from '../../protocol/topics.ts';
import { encodeCommand, encodeScanReceipt } from '../../protocol/wire.ts';
import type { RunningBroker } from '../broker/server.ts';
import { USERS, connectClient, endClient, loginOf, startSecureTestBroker, waitUntil } from '../broker/test-support.ts';
import { decodeIncoming } from './incoming.ts';
import type { GatewayLink } from './link.ts';
import { ADDRESS_A, next, openLinkA } from './test-support.ts';

const RUNS = Math.min(Number(process.env.FUZZ_RUNS ?? 100), 100_000);
const A = ADDRESS_A;

const VALID: Uint8Array[] = [
  encodeScanReceipt(RECEIPT_ACCEPTED),
  encodeScanReceipt(RECEIPT_REJECTED),
  ...Object.values(SAMPLES)
    .filter((s) => s.kind === 'Command')
    .map((s) => encodeCommand(s.value as Parameters<typeof encodeCommand>[0])),
];

const flipped = fc
  .tuple(fc.constantFrom(...VALID), fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 4 }))
  .map(([bytes, edits]) => {
    const copy = Uint8Array.from(bytes);
    for (const [at, value] of edits) copy[at % copy.length] = value;
    return copy;
  });
const truncated = fc.tuple(fc.constantFrom(...VALID), fc.nat()).map(([bytes, n]) => bytes.subarray(0, n % bytes.length));
const payloads = fc.oneof(fc.uint8Array({ maxLength: 300 }), flipped, truncated, fc.constantFrom(...VALID));

let broker: RunningBroker;
let link: GatewayLink;
// Wakes the wait below on every message the link handles, valid or not.
const handled: Array<() => void> = [];
const notify = (): void => {
  for (const wake of handled.splice(0)) wake();
};
beforeAll(async () => {
  broker = await startSecureTestBroker();
  link = await openLinkA(broker.url, { metrics: { malformed: notify } });
  link.on('receipt', notify);
  link.on('command', notify);
  await next(link, 'subscribed');
});
afterAll(async () => {
  await link.close();
  await broker.close();
});

test(`arbitrary payloads on receipt and cmd never crash the link and are counted exactly (${RUNS} runs)`, async () => {
  const uplink = await connectClient(broker.url, loginOf(USERS.uplink));
  const operator = await connectClient(broker.url, loginOf(USERS.operator));
  const expected = { received: 0, malformed: 0, valid: 0 };
  try {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom('receipt' as const, 'cmd' as const), payloads, async (kind, bytes) => {
        const topic = kind === 'receipt' ? receiptTopic(A) : cmdTopic(A);
        const verdict = decodeIncoming(A, topic, bytes).kind;
        expected.received++;
        if (verdict === 'malformed') expected.malformed++;
        else expected.valid++;
        await (kind === 'receipt' ? uplink : operator).publishAsync(topic, Buffer.from(bytes), { qos: 1 });
        await waitUntil(() => link.stats.received === expected.received, 10_000, `message ${expected.received} at the link`, (wake) => handled.push(wake));
        expect(link.stats.malformed).toBe(expected.malformed);
        expect(link.stats.receipts + link.stats.commands).toBe(expected.valid);
        expect(link.online).toBe(true);
      }),
      { numRuns: RUNS },
    );
  } finally {
    await Promise.all([endClient(uplink), endClient(operator)]);
  }
  expect(link.stats.listenerErrors).toBe(0);
  expect(expected.valid).toBeGreaterThan(0);
  expect(expected.malformed).toBeGreaterThan(0);
});
