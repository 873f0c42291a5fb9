// Property-based tests of the codecs (fast-check): decoders never throw on any bytes, and every
// valid message survives encode → decode unchanged.
//   FUZZ_RUNS=2000000 npx vitest run protocol/wire.fuzz   (npm run fuzz) for a long run.

import fc from 'fast-check';
import protobuf from 'protobufjs/light.js';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { SCAN_ID_PATTERN } from './scan-id.ts';
import { containsPersonalId } from './udi/personal-id.ts';
import {
  decodeCommand,
  decodeScanEvent,
  decodeScanReceipt,
  decodeState,
  encodeCommand,
  encodeScanEvent,
  encodeScanReceipt,
  encodeState,
  scanIdOfScanEvent,
  MAX_MESSAGE_BYTES,
  MAX_TIME_MS,
  MAX_UINT64,
  type Command,
  type CommandAction,
  type DecodeResult,
  type GatewayState,
  type ScanEvent,
  type ScanReceipt,
} from './wire.ts';

const RUNS = Number(process.env.FUZZ_RUNS ?? 20_000);
const ROUND_TRIPS = Math.max(5_000, Math.floor(RUNS / 4));
const here = dirname(fileURLToPath(import.meta.url));

const decoders: [string, (b: Uint8Array) => DecodeResult<unknown>][] = [
  ['ScanEvent', decodeScanEvent],
  ['ScanReceipt', decodeScanReceipt],
  ['State', decodeState],
  ['Command', decodeCommand],
];

/** A decode result of the documented shape, whatever went in. */
function wellFormed(r: DecodeResult<unknown>): boolean {
  if (r.ok) return r.value !== null && typeof r.value === 'object';
  return ['malformed', 'too-large', 'invalid-field'].includes(r.error.code) && typeof r.error.message === 'string' && r.error.message.length > 0;
}

const fixtures = readdirSync(resolve(here, 'fixtures'))
  .filter((f) => f.endsWith('.hex'))
  .map((f) => Uint8Array.from(Buffer.from(readFileSync(resolve(here, 'fixtures', f), 'utf8').trim(), 'hex')));

/** A committed fixture with a few bytes overwritten, inserted or removed: reaches deeper than noise. */
const mutated = fc
  .tuple(
    fc.constantFrom(...fixtures),
    fc.array(fc.tuple(fc.constantFrom('set', 'insert', 'delete'), fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 6 }),
  )
  .map(([base, edits]) => {
    const b = Array.from(base);
    for (const [op, at, byte] of edits) {
      const i = b.length === 0 ? 0 : at % b.length;
      if (op === 'set' && b.length > 0) b[i] = byte;
      else if (op === 'insert') b.splice(i, 0, byte);
      else b.splice(i, 1);
    }
    return Uint8Array.from(b);
  });

describe('decoders never throw', () => {
  it.each(decoders)('%s: arbitrary bytes', (_, decode) => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 512 }), (b) => wellFormed(decode(b))), { numRuns: RUNS });
  });

  it.each(decoders)('%s: mutated fixtures of every message type', (_, decode) => {
    fc.assert(fc.property(mutated, (b) => wellFormed(decode(b))), { numRuns: RUNS });
  });

  it('anything a decoder accepts re-encodes to bytes that decode to the same value', () => {
    // Canonical form: accepted input may differ in bytes (field order, unknown fields, a field
    // written twice), not in meaning. The inputs are valid encodings edited at the field level, so
    // most of them still decode and the assertion runs; a few single-byte edits keep some noise.
    let decoded = 0;
    const runs = Math.floor(RUNS / 4);
    fc.assert(
      fc.property(editedEncoding, ([type, b]) => {
        if (type === 'ScanEvent') {
          const r = decodeScanEvent(b);
          if (r.ok) {
            decoded += 1;
            expect(decodeScanEvent(encodeScanEvent(r.value))).toStrictEqual(r);
          }
        } else {
          const c = decodeCommand(b);
          if (c.ok) {
            decoded += 1;
            expect(decodeCommand(encodeCommand(c.value))).toStrictEqual(c);
          }
        }
      }),
      { numRuns: runs },
    );
    expect(decoded / runs).toBeGreaterThanOrEqual(0.5);
  });
});

