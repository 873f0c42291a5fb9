// The JSON form of ScanEvent and ScanReceipt, for the national service's HTTP API
// (protocol/national-api.yaml): the protobuf fields, with the 64-bit sequence as a decimal string
// and the raw scan bytes as base64.
//   scanEventToJson(event) → { scanId, …, sequence: '42', raw: 'XWQyMDEw…', parse: {…} }
//   scanEventFromJson(untrusted) → { ok: true, value } | { ok: false, error }   (never throws)

import { validateScanEvent, validateScanReceipt, type DecodeResult, type ScanEvent, type ScanReceipt } from './wire.ts';

export interface ScanEventJson extends Omit<ScanEvent, 'sequence' | 'raw'> {
  sequence: string;
  raw: string;
}

export type ScanReceiptJson = ScanReceipt;

export function scanEventToJson(e: ScanEvent): ScanEventJson {
  return { ...e, sequence: e.sequence.toString(), raw: Buffer.from(e.raw).toString('base64') };
}

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;
const DECIMAL = /^[0-9]{1,20}$/;

export function scanEventFromJson(v: unknown): DecodeResult<ScanEvent> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return invalid('ScanEvent must be an object');
  const o = v as Record<string, unknown>;
  if (typeof o.sequence !== 'string' || !DECIMAL.test(o.sequence)) return invalid('sequence must be a decimal string');
  if (typeof o.raw !== 'string' || o.raw.length % 4 !== 0 || !BASE64.test(o.raw)) return invalid('raw must be base64');
  const event = { ...o, sequence: BigInt(o.sequence), raw: new Uint8Array(Buffer.from(o.raw, 'base64')) } as unknown as ScanEvent;
  const problem = validateScanEvent(event);
  return problem ? { ok: false, error: problem } : { ok: true, value: event };
}

export function scanReceiptFromJson(v: unknown): DecodeResult<ScanReceipt> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return invalid('ScanReceipt must be an object');
  const problem = validateScanReceipt(v as ScanReceipt);
  return problem ? { ok: false, error: problem } : { ok: true, value: v as ScanReceipt };
}

const invalid = (message: string): { ok: false; error: { code: 'invalid-field'; message: string } } => ({ ok: false, error: { code: 'invalid-field', message } });
