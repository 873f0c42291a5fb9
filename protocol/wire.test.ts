// The wire format pinned down: golden fixtures, versioning rules, bad input, the generated schema.
//   protocol/fixtures/scan-event.hex = encodeScanEvent(SCAN_EVENT), byte for byte, for ever.
// Property-based tests (arbitrary bytes, round trips) are in wire.fuzz.test.ts.

import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import protobufFull from 'protobufjs';
import { describe, expect, it } from 'vitest';
import { RECEIPT_ACCEPTED, SAMPLES, SCAN_EVENT, STATE_ONLINE } from './fixtures/samples.ts';
import {
  decodeCommand,
  decodeScanEvent,
  decodeScanReceipt,
  decodeState,
  encodeCommand,
  encodeScanEvent,
  encodeScanReceipt,
  encodeState,
  MAX_MESSAGE_BYTES,
  MAX_RAW_BYTES,
  validateScanEvent,
  WireEncodeError,
  type Command,
  type DecodeResult,
  type ScanEvent,
  type ScanReceipt,
} from './wire.ts';

const here = dirname(fileURLToPath(import.meta.url));
const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const fromHex = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s.replace(/\s+/g, ''), 'hex'));
const fixture = (name: string): Uint8Array => fromHex(readFileSync(resolve(here, 'fixtures', `${name}.hex`), 'utf8'));
const concat = (...parts: Uint8Array[]): Uint8Array => Uint8Array.from(Buffer.concat(parts));

type Kind = (typeof SAMPLES)[keyof typeof SAMPLES]['kind'];
const codecs: Record<Kind, { encode: (v: never) => Uint8Array; decode: (b: Uint8Array) => DecodeResult<unknown> }> = {
  ScanEvent: { encode: encodeScanEvent, decode: decodeScanEvent },
  ScanReceipt: { encode: encodeScanReceipt, decode: decodeScanReceipt },
  State: { encode: encodeState, decode: decodeState },
  Command: { encode: encodeCommand, decode: decodeCommand },
};
const samples = Object.entries(SAMPLES).map(([name, s]) => ({ name, ...s, codec: codecs[s.kind] }));

function refused(r: DecodeResult<unknown>, code: string, field?: RegExp): void {
  expect(r.ok).toBe(false);
  if (r.ok) return;
  expect(r.error.code).toBe(code);
  if (field) expect(r.error.message).toMatch(field);
}

/** An event with one field replaced, as a caller might send it (bypassing the types). */
const withEvent = (patch: Record<string, unknown>): ScanEvent => ({ ...SCAN_EVENT, ...patch }) as ScanEvent;
const withParse = (patch: Record<string, unknown>): ScanEvent => withEvent({ parse: { ...SCAN_EVENT.parse, ...patch } });

describe('golden fixtures', () => {
  it.each(samples)('$name: encoding gives exactly the committed bytes', ({ name, value, codec }) => {
    expect(hex(codec.encode(value as never))).toBe(hex(fixture(name)));
  });

  it.each(samples)('$name: decoding the committed bytes gives the sample', ({ name, value, codec }) => {
    expect(codec.decode(fixture(name))).toStrictEqual({ ok: true, value });
  });

  it('a typical ScanEvent is a little over 200 bytes', () => {
    expect(encodeScanEvent(SCAN_EVENT).length).toBe(222);
  });

  it('the bytes are what the .proto says, read by the full protobufjs parser (a second route)', () => {
    const { root } = protobufFull.parse(readFileSync(resolve(here, 'implant-scan.proto'), 'utf8'));
    const T = root.lookupType('implant.v1.ScanEvent');
    const o = T.toObject(T.decode(fixture('scan-event')), { longs: String, enums: String, bytes: String });
    expect(o).toMatchObject({
      scanId: SCAN_EVENT.scanId,
      sequence: '17',
      scannedAtMs: '1767225600000',
      symbology: ']d2',
      parse: { ok: true, scheme: 'SCHEME_GS1', udi: { expiry: '2029-01-31' } },
    });
    // Field 1 (scan_id), wire type 2, 36 bytes, then the id's ASCII: the first bytes never move.
    expect(hex(fixture('scan-event')).slice(0, 8)).toBe('0a243031');
    const R = root.lookupType('implant.v1.ScanReceipt');
    expect(R.toObject(R.decode(fixture('scan-receipt-accepted')), { enums: String })).toMatchObject({ orderCode: '7KQ4', status: 'RECEIPT_STATUS_ACCEPTED' });
  });
});

