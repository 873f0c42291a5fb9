// One outbox journal record, framed so that recovery can tell a whole record from a torn or
// damaged one, and find the next whole one after damage:
//   encodeRecord({ type: 'append', seq: 7, id: '01J…', payload }) → <len u32><crc32 u32><body>
//   decodeRecords(segmentBytes, 8) → { records: [...], damaged: [{ start, end }], end }
//
// body = type u8 | fields of the type:
//   1 append          seq u64 | id length u8 | id (UTF-8) | payload
//   2 retire          id length u8 | id
//   3 mark            mark u64            (the caller's high-water mark, e.g. its sequence number)
//   4 marked append   seq u64 | mark u64 | id length u8 | id | payload
// u64 = two u32 LE, high half first. The CRC (zlib's CRC-32) covers the body; the length is
// checked against its bounds before the body is read, so a garbage length can never make recovery
// read megabytes or allocate them.
//
// Resynchronisation: after a frame that is not whole, decodeRecords looks for the next position
// where a whole frame starts. A frame counts only if its length is in bounds, its type known, its
// fields consistent (id length, valid UTF-8 id, seq below 2^53) and its CRC matches: about 2^-54
// for a random position of random bytes, so damage never reads back as an invented record.

import { isUtf8 } from 'node:buffer';
import { crc32 } from 'node:zlib';

export type JournalRecord =
  | { type: 'append'; seq: number; id: string; payload: Uint8Array; mark?: bigint }
  | { type: 'retire'; id: string }
  | { type: 'mark'; mark: bigint };

const TYPE_APPEND = 1;
const TYPE_RETIRE = 2;
const TYPE_MARK = 3;
const TYPE_MARKED_APPEND = 4;

export const HEADER_BYTES = 8;
/** The largest payload one record may carry (a ScanEvent is a few hundred bytes). */
export const MAX_PAYLOAD_BYTES = 64 * 1024;
export const MAX_ID_BYTES = 255;
const MAX_BODY_BYTES = 1 + 8 + 8 + 1 + MAX_ID_BYTES + MAX_PAYLOAD_BYTES;
const MIN_BODY_BYTES = 3;
const MAX_MARK = 2n ** 64n - 1n;

export function encodeRecord(record: JournalRecord): Buffer {
  if (record.type === 'mark') {
    const out = Buffer.allocUnsafe(HEADER_BYTES + 9);
    out[HEADER_BYTES] = TYPE_MARK;
    writeU64(out, HEADER_BYTES + 1, checkedMark(record.mark));
    return seal(out, 9);
  }
  const id = Buffer.from(record.id, 'utf8');
  if (id.length === 0 || id.length > MAX_ID_BYTES) throw new RangeError(`record id must be 1–${MAX_ID_BYTES} bytes (got ${id.length})`);
  const payload = record.type === 'append' ? record.payload : new Uint8Array(0);
  if (payload.length > MAX_PAYLOAD_BYTES) throw new RangeError(`record payload must be at most ${MAX_PAYLOAD_BYTES} bytes (got ${payload.length})`);
  const marked = record.type === 'append' && record.mark !== undefined;
  const fixed = record.type === 'append' ? (marked ? 16 : 8) : 0;
  const bodyLength = 1 + fixed + 1 + id.length + payload.length;
  const out = Buffer.allocUnsafe(HEADER_BYTES + bodyLength);
  let at = HEADER_BYTES;
  out[at++] = record.type === 'retire' ? TYPE_RETIRE : marked ? TYPE_MARKED_APPEND : TYPE_APPEND;
  if (record.type === 'append') {
    if (!Number.isSafeInteger(record.seq) || record.seq < 0) throw new RangeError('record seq must be a safe integer ≥ 0');
    writeU64(out, at, BigInt(record.seq));
    at += 8;
    if (record.mark !== undefined) {
      writeU64(out, at, checkedMark(record.mark));
      at += 8;
    }
  }
  out[at++] = id.length;
  id.copy(out, at);
  at += id.length;
  out.set(payload, at);
  return seal(out, bodyLength);
}

export interface ByteRange {
  start: number;
  end: number;
}

export interface Decoded {
  /** Each whole record with the offset its frame starts at and its size on disk. */
  records: { record: JournalRecord; offset: number; size: number }[];
  /** Unreadable bytes that a whole record follows: damage, not a torn tail. */
  damaged: ByteRange[];
  /** Where the last whole record ends; bytes after it (if any) are a tail no whole record follows. */
  end: number;
}

