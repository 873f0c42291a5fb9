// The ingest API's bodies (protocol/national-api.yaml):
// - application/json: {"scans": [ScanEvent as JSON (protocol/wire-json.ts)]} in, {"receipts": [...]} out;
// - application/x-protobuf (or application/protobuf): a sequence of length-delimited ScanEvent
//   messages (each a varint byte length, then the message: protobufjs encodeDelimited) in, the same
//   framing of ScanReceipt messages out.
// One unreadable scan does not spoil its batch: it gets a 'rejected' receipt when its scan id can
// be read, and is listed under "errors" (JSON only) when not. A body whose framing is broken is
// refused as a whole.

import protobuf from 'protobufjs/light.js';
import { isScanId } from '../../protocol/scan-id.ts';
import { scanEventFromJson } from '../../protocol/wire-json.ts';
import { decodeScanEvent, encodeScanReceipt, MAX_MESSAGE_BYTES, type ScanEvent, type ScanReceipt } from '../../protocol/wire.ts';

export type BatchItem = { ok: true; event: ScanEvent } | { ok: false; index: number; scanId: string | null; message: string };
export type DecodedBatch = { ok: true; items: BatchItem[] } | { ok: false; problem: 'malformed-body' | 'batch-too-large'; detail: string };

export const PROTOBUF_TYPES = ['application/x-protobuf', 'application/protobuf'] as const;

export function decodeJsonBatch(body: Buffer, maxScans: number): DecodedBatch {
  let doc: unknown;
  try {
    doc = JSON.parse(body.toString('utf8'));
  } catch {
    return { ok: false, problem: 'malformed-body', detail: 'The body is not JSON.' };
  }
  const scans = typeof doc === 'object' && doc !== null && !Array.isArray(doc) ? (doc as { scans?: unknown }).scans : undefined;
  if (!Array.isArray(scans)) return { ok: false, problem: 'malformed-body', detail: 'The body must be an object with a "scans" array.' };
  if (scans.length > maxScans) return { ok: false, problem: 'batch-too-large', detail: `At most ${maxScans} scans per batch.` };
  return {
    ok: true,
    items: scans.map((s, index): BatchItem => {
      const r = scanEventFromJson(s);
      if (r.ok) return { ok: true, event: r.value };
      const id = typeof s === 'object' && s !== null ? (s as { scanId?: unknown }).scanId : undefined;
      return { ok: false, index, scanId: isScanId(id) ? id : null, message: r.error.message };
    }),
  };
}

export function decodeProtobufBatch(body: Buffer, maxScans: number): DecodedBatch {
  const items: BatchItem[] = [];
  const reader = protobuf.Reader.create(body);
  while (reader.pos < reader.len) {
    if (items.length === maxScans) return { ok: false, problem: 'batch-too-large', detail: `At most ${maxScans} scans per batch.` };
    let length: number;
    try {
      length = reader.uint32();
    } catch {
      return { ok: false, problem: 'malformed-body', detail: `Scan ${items.length}: bad length prefix.` };
    }
    if (length > MAX_MESSAGE_BYTES || reader.pos + length > reader.len) {
      return { ok: false, problem: 'malformed-body', detail: `Scan ${items.length}: the length prefix runs past the body or over ${MAX_MESSAGE_BYTES} bytes.` };
    }
    const bytes = body.subarray(reader.pos, reader.pos + length);
    reader.pos += length;
    const r = decodeScanEvent(bytes);
    items.push(r.ok ? { ok: true, event: r.value } : { ok: false, index: items.length, scanId: scanIdOf(bytes), message: r.error.message });
  }
  return { ok: true, items };
}

/** Field 1 (scan_id) of an undecodable ScanEvent, when it is a valid scan id; never throws. */
export function scanIdOf(bytes: Uint8Array): string | null {
  try {
    const reader = protobuf.Reader.create(bytes);
    while (reader.pos < reader.len) {
      const tag = reader.uint32();
      if (tag === ((1 << 3) | 2)) {
        const id = reader.string();
        return isScanId(id) ? id : null;
      }
      reader.skipType(tag & 7);
    }
  } catch {
    /* unreadable */
  }
  return null;
}

export function encodeReceiptsDelimited(receipts: readonly ScanReceipt[]): Uint8Array {
  const writer = protobuf.Writer.create();
  for (const r of receipts) writer.bytes(encodeScanReceipt(r)); // bytes(): varint length, then the bytes
  return writer.finish();
}

/** The inverse, for clients and tests: receipts from a delimited body. Throws on bad framing. */
export function decodeReceiptsDelimited(body: Uint8Array): Uint8Array[] {
  const reader = protobuf.Reader.create(body);
  const out: Uint8Array[] = [];
  while (reader.pos < reader.len) out.push(reader.bytes());
  return out;
}

/** Frames ScanEvent messages as the protobuf ingest body (clients and tests). */
export function encodeDelimited(messages: readonly Uint8Array[]): Uint8Array {
  const writer = protobuf.Writer.create();
  for (const m of messages) writer.bytes(m);
  return writer.finish();
}
