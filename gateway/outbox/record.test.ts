import { crc32 } from 'node:zlib';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeRecords, encodeRecord, HEADER_BYTES, MAX_ID_BYTES, MAX_PAYLOAD_BYTES, type JournalRecord } from './record.ts';

const FUZZ_RUNS = Number(process.env.FUZZ_RUNS ?? 20_000);

const recordArb: fc.Arbitrary<JournalRecord> = fc.oneof(
  fc.record({
    type: fc.constant('append' as const),
    seq: fc.nat({ max: Number.MAX_SAFE_INTEGER }),
    id: fc.string({ minLength: 1, maxLength: 40 }),
    payload: fc.uint8Array({ maxLength: 300 }),
  }),
  fc.record({ type: fc.constant('retire' as const), id: fc.string({ minLength: 1, maxLength: 40 }) }),
  fc.record({ type: fc.constant('mark' as const), mark: fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }) }),
  fc.record({
    type: fc.constant('append' as const),
    seq: fc.nat({ max: Number.MAX_SAFE_INTEGER }),
    id: fc.string({ minLength: 1, maxLength: 40 }),
    payload: fc.uint8Array({ maxLength: 300 }),
    mark: fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }),
  }),
);

const plain = (r: JournalRecord) => (r.type === 'append' ? { ...r, payload: [...r.payload] } : r);