/** Decodes every whole record from `from` on, skipping damage. Never throws. */
export function decodeRecords(bytes: Uint8Array, from: number): Decoded {
  const view = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const records: Decoded['records'] = [];
  const damaged: ByteRange[] = [];
  let at = from;
  let end = from;
  while (at < view.length) {
    const frame = frameAt(view, at);
    if (frame !== null) {
      records.push({ record: frame.record, offset: at, size: frame.size });
      at += frame.size;
      end = at;
      continue;
    }
    const next = resync(view, at + 1);
    if (next === null) break;
    damaged.push({ start: at, end: next });
    at = next;
  }
  return { records, damaged, end };
}

/** The first position at or after `from` where a whole frame starts, or null. */
function resync(view: Buffer, from: number): number | null {
  for (let at = from; at + HEADER_BYTES + MIN_BODY_BYTES <= view.length; at++) {
    const length = view.readUInt32LE(at);
    // Cheap checks first: most positions of damaged bytes fail on the length or the type.
    if (length < MIN_BODY_BYTES || length > MAX_BODY_BYTES || at + HEADER_BYTES + length > view.length) continue;
    const type = view[at + HEADER_BYTES]!;
    if (type < TYPE_APPEND || type > TYPE_MARKED_APPEND) continue;
    if (frameAt(view, at) !== null) return at;
  }
  return null;
}

function frameAt(view: Buffer, at: number): { record: JournalRecord; size: number } | null {
  if (view.length - at < HEADER_BYTES) return null;
  const length = view.readUInt32LE(at);
  if (length < MIN_BODY_BYTES || length > MAX_BODY_BYTES || view.length - at - HEADER_BYTES < length) return null;
  const body = view.subarray(at + HEADER_BYTES, at + HEADER_BYTES + length);
  const record = decodeBody(body);
  if (record === null || crc32(body) !== view.readUInt32LE(at + 4)) return null;
  return { record, size: HEADER_BYTES + length };
}

function decodeBody(body: Buffer): JournalRecord | null {
  const type = body[0];
  if (type === TYPE_MARK) return body.length === 9 ? { type: 'mark', mark: readU64(body, 1) } : null;
  let at = 1;
  let seq = 0;
  let mark: bigint | undefined;
  if (type === TYPE_APPEND || type === TYPE_MARKED_APPEND) {
    const fixed = type === TYPE_MARKED_APPEND ? 16 : 8;
    if (body.length < 1 + fixed + 1) return null;
    const high = body.readUInt32LE(1);
    if (high > 0x1fffff) return null; // above 2^53: never written by encodeRecord
    seq = high * 2 ** 32 + body.readUInt32LE(5);
    if (type === TYPE_MARKED_APPEND) mark = readU64(body, 9);
    at = 1 + fixed;
  } else if (type !== TYPE_RETIRE) return null;
  const idLength = body[at++]!;
  if (idLength === 0 || at + idLength > body.length) return null;
  const idBytes = body.subarray(at, at + idLength);
  if (!isUtf8(idBytes)) return null;
  const id = idBytes.toString('utf8');
  at += idLength;
  if (type === TYPE_RETIRE) return at === body.length ? { type: 'retire', id } : null;
  // A view into the decoded bytes, not a copy: it ends at the record's end, so its offset on disk
  // is offset + size - payload.length.
  const payload = body.subarray(at);
  return mark === undefined ? { type: 'append', seq, id, payload } : { type: 'append', seq, id, payload, mark };
}

function seal(out: Buffer, bodyLength: number): Buffer {
  out.writeUInt32LE(bodyLength, 0);
  out.writeUInt32LE(crc32(out.subarray(HEADER_BYTES)), 4);
  return out;
}

function checkedMark(mark: bigint): bigint {
  if (mark < 0n || mark > MAX_MARK) throw new RangeError('a mark is 0 … 2^64-1');
  return mark;
}

function writeU64(out: Buffer, at: number, n: bigint): void {
  out.writeUInt32LE(Number(n >> 32n), at);
  out.writeUInt32LE(Number(n & 0xffffffffn), at + 4);
}

function readU64(body: Buffer, at: number): bigint {
  return (BigInt(body.readUInt32LE(at)) << 32n) | BigInt(body.readUInt32LE(at + 4));
}
