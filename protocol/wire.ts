// The four MQTT payloads of protocol/implant-scan.proto as typed values, and their codecs.
//   const bytes = encodeScanEvent(event);     // Uint8Array; throws WireEncodeError if `event` is invalid
//   const r = decodeScanReceipt(payload);     // untrusted bytes in; never throws
//   if (r.ok) outbox.acknowledge(r.value.scanId);
//   else metrics.count(`wire.${r.error.code}`); // 'malformed' | 'too-large' | 'invalid-field'
//
// 64-bit numbers at this boundary: counters (sequence, birthSeq; uint64 on the wire) are bigint;
// times (…AtMs; int64 ms since the Unix epoch on the wire) are number, exact within Date's range.
// protobufjs's Long never leaves this file. Absent optional strings are null, never ''.
// Decoders check size, then wire syntax, then every field, as the encoders do: whatever
// decodes is something a valid encoder could have sent. Error messages name fields and rules,
// never the values (they may be hostile, or personal data sent by mistake).

import protobuf from 'protobufjs/light.js';
import type { Type } from 'protobufjs/light.js';
import { isScanId } from './scan-id.ts';
import { isValidId } from './topics.ts';
import { containsPersonalId } from './udi/personal-id.ts';
import type { Element, Scheme, Udi } from './udi/result.ts';
import { WIRE_DESCRIPTOR } from './wire.generated.ts';

// ---- limits ---------------------------------------------------------------------------------

/** The largest payload decoded or encoded; larger ones are refused unread (too-large). */
export const MAX_MESSAGE_BYTES = 64 * 1024;
/** ScanEvent.raw: 4,096 scanned characters (the parser's limit) at up to 4 bytes each. */
export const MAX_RAW_BYTES = 16 * 1024;
/** Element values, UDI parts, parser error messages (UTF-16 code units). */
export const MAX_TEXT_LENGTH = 1024;
/** ParseResult.elements and ParseResult.errors. */
export const MAX_LIST_LENGTH = 1024;
export const MAX_PRODUCT_NAME_LENGTH = 256;
/** The latest time a Date can hold (year 275760). Times are 1 … MAX_TIME_MS. */
export const MAX_TIME_MS = 8_640_000_000_000_000;
export const MAX_UINT64 = 2n ** 64n - 1n;

// ---- the messages -------------------------------------------------------------------------

/** A parser error as carried on the wire: the code is open-ended (newer parsers add codes). */
export interface WireParseError {
  code: string;
  message: string;
}

/** protocol/udi/result.ts ParseResult without `symbology` (ScanEvent.symbology carries it). */
export interface ScanParse {
  ok: boolean;
  scheme: Scheme;
  elements: Element[];
  udi: Udi;
  errors: WireParseError[];
}

export interface ScanEvent {
  /** Lowercase UUIDv7 (scan-id.ts). */
  scanId: string;
  gatewayId: string;
  site: string;
  theatre: string;
  /** Opaque gateway-local case id; refused if it looks like a personal identity number. */
  caseId: string;
  /** Per-gateway, from 1. */
  sequence: bigint;
  scannedAtMs: number;
  /** Replayed from the outbox after a reconnect; scannedAtMs is still the original time. */
  historical: boolean;
  /** As the scanner sent it, terminator removed; 1 … MAX_RAW_BYTES bytes. */
  raw: Uint8Array;
  /** AIM symbology identifier such as "]d2", or null when the scanner sent none. */
  symbology: string | null;
  /** Must be accepted (ok: true, not personal-id): nothing else is published. */
  parse: ScanParse;
}

export type ReceiptStatus = 'accepted' | 'duplicate' | 'rejected' | 'voided';

export interface ScanReceipt {
  scanId: string;
  /** Required for accepted and duplicate; may be null otherwise. */
  orderCode: string | null;
  caseCode: string | null;
  /** Catalogue text: ≤ 256 characters, no control characters. */
  productName: string | null;
  status: ReceiptStatus;
  receivedAtMs: number;
  /** Lowercase code such as "ok" or "unknown-product": [a-z0-9][a-z0-9-]{0,63}. */
  messageCode: string;
}

export type GatewayStatus = 'online' | 'offline';