describe('versioning: unknown fields are ignored', () => {
  // Field 99 of every wire type a newer writer might add: varint, fixed64, length-delimited, fixed32.
  const unknown = fromHex(
    '98 06 96 01' + // 99, varint 150
      '99 06 0102030405060708' + // 99, fixed64
      '9a 06 03 616263' + // 99, length-delimited "abc"
      '9d 06 01020304', // 99, fixed32
  );

  it.each(samples)('$name with unknown fields appended decodes to the sample', ({ name, value, codec }) => {
    expect(codec.decode(concat(fixture(name), unknown))).toStrictEqual({ ok: true, value });
  });

  it('an unknown field inside a nested message (ParseResult.udi) is ignored too', () => {
    const bytes = encodeScanEvent(SCAN_EVENT);
    // Re-encode with a field 6 in Udi through the full library: a v1.1 writer.
    const { root } = protobufFull.parse(
      readFileSync(resolve(here, 'implant-scan.proto'), 'utf8').replace('optional string manufactured = 5;', 'optional string manufactured = 5; string model = 6;'),
    );
    const T = root.lookupType('implant.v1.ScanEvent');
    const newer = T.decode(bytes) as unknown as { parse: { udi: Record<string, unknown> } };
    newer.parse.udi.model = 'X-12';
    const newerBytes = T.encode(newer).finish();
    expect(newerBytes.length).toBeGreaterThan(bytes.length);
    expect(decodeScanEvent(newerBytes)).toStrictEqual({ ok: true, value: SCAN_EVENT });
  });

  it('an enum value this version does not know is refused, not guessed', () => {
    const b = fixture('scan-receipt-accepted');
    const i = hex(b).indexOf('2801') / 2; // status: field 5 varint 1
    const patched = Uint8Array.from(b);
    patched[i + 1] = 9;
    refused(decodeScanReceipt(patched), 'invalid-field', /status: a value this version does not know/);
  });

  it('a command kind this version does not know (a new oneof member) is refused', () => {
    const b = concat(fixture('command-ping').slice(0, -2), fromHex('7a00')); // field 15 instead of 13
    refused(decodeCommand(b), 'invalid-field', /action: missing, or a kind/);
  });

  it('of two oneof members on the wire the last one wins (protobuf rule)', () => {
    const r = decodeCommand(concat(fixture('command-start-case'), fromHex('6a00'))); // + ping
    expect(r.ok && r.value.action).toStrictEqual({ kind: 'ping' });
  });
});

