// The fixed-header reader in front of aedes (packet-size.ts), fuzzed: real packets from
// mqtt-packet under every chunking, truncated and overlong lengths, and hostile bytes.
//   FUZZ_RUNS=2000000 npx vitest run gateway/broker/packet-size   (npm run fuzz) for a long run.

import fc from 'fast-check';
import { generate, type Packet } from 'mqtt-packet';
import { expect, test } from 'vitest';
import { PacketSizeMeter } from './packet-size.ts';

const RUNS = Number(process.env.FUZZ_RUNS ?? 2_000);

/** Splits `bytes` at the given cut points (the network's choice of chunks). */
function chunked(bytes: Uint8Array, cuts: number[]): Uint8Array[] {
  const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
  const out: Uint8Array[] = [];
  let from = 0;
  for (const p of [...points, bytes.length]) {
    out.push(bytes.subarray(from, p));
    from = p;
  }
  return out;
}

function feedAll(meter: PacketSizeMeter, chunks: Uint8Array[]): ReturnType<PacketSizeMeter['feed']> {
  let verdict: ReturnType<PacketSizeMeter['feed']> = null;
  for (const c of chunks) verdict = meter.feed(c);
  return verdict;
}

/** The remaining-length bytes of MQTT (1–4 bytes, 7 bits each). */
function varint(n: number): number[] {
  const out: number[] = [];
  do {
    let byte = n % 128;
    n = Math.floor(n / 128);
    if (n > 0) byte |= 0x80;
    out.push(byte);
  } while (n > 0);
  return out;
}

const publish = fc.record({ topic: fc.string({ minLength: 1, maxLength: 40 }), size: fc.integer({ min: 0, max: 3000 }), qos: fc.constantFrom(0, 1) }).map(
  ({ topic, size, qos }): Packet => ({ cmd: 'publish', topic, payload: Buffer.alloc(size, 7), qos: qos as 0 | 1, dup: false, retain: false, messageId: qos ? 1 : undefined }) as Packet,
);
const small = fc.constantFrom<Packet>({ cmd: 'pingreq' }, { cmd: 'disconnect' }, { cmd: 'puback', messageId: 9 } as Packet, { cmd: 'subscribe', messageId: 3, subscriptions: [{ topic: 'a/b', qos: 1 }] } as Packet);
const connect = fc.record({ clientId: fc.string({ maxLength: 64 }), password: fc.uint8Array({ maxLength: 300 }) }).map(
  ({ clientId, password }): Packet => ({ cmd: 'connect', protocolId: 'MQTT', protocolVersion: 4, clean: true, keepalive: 30, clientId, username: 'u', password: Buffer.from(password) }) as Packet,
);

test('property: real packets under the limit pass under any chunking, and every header is read', () => {
  fc.assert(
    fc.property(connect, fc.array(fc.oneof(publish, small), { maxLength: 12 }), fc.array(fc.nat(), { maxLength: 20 }), (first, rest, cuts) => {
      const packets = [first, ...rest].map((p) => generate(p));
      const meter = new PacketSizeMeter(4096);
      expect(feedAll(meter, chunked(Buffer.concat(packets), cuts))).toBeNull();
      expect(meter.headers).toBe(packets.length);
    }),
    { numRuns: RUNS },
  );
});

test('property: the first packet over the limit is refused from its header, whatever follows and however it is cut', () => {
  fc.assert(
    fc.property(
      fc.array(fc.oneof(publish, small), { maxLength: 6 }),
      fc.integer({ min: 1, max: 268_435_455 - 4097 }),
      fc.integer({ min: 0, max: 255 }),
      fc.uint8Array({ maxLength: 200 }),
      fc.array(fc.nat(), { maxLength: 20 }),
      (before, over, type, tail, cuts) => {
        const declared = 4096 + over;
        const header = Buffer.from([type, ...varint(declared)]);
        const stream = Buffer.concat([...before.map((p) => generate(p)), header, tail]);
        const meter = new PacketSizeMeter(4096);
        expect(feedAll(meter, chunked(stream, cuts))).toEqual({ reason: 'too-large', declared, limit: 4096 });
        expect(meter.headers).toBe(before.length + 1);
      },
    ),
    { numRuns: RUNS },
  );
});

test('a remaining length of five bytes is malformed; a truncated header waits for more', () => {
  expect(new PacketSizeMeter(1 << 30).feed(Uint8Array.from([0x10, 0xff, 0xff, 0xff, 0xff, 0x01]))).toEqual({ reason: 'malformed-length' });
  expect(new PacketSizeMeter(1 << 30).feed(Uint8Array.from([0x10, 0x80, 0x80, 0x80, 0x80]))).toEqual({ reason: 'malformed-length' });
  const meter = new PacketSizeMeter(1 << 30);
  expect(meter.feed(Uint8Array.from([0x10, 0xff, 0xff, 0xff]))).toBeNull();
  expect(meter.feed(Uint8Array.from([0x7f]))).toBeNull(); // 268,435,455: the largest MQTT length
  expect(meter.headers).toBe(1);
  // the limit is inclusive
  expect(new PacketSizeMeter(200).feed(Uint8Array.from([0x30, ...varint(200)]))).toBeNull();
  expect(new PacketSizeMeter(200).feed(Uint8Array.from([0x30, ...varint(201)]))).toEqual({ reason: 'too-large', declared: 201, limit: 200 });
});

test('property: hostile bytes never throw, and the verdict does not depend on how they are cut', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 400 }), fc.array(fc.nat(), { maxLength: 30 }), fc.integer({ min: 0, max: 70_000 }), (bytes, cuts, limit) => {
      const whole = new PacketSizeMeter(limit);
      const once = whole.feed(bytes);
      const pieces = new PacketSizeMeter(limit);
      expect(feedAll(pieces, chunked(bytes, cuts))).toEqual(once);
      expect(pieces.headers).toBe(whole.headers);
      if (once?.reason === 'too-large') expect(once.declared).toBeGreaterThan(limit);
    }),
    { numRuns: RUNS },
  );
});

test('a refusal is final', () => {
  const meter = new PacketSizeMeter(10);
  const refusal = meter.feed(Uint8Array.from([0x10, 11]));
  expect(refusal).toEqual({ reason: 'too-large', declared: 11, limit: 10 });
  expect(meter.feed(Uint8Array.from([0xc0, 0]))).toEqual(refusal);
});