/** The State message (birth ONLINE / last-will OFFLINE). */
export interface GatewayState {
  status: GatewayStatus;
  /** From 1, +1 per MQTT session; the OFFLINE will carries its session's number. */
  birthSeq: bigint;
  /** [0-9A-Za-z.+_-]{1,64}, e.g. "0.1.0+g1a2b3c". */
  softwareVersion: string;
  /** Lowercase hex, 8 … 128 digits. */
  configHash: string;
  startedAtMs: number;
  gatewayId: string;
}

export type CommandAction =
  | { kind: 'start-case'; caseId: string }
  | { kind: 'end-case' }
  | { kind: 'void-scan'; scanId: string }
  | { kind: 'ping' }
  | { kind: 'reload-config' };

export interface Command {
  commandId: string;
  issuedAtMs: number;
  /** At or after issuedAtMs. */
  expiresAtMs: number;
  action: CommandAction;
}

// ---- results and errors ---------------------------------------------------------------------

export type WireErrorCode = 'malformed' | 'too-large' | 'invalid-field';

export interface WireError {
  code: WireErrorCode;
  message: string;
}

export type DecodeResult<T> = { ok: true; value: T } | { ok: false; error: WireError };

/** Thrown by the encoders only: encoding an invalid message is a bug of the caller. */
export class WireEncodeError extends Error {
  readonly code: WireErrorCode;
  constructor(error: WireError) {
    super(error.message);
    this.name = 'WireEncodeError';
    this.code = error.code;
  }
}

class FieldError extends Error {}

function fail(field: string, rule: string): never {
  throw new FieldError(`${field}: ${rule}`);
}

// ---- field rules (shared by encoders and decoders) ---------------------------------------

const CODE_PATTERN = /^[a-z0-9][a-z0-9-]{0,63}$/;
const SYMBOLOGY_PATTERN = /^\][A-Za-z][A-Za-z0-9]$/;
const AI_PATTERN = /^[0-9]{2,4}$/;
const DATE_PATTERN = /^[0-9]{4}-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12][0-9]|3[01])$/;
const VERSION_PATTERN = /^[0-9A-Za-z.+_-]{1,64}$/;
const HASH_PATTERN = /^[0-9a-f]{8,128}$/;
const LONE_SURROGATE = /[\uD800-\uDFFF]/u;
// C0, DEL and C1 controls, and the line/paragraph separators: nothing a station page should show.
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/u;

function object(field: string, v: unknown): Record<string, unknown> {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) fail(field, 'missing');
  return v as Record<string, unknown>;
}

function id(field: string, v: unknown): string {
  if (!isValidId(v)) fail(field, 'must match [A-Za-z0-9_-]{1,64}');
  return v;
}

function caseId(field: string, v: unknown): string {
  // Case ids are opaque: a patient's personnummer as a case id would put personal data on the wire.
  if (containsPersonalId(id(field, v))) fail(field, 'looks like a personal identity number');
  return v as string;
}

function scanId(field: string, v: unknown): string {
  if (!isScanId(v)) fail(field, 'must be a lowercase UUIDv7');
  return v;
}

function pattern(field: string, v: unknown, re: RegExp, rule: string): string {
  if (typeof v !== 'string' || v.length > 256 || !re.test(v)) fail(field, rule);
  return v;
}

function text(field: string, v: unknown, max: number, controls = true): string {
  if (typeof v !== 'string' || v.length > max) fail(field, `must be text of at most ${max} characters`);
  if (LONE_SURROGATE.test(v)) fail(field, 'must be well-formed Unicode');
  if (!controls && CONTROL.test(v)) fail(field, 'must not hold control characters');
  return v;
}

function nullable<T>(v: unknown, check: (v: unknown) => T): T | null {
  return v === null || v === undefined ? null : check(v);
}

function time(field: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1 || v > MAX_TIME_MS) {
    fail(field, 'must be milliseconds since the epoch, 1 … 8.64e15');
  }
  return v;
}

function counter(field: string, v: unknown): bigint {
  if (typeof v !== 'bigint' || v < 1n || v > MAX_UINT64) fail(field, 'must be a bigint, 1 … 2^64-1');
  return v;
}

function boolean(field: string, v: unknown): boolean {
  if (typeof v !== 'boolean') fail(field, 'must be a boolean');
  return v;
}

function list(field: string, v: unknown, max: number): unknown[] {
  if (!Array.isArray(v) || v.length > max) fail(field, `must be a list of at most ${max} entries`);
  return v;
}

