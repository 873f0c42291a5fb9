import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeRecords, encodeRecord, HEADER_BYTES, MAX_PAYLOAD_BYTES, type JournalRecord } from './record.ts';

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
});