describe('malformed, truncated, overlong and hostile bytes: a clear error, never a throw', () => {
  it.each(samples)('$name: every truncation is refused', ({ name, codec }) => {
    const b = fixture(name);
    for (let n = 0; n < b.length; n++) {
      const r = codec.decode(b.subarray(0, n));
      expect(r.ok, `prefix of ${n} bytes`).toBe(false);
      if (!r.ok) expect(['malformed', 'invalid-field']).toContain(r.error.code);
    }
  });

  it('the empty payload is a message with every field missing', () => {
    refused(decodeScanEvent(new Uint8Array()), 'invalid-field', /^ScanEvent\./);
    refused(decodeCommand(new Uint8Array()), 'invalid-field', /action/);
    refused(decodeState(new Uint8Array()), 'invalid-field', /status: missing/);
    refused(decodeScanReceipt(new Uint8Array()), 'invalid-field', /status: missing/);
  });

  it(`anything over ${MAX_MESSAGE_BYTES} bytes is refused unread; exactly that many is read`, () => {
    refused(decodeScanEvent(new Uint8Array(MAX_MESSAGE_BYTES + 1)), 'too-large', /65537 bytes; the limit is 65536/);
    refused(decodeCommand(new Uint8Array(10_000_000)), 'too-large');
    refused(decodeScanEvent(new Uint8Array(MAX_MESSAGE_BYTES)), 'malformed'); // 0x00: field 0 is illegal
  });

  it('malformed protobuf on cmd and receipt gives a clear error', () => {
    refused(decodeCommand(fromHex('0a')), 'malformed', /^Command: not valid protobuf \(.+\)$/);
    refused(decodeCommand(fromHex('0aff')), 'malformed', /^Command: not valid protobuf/);
    refused(decodeScanReceipt(fromHex('0f')), 'malformed', /^ScanReceipt: not valid protobuf/); // wire type 7
    refused(decodeScanReceipt(fromHex('ffffffffffffffffffff01')), 'malformed');
  });

  it('a length that claims 4 GiB does not allocate it', () => {
    refused(decodeScanEvent(fromHex('4a ffffffff0f 00')), 'malformed');
  });

  it('64 KiB of nested group starts hits the depth limit, not the stack', () => {
    refused(decodeScanEvent(new Uint8Array(MAX_MESSAGE_BYTES).fill(0xfb)), 'malformed'); // field 31, start group
    const deep = new Uint8Array(MAX_MESSAGE_BYTES / 2);
    for (let i = 0; i < deep.length; i += 2) deep.set([0x5a, 0x00], i); // parse{} parse{} …: not nested, just repeated
    expect(() => decodeScanEvent(deep)).not.toThrow();
  });

  it('a string that is not UTF-8 is malformed', () => {
    refused(decodeState(concat(fixture('state-online'), fromHex('32 02 c3 28'))), 'malformed');
  });

  it('not bytes at all (a string, null, an ArrayBuffer) is malformed, not a crash', () => {
    for (const v of ['0a00', null, undefined, new ArrayBuffer(4), [1, 2], 42]) {
      refused(decodeCommand(v as unknown as Uint8Array), 'malformed', /the payload is not bytes/);
    }
  });

  it('a Buffer is read like any Uint8Array, and the result does not alias it', () => {
    const buf = Buffer.from(fixture('scan-event'));
    const r = decodeScanEvent(buf);
    expect(r.ok).toBe(true);
    buf.fill(0);
    if (r.ok) expect(r.value).toStrictEqual(SCAN_EVENT);
  });
});