function oneOf<T extends string>(field: string, v: unknown, values: readonly T[]): T {
  if (!values.includes(v as T)) fail(field, `must be one of ${values.join(', ')}`);
  return v as T;
}

const SCHEMES = ['gs1', 'hibc', 'isbt128', 'unknown', 'personal-id'] as const satisfies readonly Scheme[];
const STATUSES = ['accepted', 'duplicate', 'rejected', 'voided'] as const satisfies readonly ReceiptStatus[];
const GATEWAY_STATUSES = ['online', 'offline'] as const satisfies readonly GatewayStatus[];
const ACTIONS = ['start-case', 'end-case', 'void-scan', 'ping', 'reload-config'] as const;

// Each checker validates a value of the TypeScript shape (from a caller or from the decoder) and
// returns a fresh copy holding only the known properties.

function checkParse(v: unknown): ScanParse {
  const p = object('parse', v);
  if (boolean('parse.ok', p.ok) !== true) fail('parse.ok', 'only accepted scans are published');
  const scheme = oneOf('parse.scheme', p.scheme, SCHEMES);
  if (scheme === 'personal-id') fail('parse.scheme', 'a personal-id scan is never published');
  const u = object('parse.udi', p.udi);
  const udiText = (k: keyof Udi) => nullable(u[k], (x) => text(`parse.udi.${k}`, x, MAX_TEXT_LENGTH));
  const udiDate = (k: keyof Udi) => nullable(u[k], (x) => pattern(`parse.udi.${k}`, x, DATE_PATTERN, 'must be YYYY-MM-DD'));
  return {
    ok: true,
    scheme,
    elements: list('parse.elements', p.elements, MAX_LIST_LENGTH).map((x, i) => {
      const e = object(`parse.elements[${i}]`, x);
      return {
        ai: pattern(`parse.elements[${i}].ai`, e.ai, AI_PATTERN, 'must be 2 to 4 digits'),
        value: text(`parse.elements[${i}].value`, e.value, MAX_TEXT_LENGTH),
      };
    }),
    udi: { di: udiText('di'), lot: udiText('lot'), serial: udiText('serial'), expiry: udiDate('expiry'), manufactured: udiDate('manufactured') },
    errors: list('parse.errors', p.errors, MAX_LIST_LENGTH).map((x, i) => {
      const e = object(`parse.errors[${i}]`, x);
      return {
        code: pattern(`parse.errors[${i}].code`, e.code, CODE_PATTERN, 'must match [a-z0-9][a-z0-9-]{0,63}'),
        message: text(`parse.errors[${i}].message`, e.message, MAX_TEXT_LENGTH),
      };
    }),
  };
}

function checkScanEvent(v: unknown): ScanEvent {
  const e = object('ScanEvent', v);
  if (!(e.raw instanceof Uint8Array) || e.raw.length < 1 || e.raw.length > MAX_RAW_BYTES) {
    fail('raw', `must be 1 … ${MAX_RAW_BYTES} bytes`);
  }
  return {
    scanId: scanId('scanId', e.scanId),
    gatewayId: id('gatewayId', e.gatewayId),
    site: id('site', e.site),
    theatre: id('theatre', e.theatre),
    caseId: caseId('caseId', e.caseId),
    sequence: counter('sequence', e.sequence),
    scannedAtMs: time('scannedAtMs', e.scannedAtMs),
    historical: boolean('historical', e.historical),
    raw: Uint8Array.from(e.raw),
    symbology: nullable(e.symbology, (x) => pattern('symbology', x, SYMBOLOGY_PATTERN, 'must be an AIM identifier such as ]d2')),
    parse: checkParse(e.parse),
  };
}

function checkScanReceipt(v: unknown): ScanReceipt {
  const r = object('ScanReceipt', v);
  const status = oneOf('status', r.status, STATUSES);
  const orderCode = nullable(r.orderCode, (x) => id('orderCode', x));
  if (orderCode === null && (status === 'accepted' || status === 'duplicate')) fail('orderCode', `required when status is ${status}`);
  return {
    scanId: scanId('scanId', r.scanId),
    orderCode,
    caseCode: nullable(r.caseCode, (x) => id('caseCode', x)),
    productName: nullable(r.productName, (x) => text('productName', x, MAX_PRODUCT_NAME_LENGTH, false)),
    status,
    receivedAtMs: time('receivedAtMs', r.receivedAtMs),
    messageCode: pattern('messageCode', r.messageCode, CODE_PATTERN, 'must match [a-z0-9][a-z0-9-]{0,63}'),
  };
}