// ---- arbitrary valid messages ---------------------------------------------------------------

const id = fc.stringMatching(/^[A-Za-z0-9_-]{1,64}$/);
const caseId = id.filter((s) => !containsPersonalId(s));
const scanId = fc.stringMatching(SCAN_ID_PATTERN);
const time = fc.integer({ min: 1, max: MAX_TIME_MS });
const counter = fc.bigInt({ min: 1n, max: MAX_UINT64 });
const text = (maxLength: number) => fc.string({ unit: 'binary', maxLength });
const code = fc.stringMatching(/^[a-z0-9][a-z0-9-]{0,63}$/);
const date = fc.stringMatching(/^[0-9]{4}-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12][0-9]|3[01])$/);
const maybe = <T>(a: fc.Arbitrary<T>) => fc.option(a, { nil: null });

const scanEvent: fc.Arbitrary<ScanEvent> = fc.record({
  scanId,
  gatewayId: id,
  site: id,
  theatre: id,
  caseId,
  sequence: counter,
  scannedAtMs: time,
  historical: fc.boolean(),
  raw: fc.uint8Array({ minLength: 1, maxLength: 300 }),
  symbology: maybe(fc.stringMatching(/^\][A-Za-z][A-Za-z0-9]$/)),
  parse: fc.record({
    ok: fc.constant(true),
    scheme: fc.constantFrom('gs1' as const, 'hibc' as const, 'unknown' as const),
    elements: fc.array(fc.record({ ai: fc.stringMatching(/^[0-9]{2,4}$/), value: text(90) }), { maxLength: 12 }),
    udi: fc.record({ di: maybe(text(20)), lot: maybe(text(20)), serial: maybe(text(20)), expiry: maybe(date), manufactured: maybe(date) }),
    errors: fc.array(fc.record({ code, message: text(120) }), { maxLength: 3 }),
  }),
});

const scanReceipt: fc.Arbitrary<ScanReceipt> = fc
  .record({
    scanId,
    orderCode: maybe(id),
    caseCode: maybe(id),
    productName: maybe(text(256).filter((s) => !/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/u.test(s))),
    status: fc.constantFrom('accepted' as const, 'duplicate' as const, 'rejected' as const, 'voided' as const),
    receivedAtMs: time,
    messageCode: code,
  })
  .map((r) => (r.orderCode === null && (r.status === 'accepted' || r.status === 'duplicate') ? { ...r, orderCode: 'X1' } : r));

const gatewayState: fc.Arbitrary<GatewayState> = fc.record({
  status: fc.constantFrom('online' as const, 'offline' as const),
  birthSeq: counter,
  softwareVersion: fc.stringMatching(/^[0-9A-Za-z.+_-]{1,64}$/),
  configHash: fc.stringMatching(/^[0-9a-f]{8,128}$/),
  startedAtMs: time,
  gatewayId: id,
});

const action: fc.Arbitrary<CommandAction> = fc.oneof(
  caseId.map((caseId) => ({ kind: 'start-case' as const, caseId })),
  fc.constant({ kind: 'end-case' as const }),
  scanId.map((scanId) => ({ kind: 'void-scan' as const, scanId })),
  fc.constant({ kind: 'ping' as const }),
  fc.constant({ kind: 'reload-config' as const }),
);

const command: fc.Arbitrary<Command> = fc
  .record({ commandId: id, a: time, b: time, action })
  .map(({ commandId, a, b, action }) => ({ commandId, issuedAtMs: Math.min(a, b), expiresAtMs: Math.max(a, b), action }));

// ---- valid encodings edited at the field level ----------------------------------------------

/** The top-level fields of a protobuf message, each as its own bytes (tag and value); bytes an
 *  earlier edit made unreadable stay together as the last part. */