describe('invalid fields: what decodes is what a valid encoder could send', () => {
  // Each bad event is written with the full library (no checks), then decoded by ours.
  const { root } = protobufFull.parse(readFileSync(resolve(here, 'implant-scan.proto'), 'utf8'));
  const rawEncode = (type: string, o: Record<string, unknown>): Uint8Array => {
    const T = root.lookupType(`implant.v1.${type}`);
    return T.encode(T.fromObject(o)).finish();
  };
  const E = root.lookupType('implant.v1.ScanEvent');
  const baseEvent = E.toObject(E.decode(fixture('scan-event')), { longs: String, enums: String });
  const event = (patch: Record<string, unknown>): Uint8Array => rawEncode('ScanEvent', { ...baseEvent, ...patch });

  it.each([
    ['an uppercase scanId', { scanId: '019B76DA-A800-7A3E-9C41-5E2F8D01B7C3' }, /scanId: must be a lowercase UUIDv7/],
    ['a UUIDv4 scanId', { scanId: 'f47ac10b-58cc-4372-a567-0e02b2c3d479' }, /scanId/], // UUIDv4
    ['a site with \'/\'', { site: 'a/b' }, /site: must match/],
    ['a theatre \'+\'', { theatre: '+' }, /theatre/],
    ['a gatewayId \'#\'', { gatewayId: '#' }, /gatewayId/],
    ['a gatewayId of 65 characters', { gatewayId: 'x'.repeat(65) }, /gatewayId/],
    ['a personnummer as caseId', { caseId: '19121212-1212' }, /caseId: looks like a personal identity number/],
    ['no caseId', { caseId: '' }, /caseId/],
    ['sequence 0 (absent)', { sequence: '0' }, /sequence: must be/],
    ['scannedAtMs 0 (absent)', { scannedAtMs: '0' }, /scannedAtMs/],
    ['a negative scannedAtMs', { scannedAtMs: '-1' }, /scannedAtMs/],
    ['scannedAtMs 2^63-1', { scannedAtMs: '9223372036854775807' }, /scannedAtMs/],
    ['no raw bytes', { raw: Buffer.alloc(0) }, /raw: must be 1/],
    ['raw of MAX_RAW_BYTES + 1', { raw: Buffer.alloc(MAX_RAW_BYTES + 1) }, /raw/],
    ['symbology without \']\'', { symbology: 'd2' }, /symbology: must be an AIM identifier/],
    ['no parse result', { parse: null }, /parse: missing/],
  ])('ScanEvent: %s is refused', (_, patch, message) => {
    refused(decodeScanEvent(event(patch)), 'invalid-field', message);
  });

  it.each([
    ['ok false', { ok: false }, /parse.ok: only accepted scans/],
    ['scheme personal-id', { scheme: 'SCHEME_PERSONAL_ID' }, /parse.scheme: a personal-id scan is never published/],
    ['scheme unspecified', { scheme: 'SCHEME_UNSPECIFIED' }, /parse.scheme: missing/],
    ['a one-digit AI', { elements: [{ ai: '1', value: 'x' }] }, /parse.elements\[0\].ai/],
    ['expiry in month 13', { udi: { expiry: '2029-13-01' } }, /parse.udi.expiry: must be YYYY-MM-DD/],
    ['an error code with spaces', { errors: [{ code: 'Bad Code', message: '' }] }, /parse.errors\[0\].code/],
  ])('ScanEvent: %s is refused', (_, patch, message) => {
    const base = { ok: true, scheme: 'SCHEME_GS1', elements: [], udi: {}, errors: [] };
    refused(decodeScanEvent(event({ parse: { ...base, ...patch } })), 'invalid-field', message);
  });

  it('an absent Udi reads as one with no parts', () => {
    const r = decodeScanEvent(event({ parse: { ok: true, scheme: 'SCHEME_GS1' } }));
    expect(r.ok && r.value.parse).toStrictEqual({
      ok: true,
      scheme: 'gs1',
      elements: [],
      udi: { di: null, lot: null, serial: null, expiry: null, manufactured: null },
      errors: [],
    });
  });

  it.each([
    ['accepted without orderCode', { status: 'RECEIPT_STATUS_ACCEPTED', orderCode: undefined }, /orderCode: required when status is accepted/],
    ['duplicate without orderCode', { status: 'RECEIPT_STATUS_DUPLICATE', orderCode: undefined }, /orderCode: required/],
    ['an orderCode with \'/#\'', { orderCode: '7KQ4/#' }, /orderCode/],
    ['a productName with BEL', { productName: 'Hip\u0007stem' }, /productName: must not hold control characters/],
    ['a productName of 257 characters', { productName: 'x'.repeat(257) }, /productName/],
    ['a messageCode that is free text', { messageCode: 'Unknown product' }, /messageCode/],
    ['no messageCode', { messageCode: '' }, /messageCode/],
    ['receivedAtMs 0 (absent)', { receivedAtMs: 0 }, /receivedAtMs/],
  ])('ScanReceipt: %s is refused', (_, patch, message) => {
    const base = { ...RECEIPT_ACCEPTED, status: 'RECEIPT_STATUS_ACCEPTED', receivedAtMs: String(RECEIPT_ACCEPTED.receivedAtMs) };
    refused(decodeScanReceipt(rawEncode('ScanReceipt', { ...base, ...patch })), 'invalid-field', message);
  });

  it.each([
    ['birthSeq 0 (absent)', { birthSeq: '0' }, /birthSeq/],
    ['an uppercase configHash', { configHash: 'ABCDEF0123' }, /configHash/],
    ['a softwareVersion with a space', { softwareVersion: '1.0 beta' }, /softwareVersion/],
    ['status unspecified', { status: 'GATEWAY_STATUS_UNSPECIFIED' }, /status: missing/],
  ])('State: %s is refused', (_, patch, message) => {
    const base = { ...STATE_ONLINE, status: 'GATEWAY_STATUS_ONLINE', birthSeq: '42', startedAtMs: String(STATE_ONLINE.startedAtMs) };
    refused(decodeState(rawEncode('State', { ...base, ...patch })), 'invalid-field', message);
  });

  it.each([
    ['expiry before issue', { expiresAtMs: '1767225599999' }, /expiresAtMs: must not be before issuedAtMs/],
    ['no commandId', { commandId: '' }, /commandId/],
    ['start-case with a personnummer', { startCase: { caseId: '121212-1212' } }, /action.caseId: looks like a personal identity number/],
    ['start-case without caseId', { startCase: {} }, /action.caseId/],
    ['void-scan of a bad scanId', { startCase: undefined, voidScan: { scanId: 'nope' } }, /action.scanId/],
  ])('Command: %s is refused', (_, patch, message) => {
    const base = { commandId: 'c1', issuedAtMs: '1767225600000', expiresAtMs: '1767225660000', startCase: { caseId: 'case-1' } };
    refused(decodeCommand(rawEncode('Command', { ...base, ...patch })), 'invalid-field', message);
  });

  it('error messages name the field, never echo the value', () => {
    const r = decodeScanEvent(event({ caseId: '19121212-1212' }));
    expect(!r.ok && r.error.message).not.toMatch(/1212/);
  });
});