function checkState(v: unknown): GatewayState {
  const s = object('State', v);
  return {
    status: oneOf('status', s.status, GATEWAY_STATUSES),
    birthSeq: counter('birthSeq', s.birthSeq),
    softwareVersion: pattern('softwareVersion', s.softwareVersion, VERSION_PATTERN, 'must match [0-9A-Za-z.+_-]{1,64}'),
    configHash: pattern('configHash', s.configHash, HASH_PATTERN, 'must be 8 to 128 lowercase hex digits'),
    startedAtMs: time('startedAtMs', s.startedAtMs),
    gatewayId: id('gatewayId', s.gatewayId),
  };
}

function checkAction(v: unknown): CommandAction {
  const a = object('action', v);
  const kind = oneOf('action.kind', a.kind, ACTIONS);
  switch (kind) {
    case 'start-case':
      return { kind, caseId: caseId('action.caseId', a.caseId) };
    case 'void-scan':
      return { kind, scanId: scanId('action.scanId', a.scanId) };
    default:
      return { kind };
  }
}

function checkCommand(v: unknown): Command {
  const c = object('Command', v);
  const issuedAtMs = time('issuedAtMs', c.issuedAtMs);
  const expiresAtMs = time('expiresAtMs', c.expiresAtMs);
  if (expiresAtMs < issuedAtMs) fail('expiresAtMs', 'must not be before issuedAtMs');
  return { commandId: id('commandId', c.commandId), issuedAtMs, expiresAtMs, action: checkAction(c.action) };
}

function problem(check: (v: unknown) => unknown, v: unknown): WireError | null {
  try {
    check(v);
    return null;
  } catch (e) {
    return { code: 'invalid-field', message: e instanceof FieldError ? e.message : 'not a valid message' };
  }
}

/** Why `v` cannot be encoded (or null when it can): the encoders' checks, without throwing. */
export const validateScanEvent = (v: ScanEvent): WireError | null => problem(checkScanEvent, v);
export const validateScanReceipt = (v: ScanReceipt): WireError | null => problem(checkScanReceipt, v);
export const validateState = (v: GatewayState): WireError | null => problem(checkState, v);
export const validateCommand = (v: Command): WireError | null => problem(checkCommand, v);

// ---- wire mapping ---------------------------------------------------------------------------

const root = protobuf.Root.fromJSON(WIRE_DESCRIPTOR);
const types = {
  ScanEvent: root.lookupType('implant.v1.ScanEvent'),
  ScanReceipt: root.lookupType('implant.v1.ScanReceipt'),
  State: root.lookupType('implant.v1.State'),
  Command: root.lookupType('implant.v1.Command'),
};

type Wire = Record<string, unknown>;

// Enum numbers, index = wire value (0 = UNSPECIFIED, refused).
const SCHEME_WIRE = [null, 'gs1', 'hibc', 'unknown', 'personal-id', 'isbt128'] as const;
const STATUS_WIRE = [null, 'accepted', 'duplicate', 'rejected', 'voided'] as const;
const GATEWAY_STATUS_WIRE = [null, 'online', 'offline'] as const;
const ACTION_WIRE = { startCase: 'start-case', endCase: 'end-case', voidScan: 'void-scan', ping: 'ping', reloadConfig: 'reload-config' } as const;

function enumFromWire<T>(field: string, v: unknown, table: readonly (T | null)[]): T {
  const name = typeof v === 'number' ? table[v] : undefined;
  if (name === null) fail(field, 'missing');
  if (name === undefined) fail(field, 'a value this version does not know');
  return name;
}

function enumToWire(v: string, table: readonly (string | null)[]): number {
  return table.indexOf(v);
}

/** Long (or number, when protobufjs runs without long.js) → bigint, two's complement. */
function bitsFromWire(v: unknown): bigint {
  if (typeof v === 'number') return BigInt(v);
  const { low, high } = object('int64', v) as { low: unknown; high: unknown };
  if (typeof low !== 'number' || typeof high !== 'number') fail('int64', 'not a 64-bit value');
  return (BigInt(high >>> 0) << 32n) | BigInt(low >>> 0);
}

const uint64FromWire = (v: unknown): bigint => BigInt.asUintN(64, bitsFromWire(v));

