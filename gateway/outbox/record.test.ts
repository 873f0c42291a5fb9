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
);

const plain = (r: JournalRecord) => (r.type === 'append' ? { ...r, payload: [...r.payload] } : r);

describe('journal record framing', () => {
  it('round-trips a sequence of records', () => {
    fc.assert(
      fc.property(fc.array(recordArb, { maxLength: 20 }), (records) => {
        const bytes = Buffer.concat(records.map(encodeRecord));
        const d = decodeRecords(bytes, 0);
        expect(d.problem).toBeNull();
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
        expect(d.problem).toBe(cut === end ? null : 'torn');
      }),
      { numRuns: 2000 },
    );
  });

  it('a flipped bit is never read back as a record: decoding stops at the damaged one', () => {
    fc.assert(
      fc.property(fc.array(recordArb, { minLength: 1, maxLength: 6 }), fc.nat(), fc.nat({ max: 7 }), (records, at, bit) => {
        const frames = records.map(encodeRecord);
        const bytes = Buffer.concat(frames);
        const flipAt = at % bytes.length;
        bytes[flipAt]! ^= 1 << bit;
        let damaged = 0;
        for (let start = 0; start + frames[damaged]!.length <= flipAt; start += frames[damaged++]!.length);
        const d = decodeRecords(bytes, 0);
        expect(d.records.length).toBe(damaged);
        expect(d.problem).not.toBeNull();
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
    expect(decodeRecords(header, 0)).toEqual({ records: [], end: 0, problem: 'corrupt' });
  });

  it('refuses ids and payloads it could not frame', () => {
    expect(() => encodeRecord({ type: 'retire', id: '' })).toThrow(RangeError);
    expect(() => encodeRecord({ type: 'retire', id: 'x'.repeat(256) })).toThrow(/1–255 bytes/);
    expect(() => encodeRecord({ type: 'append', seq: 1, id: 'a', payload: new Uint8Array(MAX_PAYLOAD_BYTES + 1) })).toThrow(/at most/);
  });
});