describe('encoders refuse what decoders would refuse', () => {
  it('throws WireEncodeError with the field named', () => {
    expect(() => encodeScanEvent(withEvent({ site: 'a/+/#' }))).toThrow(WireEncodeError);
    expect(() => encodeScanEvent(withEvent({ site: 'a/+/#' }))).toThrow(/^site: must match/);
    expect(() => encodeScanEvent(withEvent({ sequence: 17 }))).toThrow(/sequence: must be a bigint/);
    expect(() => encodeScanEvent(withEvent({ scannedAtMs: 1.5 }))).toThrow(/scannedAtMs/);
    expect(() => encodeScanEvent(withParse({ scheme: 'personal-id' }))).toThrow(/never published/);
    expect(() => encodeScanEvent(withParse({ ok: false }))).toThrow(/only accepted scans/);
    expect(() => encodeScanEvent(withParse({ elements: [{ ai: '01', value: '\uD800' }] }))).toThrow(/well-formed Unicode/);
    expect(() => encodeScanReceipt({ ...RECEIPT_ACCEPTED, orderCode: null })).toThrow(/orderCode: required/);
    expect(() => encodeState({ ...STATE_ONLINE, birthSeq: 2n ** 64n })).toThrow(/birthSeq/);
    expect(() => encodeCommand({ commandId: 'c', issuedAtMs: 2, expiresAtMs: 1, action: { kind: 'ping' } })).toThrow(/expiresAtMs/);
    expect(() => encodeCommand({ commandId: 'c', issuedAtMs: 1, expiresAtMs: 1, action: { kind: 'reboot' } } as unknown as Command)).toThrow(/action.kind/);
    expect(() => encodeScanEvent(null as unknown as ScanEvent)).toThrow(/ScanEvent: missing/);
  });

  it('a message over the size limit is too-large, not sent', () => {
    const elements = Array.from({ length: 100 }, () => ({ ai: '91', value: 'A'.repeat(1000) }));
    let error: unknown;
    try {
      encodeScanEvent(withParse({ elements }));
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(WireEncodeError);
    expect((error as WireEncodeError).code).toBe('too-large');
  });

  it('the largest raw scan fits', () => {
    const big = withEvent({ raw: new Uint8Array(MAX_RAW_BYTES).fill(0x41) });
    expect(decodeScanEvent(encodeScanEvent(big))).toStrictEqual({ ok: true, value: big });
  });

  it('validate* reports the problem without throwing', () => {
    expect(validateScanEvent(SCAN_EVENT)).toBeNull();
    expect(validateScanEvent(withEvent({ caseId: '191212121212' }))).toEqual({ code: 'invalid-field', message: 'caseId: looks like a personal identity number' });
  });

  it('null and undefined both mean absent for optional strings', () => {
    const r: ScanReceipt = { ...RECEIPT_ACCEPTED, productName: undefined as unknown as null };
    expect(decodeScanReceipt(encodeScanReceipt(r))).toStrictEqual({ ok: true, value: { ...RECEIPT_ACCEPTED, productName: null } });
  });
});

describe('wire.generated.ts', () => {
  it('is what scripts/generate-wire.mjs makes from the .proto today (node scripts/generate-wire.mjs)', async () => {
    const script = pathToFileURL(resolve(here, '../scripts/generate-wire.mjs')).href;
    const { renderWire } = (await import(script)) as { renderWire: (proto: string) => string };
    const expected = renderWire(readFileSync(resolve(here, 'implant-scan.proto'), 'utf8'));
    expect(readFileSync(resolve(here, 'wire.generated.ts'), 'utf8') === expected, 'stale: run node scripts/generate-wire.mjs').toBe(true);
  });
});