function timeFromWire(field: string, v: unknown): number {
  const t = BigInt.asIntN(64, bitsFromWire(v));
  if (t < 1n || t > BigInt(MAX_TIME_MS)) fail(field, 'must be milliseconds since the epoch, 1 … 8.64e15');
  return Number(t);
}

/** bigint → the Long-like { low, high } that protobufjs's writer reads. */
function uint64ToWire(v: bigint): { low: number; high: number; unsigned: true } {
  return { low: Number(v & 0xffffffffn) | 0, high: Number((v >> 32n) & 0xffffffffn) | 0, unsigned: true };
}

const orUndefined = <T>(v: T | null): T | undefined => (v === null ? undefined : v);

function scanEventFromWire(m: Wire): unknown {
  const p = m.parse as Wire | null | undefined;
  const u = (p?.udi ?? {}) as Wire; // an absent Udi is one with no parts
  return {
    scanId: m.scanId,
    gatewayId: m.gatewayId,
    site: m.site,
    theatre: m.theatre,
    caseId: m.caseId,
    sequence: uint64FromWire(m.sequence),
    scannedAtMs: timeFromWire('scannedAtMs', m.scannedAtMs),
    historical: m.historical,
    raw: m.raw,
    symbology: m.symbology,
    parse: p && {
      ok: p.ok,
      scheme: enumFromWire('parse.scheme', p.scheme, SCHEME_WIRE),
      elements: p.elements ?? [],
      udi: { di: u.di, lot: u.lot, serial: u.serial, expiry: u.expiry, manufactured: u.manufactured },
      errors: p.errors ?? [],
    },
  };
}

function scanEventToWire(e: ScanEvent): Wire {
  const { udi } = e.parse;
  return {
    ...e,
    sequence: uint64ToWire(e.sequence),
    symbology: orUndefined(e.symbology),
    parse: {
      ok: e.parse.ok,
      scheme: enumToWire(e.parse.scheme, SCHEME_WIRE),
      elements: e.parse.elements,
      udi: { di: orUndefined(udi.di), lot: orUndefined(udi.lot), serial: orUndefined(udi.serial), expiry: orUndefined(udi.expiry), manufactured: orUndefined(udi.manufactured) },
      errors: e.parse.errors,
    },
  };
}

function scanReceiptFromWire(m: Wire): unknown {
  return {
    scanId: m.scanId,
    orderCode: m.orderCode,
    caseCode: m.caseCode,
    productName: m.productName,
    status: enumFromWire('status', m.status, STATUS_WIRE),
    receivedAtMs: timeFromWire('receivedAtMs', m.receivedAtMs),
    messageCode: m.messageCode,
  };
}

function scanReceiptToWire(r: ScanReceipt): Wire {
  return {
    ...r,
    orderCode: orUndefined(r.orderCode),
    caseCode: orUndefined(r.caseCode),
    productName: orUndefined(r.productName),
    status: enumToWire(r.status, STATUS_WIRE),
  };
}

function stateFromWire(m: Wire): unknown {
  return {
    status: enumFromWire('status', m.status, GATEWAY_STATUS_WIRE),
    birthSeq: uint64FromWire(m.birthSeq),
    softwareVersion: m.softwareVersion,
    configHash: m.configHash,
    startedAtMs: timeFromWire('startedAtMs', m.startedAtMs),
    gatewayId: m.gatewayId,
  };
}

function stateToWire(s: GatewayState): Wire {
  return { ...s, status: enumToWire(s.status, GATEWAY_STATUS_WIRE), birthSeq: uint64ToWire(s.birthSeq) };
}

function commandFromWire(m: Wire): unknown {
  const member = m.kind; // protobufjs: the name of the oneof member last seen on the wire
  if (typeof member !== 'string' || !Object.hasOwn(ACTION_WIRE, member)) {
    fail('action', 'missing, or a kind this version does not know');
  }
  const body = object('action', m[member]);
  return {
    commandId: m.commandId,
    issuedAtMs: timeFromWire('issuedAtMs', m.issuedAtMs),
    expiresAtMs: timeFromWire('expiresAtMs', m.expiresAtMs),
    action: { kind: ACTION_WIRE[member as keyof typeof ACTION_WIRE], caseId: body.caseId, scanId: body.scanId },
  };
}