function fields(bytes: Uint8Array): Uint8Array[] {
  const reader = protobuf.Reader.create(bytes);
  const out: Uint8Array[] = [];
  let start = 0;
  try {
    while (reader.pos < reader.len) {
      start = reader.pos;
      reader.skipType(reader.uint32() & 7);
      out.push(bytes.subarray(start, reader.pos));
    }
  } catch {
    out.push(bytes.subarray(start));
  }
  return out;
}

/** A field this version does not define (numbers above the schema's), of any wire type. */
const unknownField = fc
  .tuple(fc.integer({ min: 100, max: 2 ** 29 - 1 }), fc.constantFrom(0, 1, 2, 5), fc.nat(), fc.uint8Array({ maxLength: 16 }))
  .map(([number, wireType, n, payload]) => {
    const w = protobuf.Writer.create().uint32((number * 8 + wireType) >>> 0);
    if (wireType === 0) w.uint32(n);
    else if (wireType === 1) w.fixed32(n).fixed32(n);
    else if (wireType === 2) w.bytes(payload);
    else w.fixed32(n);
    return w.finish();
  });

type FieldEdit = ['shuffle', number] | ['unknown', Uint8Array, number] | ['merge', Uint8Array] | ['drop', number] | ['byte', number, number];

const concat = (parts: Uint8Array[]): Uint8Array => Uint8Array.from(Buffer.concat(parts));

function applyEdit(bytes: Uint8Array, e: FieldEdit): Uint8Array {
  const f = fields(bytes);
  switch (e[0]) {
    case 'shuffle': // move one field to another place: readers take fields in any order
      return concat(f.length < 2 ? f : [...f.slice(0, e[1] % f.length), ...f.slice((e[1] % f.length) + 1), f[e[1] % f.length]!]);
    case 'unknown':
      return concat([...f.slice(0, e[2] % (f.length + 1)), e[1], ...f.slice(e[2] % (f.length + 1))]);
    case 'merge': // a second message appended: the later scalar wins, lists and sub-messages merge
      return concat([bytes, e[1]]);
    case 'drop':
      return concat(f.filter((_, i) => i !== e[1] % Math.max(1, f.length)));
    case 'byte': {
      const b = Uint8Array.from(bytes);
      if (b.length > 0) b[e[1] % b.length] = e[2];
      return b;
    }
  }
}

const fieldEdit = (other: fc.Arbitrary<Uint8Array>): fc.Arbitrary<FieldEdit> =>
  fc.oneof(
    { weight: 3, arbitrary: fc.tuple(fc.constant('shuffle' as const), fc.nat()) },
    { weight: 3, arbitrary: fc.tuple(fc.constant('unknown' as const), unknownField, fc.nat()) },
    { weight: 2, arbitrary: fc.tuple(fc.constant('merge' as const), other) },
    { weight: 1, arbitrary: fc.tuple(fc.constant('drop' as const), fc.nat()) },
    { weight: 1, arbitrary: fc.tuple(fc.constant('byte' as const), fc.nat(), fc.integer({ min: 0, max: 255 })) },
  );

const edited = (valid: fc.Arbitrary<Uint8Array>) =>
  fc.tuple(valid, fc.array(fieldEdit(valid), { minLength: 1, maxLength: 3 })).map(([b, edits]) => edits.reduce(applyEdit, b));

const editedEncoding: fc.Arbitrary<['ScanEvent' | 'Command', Uint8Array]> = fc.oneof(
  fc.tuple(fc.constant('ScanEvent' as const), edited(scanEvent.map((e) => encodeScanEvent(structuredClone(e))))),
  fc.tuple(fc.constant('Command' as const), edited(command.map((c) => encodeCommand(structuredClone(c))))),
);

/** decode(encode(v)) is exactly v (fast-check's records are copied to plain objects first). */
function roundTrips<T>(arb: fc.Arbitrary<T>, encode: (v: T) => Uint8Array, decode: (b: Uint8Array) => DecodeResult<T>): void {
  fc.assert(
    fc.property(arb, (v) => {
      const plain = structuredClone(v);
      expect(decode(encode(plain))).toStrictEqual({ ok: true, value: plain });
    }),
    { numRuns: ROUND_TRIPS },
  );
}