describe('journal record framing', () => {
  it('round-trips a sequence of records', () => {
    fc.assert(
      fc.property(fc.array(recordArb, { maxLength: 20 }), (records) => {
        const bytes = Buffer.concat(records.map(encodeRecord));
        const d = decodeRecords(bytes, 0);
        expect(d.damaged).toEqual([]);
        expect(d.end).toBe(bytes.length);
        expect(d.records.map((r) => plain(r.record))).toEqual(records.map(plain));
      }),
      { numRuns: 500 },
    );
  });

  it('a stream cut anywhere yields exactly the whole records before the cut', () => {
    fc.assert(
      fc.property(fc.array(recordArb, { minLength: 1, maxLength: 8 }), fc.nat(), (records, cutSeed) => {
        const frames = records.map(encodeRecord);
        const bytes = Buffer.concat(frames);
        const cut = cutSeed % (bytes.length + 1);
        const d = decodeRecords(bytes.subarray(0, cut), 0);
        let whole = 0;
        let end = 0;
        while (whole < frames.length && end + frames[whole]!.length <= cut) end += frames[whole++]!.length;
        expect(d.records).toHaveLength(whole);
        expect(d.end).toBe(end);
        expect(d.damaged).toEqual([]);
      }),
      { numRuns: 2000 },
    );
  });

  it('a flipped bit is never read back as a record: only the damaged one is skipped, every other is kept', () => {
    fc.assert(
      fc.property(fc.array(recordArb, { minLength: 1, maxLength: 6 }), fc.nat(), fc.nat({ max: 7 }), (records, at, bit) => {
        const frames = records.map(encodeRecord);
        const bytes = Buffer.concat(frames);
        const flipAt = at % bytes.length;
        bytes[flipAt]! ^= 1 << bit;
        let damaged = 0;
        let start = 0;
        for (; start + frames[damaged]!.length <= flipAt; start += frames[damaged++]!.length);
        const d = decodeRecords(bytes, 0);
        expect(d.records.map((r) => plain(r.record))).toEqual(records.filter((_, i) => i !== damaged).map(plain));
        const frameEnd = start + frames[damaged]!.length;
        // The damage ends where the next whole record starts; after the last record it is a tail.
        if (frameEnd < bytes.length) expect(d.damaged).toEqual([{ start, end: frameEnd }]);
        else expect(d.end).toBe(start);
      }),
      { numRuns: 2000 },
    );
  });

  it('never throws and never reads past the input on arbitrary bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 512 }), (bytes) => {
        const d = decodeRecords(bytes, 0);
        expect(d.end).toBeLessThanOrEqual(bytes.length);
        for (const r of d.records) expect(r.offset + r.size).toBeLessThanOrEqual(bytes.length);
      }),
      { numRuns: FUZZ_RUNS },
    );
  });

  it('refuses a hostile length at once instead of waiting for megabytes', () => {
    const header = Buffer.alloc(HEADER_BYTES);
    header.writeUInt32LE(0xffffffff, 0);
    expect(decodeRecords(header, 0)).toEqual({ records: [], damaged: [], end: 0 });
  });

  it('refuses ids and payloads it could not frame', () => {
    expect(() => encodeRecord({ type: 'retire', id: '' })).toThrow(RangeError);
    expect(() => encodeRecord({ type: 'retire', id: 'x'.repeat(256) })).toThrow(/1–255 bytes/);
    expect(() => encodeRecord({ type: 'append', seq: 1, id: 'a', payload: new Uint8Array(MAX_PAYLOAD_BYTES + 1) })).toThrow(/at most/);
  });

  it('frames the largest id and payload, and the whole range of seq and mark', () => {
    const records: JournalRecord[] = [
      { type: 'append', seq: Number.MAX_SAFE_INTEGER, id: 'x'.repeat(MAX_ID_BYTES), payload: new Uint8Array(MAX_PAYLOAD_BYTES).fill(7), mark: 2n ** 64n - 1n },
      { type: 'append', seq: 0, id: 'é'.repeat(MAX_ID_BYTES >> 1), payload: new Uint8Array(MAX_PAYLOAD_BYTES) },
      { type: 'mark', mark: 0n },
    ];
    const bytes = Buffer.concat(records.map(encodeRecord));
    const d = decodeRecords(bytes, 0);
    expect(d.records.map((r) => plain(r.record))).toEqual(records.map(plain));
    expect(d.end).toBe(bytes.length);
    // Refused by the range check, not by Buffer failing to write the halves.
    expect(() => encodeRecord({ type: 'mark', mark: 2n ** 64n })).toThrow(/a mark is 0/);
    expect(() => encodeRecord({ type: 'mark', mark: -1n })).toThrow(/a mark is 0/);
    expect(() => encodeRecord({ type: 'append', seq: 1, id: 'a', payload: new Uint8Array(0), mark: 2n ** 64n })).toThrow(/a mark is 0/);
    expect(() => encodeRecord({ type: 'append', seq: -1, id: 'a', payload: new Uint8Array(0) })).toThrow(/seq/);
    expect(() => encodeRecord({ type: 'append', seq: 2 ** 53, id: 'a', payload: new Uint8Array(0) })).toThrow(/seq/);
  });

  // A frame whose CRC matches but whose body no encoder writes: read as damage, never as a record.
  const sealed = (body: number[]): Buffer => {
    const b = Buffer.from(body);
    const header = Buffer.alloc(HEADER_BYTES);
    header.writeUInt32LE(b.length, 0);
    header.writeUInt32LE(crc32(b), 4);
    return Buffer.concat([header, b]);
  };
  const u64 = (hi: number, lo: number) => [...Buffer.from(Uint32Array.of(hi).buffer), ...Buffer.from(Uint32Array.of(lo).buffer)];
  it.each([
    ['an unknown type', [0, 1, 0x61]],
    ['a type above the known ones', [5, 1, 0x61]],
    ['a mark of 7 bytes', [3, ...u64(0, 1).slice(0, 7)]],
    ['a mark of 9 bytes', [3, ...u64(0, 1), 0]],
    ['an append too short for its seq and id length', [1, ...u64(0, 1)]],
    ['a marked append too short for its mark and id length', [4, ...u64(0, 1), ...u64(0, 1)]],
    ['a seq of 2^53', [1, ...u64(0x200000, 0), 1, 0x61]],
    ['an id of length 0', [1, ...u64(0, 1), 0, 0x61]],
    ['an id longer than the body', [1, ...u64(0, 1), 5, 0x61]],
    ['an id that is not UTF-8', [2, 1, 0xff]],
    ['a retire with bytes after its id', [2, 1, 0x61, 0]],
    ['a body one byte over the largest an encoder writes', [4, ...u64(0, 1), ...u64(0, 1), MAX_ID_BYTES, ...Buffer.alloc(MAX_ID_BYTES, 0x61), ...new Uint8Array(MAX_PAYLOAD_BYTES + 1)]],
  ])('refuses a sealed frame holding %s, and keeps the records around it', (_name, body) => {
    const before = encodeRecord({ type: 'retire', id: 'before' });
    const bad = sealed(body);
    const after = encodeRecord({ type: 'retire', id: 'after' });
    const d = decodeRecords(Buffer.concat([before, bad, after]), 0);
    expect(d.records.map((r) => r.record)).toEqual([{ type: 'retire', id: 'before' }, { type: 'retire', id: 'after' }]);
    expect(d.damaged).toEqual([{ start: before.length, end: before.length + bad.length }]);
    expect(d.end).toBe(before.length + bad.length + after.length);
  });

  it('reports one damaged range for a broken frame whose payload looks like the start of a frame', () => {
    // The payload holds a plausible header (length 3, type retire) with a wrong CRC; the outer CRC is broken.
    const lookalike = Uint8Array.of(3, 0, 0, 0, 0, 0, 0, 0, 2, 1, 0x61);
    const bad = encodeRecord({ type: 'append', seq: 1, id: 'x', payload: lookalike });
    bad[4]! ^= 1;
    const after = encodeRecord({ type: 'retire', id: 'after' });
    const d = decodeRecords(Buffer.concat([bad, after]), 0);
    expect(d.records.map((r) => r.record)).toEqual([{ type: 'retire', id: 'after' }]);
    expect(d.damaged).toEqual([{ start: 0, end: bad.length }]);
  });

  it('reads the frames it is given from an offset, with their offsets and sizes', () => {
    const frames = [encodeRecord({ type: 'retire', id: 'a' }), encodeRecord({ type: 'mark', mark: 5n }), encodeRecord({ type: 'append', seq: 3, id: 'b', payload: Uint8Array.of(1, 2), mark: 9n })];
    const bytes = Buffer.concat(frames);
    const d = decodeRecords(bytes, frames[0]!.length);
    expect(d.records.map((r) => [r.offset, r.size])).toEqual([
      [frames[0]!.length, frames[1]!.length],
      [frames[0]!.length + frames[1]!.length, frames[2]!.length],
    ]);
    expect(plain(d.records[1]!.record)).toEqual({ type: 'append', seq: 3, id: 'b', payload: [1, 2], mark: 9n });
  });
});