function commandToWire(c: Command): Wire {
  const { action } = c;
  const wire: Wire = { commandId: c.commandId, issuedAtMs: c.issuedAtMs, expiresAtMs: c.expiresAtMs };
  switch (action.kind) {
    case 'start-case':
      wire.startCase = { caseId: action.caseId };
      break;
    case 'end-case':
      wire.endCase = {};
      break;
    case 'void-scan':
      wire.voidScan = { scanId: action.scanId };
      break;
    case 'ping':
      wire.ping = {};
      break;
    case 'reload-config':
      wire.reloadConfig = {};
      break;
  }
  return wire;
}

// ---- codecs ---------------------------------------------------------------------------------

function encodeWith<T>(type: Type, check: (v: unknown) => T, toWire: (v: T) => Wire, value: T): Uint8Array {
  let checked: T;
  try {
    checked = check(value);
  } catch (e) {
    throw new WireEncodeError({ code: 'invalid-field', message: e instanceof FieldError ? e.message : `not a valid ${type.name}` });
  }
  const bytes = type.encode(toWire(checked)).finish();
  if (bytes.length > MAX_MESSAGE_BYTES) {
    throw new WireEncodeError({ code: 'too-large', message: `${type.name} would be ${bytes.length} bytes; the limit is ${MAX_MESSAGE_BYTES}` });
  }
  return bytes;
}

/** Printable, short: protobufjs's reason ("index out of range", "invalid wire type 7 at offset 3"). */
function reason(e: unknown): string {
  const m = e instanceof Error ? e.message : '';
  return m.replace(/[^\x20-\x7e]/g, '?').slice(0, 120) || 'unreadable';
}

function decodeWith<T>(type: Type, fromWire: (m: Wire) => unknown, check: (v: unknown) => T, bytes: unknown): DecodeResult<T> {
  if (!(bytes instanceof Uint8Array)) return { ok: false, error: { code: 'malformed', message: `${type.name}: the payload is not bytes` } };
  if (bytes.length > MAX_MESSAGE_BYTES) {
    return { ok: false, error: { code: 'too-large', message: `${type.name}: ${bytes.length} bytes; the limit is ${MAX_MESSAGE_BYTES}` } };
  }
  let message: Wire;
  try {
    message = type.decode(bytes) as unknown as Wire;
  } catch (e) {
    return { ok: false, error: { code: 'malformed', message: `${type.name}: not valid protobuf (${reason(e)})` } };
  }
  try {
    return { ok: true, value: check(fromWire(message)) };
  } catch (e) {
    const message = e instanceof FieldError ? e.message : reason(e);
    return { ok: false, error: { code: 'invalid-field', message: `${type.name}.${message}` } };
  }
}

export const encodeScanEvent = (v: ScanEvent): Uint8Array => encodeWith(types.ScanEvent, checkScanEvent, scanEventToWire, v);
export const decodeScanEvent = (bytes: Uint8Array): DecodeResult<ScanEvent> => decodeWith(types.ScanEvent, scanEventFromWire, checkScanEvent, bytes);

/**
 * The scan id of a ScanEvent the decoder refuses for another field, so that its sender can be
 * answered (a rejected receipt) instead of resending it forever; null if not even that reads.
 */
export function scanIdOfScanEvent(bytes: unknown): string | null {
  if (!(bytes instanceof Uint8Array) || bytes.length > MAX_MESSAGE_BYTES) return null;
  try {
    const id = (types.ScanEvent.decode(bytes) as unknown as Wire).scanId;
    return isScanId(id) ? id : null;
  } catch {
    return null;
  }
}

export const encodeScanReceipt = (v: ScanReceipt): Uint8Array => encodeWith(types.ScanReceipt, checkScanReceipt, scanReceiptToWire, v);
export const decodeScanReceipt = (bytes: Uint8Array): DecodeResult<ScanReceipt> => decodeWith(types.ScanReceipt, scanReceiptFromWire, checkScanReceipt, bytes);

export const encodeState = (v: GatewayState): Uint8Array => encodeWith(types.State, checkState, stateToWire, v);
export const decodeState = (bytes: Uint8Array): DecodeResult<GatewayState> => decodeWith(types.State, stateFromWire, checkState, bytes);

export const encodeCommand = (v: Command): Uint8Array => encodeWith(types.Command, checkCommand, commandToWire, v);
export const decodeCommand = (bytes: Uint8Array): DecodeResult<Command> => decodeWith(types.Command, commandFromWire, checkCommand, bytes);