describe('encode → decode gives the message back', () => {
  it('ScanEvent', () => roundTrips(scanEvent, encodeScanEvent, decodeScanEvent));
  it('ScanReceipt', () => roundTrips(scanReceipt, encodeScanReceipt, decodeScanReceipt));
  it('State', () => roundTrips(gatewayState, encodeState, decodeState));
  it('Command', () => roundTrips(command, encodeCommand, decodeCommand));

  it('encoding is deterministic and truncating the result always breaks it', () => {
    fc.assert(
      fc.property(scanEvent, fc.nat(), (v, cut) => {
        const bytes = encodeScanEvent(v);
        expect(encodeScanEvent(v)).toStrictEqual(bytes);
        expect(decodeScanEvent(bytes.subarray(0, cut % bytes.length)).ok).toBe(false);
      }),
      { numRuns: Math.floor(ROUND_TRIPS / 5) },
    );
  });
});

// ---- the scan id of a refused ScanEvent -------------------------------------------------------

/** One string field of a ScanEvent, as protobuf bytes: appended to a message, it replaces the
 *  field's earlier value (the last scalar wins). */
const stringField = (number: number, value: string): Uint8Array => protobuf.Writer.create().uint32((number << 3) | 2).string(value).finish();

/** Values no id field accepts: a space, a slash, 65 characters, nothing. */
const badId = fc.oneof(id.map((s) => `${s} x`), id.map((s) => `${s}/x`), fc.constant('a'.repeat(65)), fc.constant(''));

describe('scanIdOfScanEvent: the id of a scan the decoder refuses', () => {
  it('never throws, and gives null or a well-formed scan id for any value', () => {
    fc.assert(
      fc.property(fc.oneof(fc.uint8Array({ maxLength: 512 }), mutated, fc.anything()), (v) => {
        const id = scanIdOfScanEvent(v);
        expect(id === null || SCAN_ID_PATTERN.test(id)).toBe(true);
        if (!(v instanceof Uint8Array)) expect(id).toBeNull();
      }),
      { numRuns: RUNS },
    );
  });

  it('agrees with the decoder on every ScanEvent the decoder accepts', () => {
    fc.assert(
      fc.property(scanEvent, (v) => {
        expect(scanIdOfScanEvent(encodeScanEvent(structuredClone(v)))).toBe(v.scanId);
      }),
      { numRuns: ROUND_TRIPS },
    );
  });

  it('reads the scan id when another field makes the event invalid, and refuses a bad scan id', () => {
    fc.assert(
      fc.property(scanEvent, fc.constantFrom(2, 3, 4, 5), badId, (v, field, bad) => {
        const valid = encodeScanEvent(structuredClone(v));
        const brokenElsewhere = concat([valid, stringField(field, bad)]);
        const refused = decodeScanEvent(brokenElsewhere);
        expect(refused.ok).toBe(false);
        expect(refused.ok ? null : refused.error.code).toBe('invalid-field');
        expect(scanIdOfScanEvent(brokenElsewhere)).toBe(v.scanId);
        expect(scanIdOfScanEvent(concat([valid, stringField(1, bad)]))).toBeNull();
        expect(scanIdOfScanEvent(concat([valid, stringField(1, v.scanId.toUpperCase())]))).toBe(/[a-f]/.test(v.scanId) ? null : v.scanId);
      }),
      { numRuns: ROUND_TRIPS },
    );
  });

  it('refuses what is over the size limit before reading it', () => {
    // A field this version does not know, big enough to pass the limit: it would decode.
    const padding = protobuf.Writer.create().uint32((100 << 3) | 2).bytes(new Uint8Array(MAX_MESSAGE_BYTES)).finish();
    const [event] = fc.sample(scanEvent, { numRuns: 1, seed: 1 });
    const oversized = concat([encodeScanEvent(structuredClone(event!)), padding]);
    expect(decodeScanEvent(oversized).ok).toBe(false);
    expect(scanIdOfScanEvent(oversized)).toBeNull();
  });
});
