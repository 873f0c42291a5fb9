// One outbox journal record, framed so that recovery can tell a whole record from a torn one:
//   encodeRecord({ type: 'append', seq: 7, id: '01J…', payload }) → <len u32><crc32 u32><body>
//   decodeRecords(segmentBytes, 0) → { records: [...], end: 1234, problem: null | 'torn' | 'corrupt' }
//
// body = type u8 | seq u64 (as two u32, append only) | id length u8 | id (UTF-8) | payload.
// The CRC (zlib's CRC-32) covers the body; the length is checked against its bounds before the
// body is read, so a garbage length can never make recovery read megabytes or allocate them.

import { crc32 } from 'node:zlib';

export type JournalRecord =
  | { type: 'append'; seq: number; id: string; payload: Uint8Array }
  | { type: 'retire'; id: string };

const TYPE_APPEND = 1;
const TYPE_RETIRE = 2;

export const HEADER_BYTES = 8;
/** The largest payload one record may carry (a ScanEvent is a few hundred bytes). */
export const MAX_PAYLOAD_BYTES = 64 * 1024;
export const MAX_ID_BYTES = 255;
const MAX_BODY_BYTES = 1 + 8 + 1 + MAX_ID_BYTES + MAX_PAYLOAD_BYTES;

export function encodeRecord(record: JournalRecord): Buffer {
  const id = Buffer.from(record.id, 'utf8');
  if (id.length === 0 || id.length > MAX_ID_BYTES) throw new RangeError(`record id must be 1–${MAX_ID_BYTES} bytes (got ${id.length})`);
  const payload = record.type === 'append' ? record.payload : new Uint8Array(0);
  if (payload.length > MAX_PAYLOAD_BYTES) throw new RangeError(`record payload must be at most ${MAX_PAYLOAD_BYTES} bytes (got ${payload.length})`);
  const seqBytes = record.type === 'append' ? 8 : 0;
  const bodyLength = 1 + seqBytes + 1 + id.length + payload.length;
  const out = Buffer.allocUnsafe(HEADER_BYTES + bodyLength);
  let at = HEADER_BYTES;
  out[at++] = record.type === 'append' ? TYPE_APPEND : TYPE_RETIRE;
  if (record.type === 'append') {
    out.writeUInt32LE(Math.floor(record.seq / 2 ** 32), at);
    out.writeUInt32LE(record.seq >>> 0, at + 4);
    at += 8;
  }
  out[at++] = id.length;
  id.copy(out, at);
  at += id.length;
  out.set(payload, at);
  out.writeUInt32LE(bodyLength, 0);
  out.writeUInt32LE(crc32(out.subarray(HEADER_BYTES)), 4);
  return out;
}

export interface Decoded {
  /** Each whole record with the offset its frame starts at and its size on disk. */
  records: { record: JournalRecord; offset: number; size: number }[];
  /** Where the last whole record ends: everything after it is dropped (a torn tail). */
  end: number;
  /** Why decoding stopped before the end of the bytes, if it did. */
  problem: null | 'torn' | 'corrupt';
}

/** Decodes records from `from` until the bytes end or a record is not whole. Never throws. */
export function decodeRecords(bytes: Uint8Array, from: number): Decoded {
  const view = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const records: Decoded['records'] = [];
  let at = from;
  while (at < view.length) {
    if (view.length - at < HEADER_BYTES) return { records, end: at, problem: 'torn' };
    const length = view.readUInt32LE(at);
    if (length < 3 || length > MAX_BODY_BYTES) return { records, end: at, problem: 'corrupt' };
    if (view.length - at - HEADER_BYTES < length) return { records, end: at, problem: 'torn' };
    const body = view.subarray(at + HEADER_BYTES, at + HEADER_BYTES + length);
    if (crc32(body) !== view.readUInt32LE(at + 4)) return { records, end: at, problem: 'corrupt' };
    const record = decodeBody(body);
    if (record === null) return { records, end: at, problem: 'corrupt' };
    records.push({ record, offset: at, size: HEADER_BYTES + length });
    at += HEADER_BYTES + length;
  }
  return { records, end: at, problem: null };
}

function decodeBody(body: Buffer): JournalRecord | null {
  const type = body[0];
  let at = 1;
  let seq = 0;
  if (type === TYPE_APPEND) {
    if (body.length < 1 + 8 + 1) return null;
    seq = body.readUInt32LE(1) * 2 ** 32 + body.readUInt32LE(5);
    at = 9;
  } else if (type !== TYPE_RETIRE) return null;
  const idLength = body[at++]!;
  if (idLength === 0 || at + idLength > body.length) return null;
  const id = body.toString('utf8', at, at + idLength);
  at += idLength;
  if (type === TYPE_RETIRE) return at === body.length ? { type: 'retire', id } : null;
  // A view into the decoded bytes, not a copy: it ends at the record's end, so its offset on disk
  // is offset + size - payload.length.
  return { type: 'append', seq, id, payload: body.subarray(at) };
}
