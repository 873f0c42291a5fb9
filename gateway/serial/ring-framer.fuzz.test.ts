// Properties of the ring framer, checked with fast-check:
// - frames joined with terminators and cut into arbitrary chunks come out exactly (those within
//   the capacity), the overlong ones are reported with their exact size, nothing leaks;
// - arbitrary bytes in arbitrary chunks give what a declarative model (split the whole input on
//   the terminator pattern) says, never throw, and never reallocate the ring;
// - with terminator 'none', frames separated by silence come out exactly (fake timers).
//   FUZZ_RUNS=100000 npx vitest run gateway/serial/ring-framer.fuzz    (default 2000 per property)

import { createClock } from '@sinonjs/fake-timers';
import fc from 'fast-check';
import { expect, test } from 'vitest';
import type { Clock } from './clock.ts';
import { type FramingError, RingFramer, type Terminator } from './ring-framer.ts';

// `npm run fuzz` sets FUZZ_RUNS=2000000: capped at 200 000 per property (about a minute each).
const RUNS = Math.min(Number(process.env.FUZZ_RUNS ?? 2000), 200_000);
const CR = 0x0d;
const LF = 0x0a;
const TAB = 0x09;

const noTimers: Clock = { now: () => 0, setTimeout: () => null, clearTimeout: () => {} };

/** Terminator sets as config.ts allows them (any non-empty subset; 'none' tested apart). */
const terminatorSets = fc.subarray<Terminator>(['CR', 'LF', 'CRLF', 'TAB'], { minLength: 1 });

const SEQUENCE: Record<Exclude<Terminator, 'none'>, number[]> = { CR: [CR], LF: [LF], CRLF: [CR, LF], TAB: [TAB] };

/** Cut `bytes` at the given points (taken modulo its length) into chunks. */
function cut(bytes: Uint8Array, points: number[]): Uint8Array[] {
  const at = [...new Set(points.map((p) => (bytes.length ? p % (bytes.length + 1) : 0)))].sort((a, b) => a - b);
  const chunks: Uint8Array[] = [];
  let from = 0;
  for (const p of at) {
    chunks.push(bytes.subarray(from, p));
    from = p;
  }
  chunks.push(bytes.subarray(from));
  return chunks;
}

function run(chunks: Uint8Array[], terminators: Terminator[], cap: number) {
  const frames: string[] = [];
  const errors: FramingError[] = [];
  const framer = new RingFramer({
    maxLineBytes: cap,
    terminators,
    clock: noTimers,
    onFrame: (b) => frames.push(Buffer.from(b).toString('latin1')),
    onError: (e) => errors.push(e),
  });
  const ring = framer.buffer;
  for (const c of chunks) {
    framer.push(c, 0);
    // Memory never grows: always the same ring, of the same size.
    if (framer.buffer !== ring || ring.byteLength !== cap) throw new Error('the ring was reallocated');
  }
  return { framer, frames, errors };
}

test('frames joined with terminators and cut anywhere come out exactly; overlong ones are reported, never leak', () => {
  fc.assert(
    fc.property(
      terminatorSets,
      fc.integer({ min: 1, max: 48 }),
      fc.array(fc.tuple(fc.uint8Array({ maxLength: 70 }), fc.nat()), { maxLength: 12 }),
      fc.array(fc.nat(), { maxLength: 20 }),
      (terminators, cap, specs, points) => {
        const crlfOnly = !terminators.includes('CR') && !terminators.includes('LF') && !terminators.includes('TAB');
        const bytes: number[] = [];
        const expected: string[] = [];
        const overlong: number[] = [];
        for (const [raw, pick] of specs) {
          // A frame holds no terminator byte; with CRLF alone a lone CR is data and may appear.
          const frame = [...raw].filter((b) => b !== LF && b !== TAB && (crlfOnly || b !== CR));
          const t = terminators[pick % terminators.length] as Exclude<Terminator, 'none'>;
          bytes.push(...frame, ...SEQUENCE[t]);
          if (frame.length > cap) overlong.push(frame.length);
          else if (frame.length > 0) expected.push(Buffer.from(frame).toString('latin1'));
        }
        const { framer, frames, errors } = run(cut(Uint8Array.from(bytes), points), terminators, cap);
        expect(frames).toEqual(expected);
        expect(errors).toEqual(overlong.map((n) => ({ kind: 'overlong', bytes: n })));
        expect(framer.pendingBytes).toBe(0);
      },
    ),
    { numRuns: RUNS },
  );
});

/** The model: the whole input split on the terminator pattern (leftmost, CRLF before CR). */
function model(input: Uint8Array, terminators: Terminator[], cap: number) {
  const has = (t: Terminator) => terminators.includes(t);
  const alternatives: string[] = [];
  if (has('CRLF')) alternatives.push('\\r\\n');
  if (has('CR')) alternatives.push('\\r');
  if (has('LF')) alternatives.push('\\n');
  if (has('TAB')) alternatives.push('\\t');
  const pieces = Buffer.from(input).toString('latin1').split(new RegExp(alternatives.join('|')));
  const unfinished = pieces.pop() ?? '';
  return {
    frames: pieces.filter((p) => p.length > 0 && p.length <= cap),
    errors: pieces.filter((p) => p.length > cap).map((p) => ({ kind: 'overlong', bytes: p.length })),
    emptyLines: pieces.filter((p) => p.length === 0).length,
    pending: unfinished.length,
  };
}

const bytesWithTerminators = fc
  .array(fc.oneof({ arbitrary: fc.constantFrom(CR, LF, TAB), weight: 1 }, { arbitrary: fc.integer({ min: 0, max: 255 }), weight: 4 }), { maxLength: 400 })
  .map((a) => Uint8Array.from(a));

test('arbitrary bytes in arbitrary chunks: what the model says, never a throw, never a reallocation', () => {
  fc.assert(
    fc.property(terminatorSets, fc.integer({ min: 1, max: 64 }), bytesWithTerminators, fc.array(fc.nat(), { maxLength: 30 }), (terminators, cap, input, points) => {
      const { framer, frames, errors } = run(cut(input, points), terminators, cap);
      const want = model(input, terminators, cap);
      expect(frames).toEqual(want.frames);
      expect(errors).toEqual(want.errors);
      expect(framer.stats.emptyLines).toBe(want.emptyLines);
      expect(framer.pendingBytes).toBe(want.pending);
      expect(framer.stats.bytesIn).toBe(input.length);
    }),
    { numRuns: RUNS },
  );
});

test('an overlong line never leaks into the next frame, whatever is dropped at unplug', () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 32 }),
      fc.uint8Array({ minLength: 1, maxLength: 200 }),
      fc.boolean(),
      fc.array(fc.nat(), { maxLength: 10 }),
      (cap, junkRaw, unplug, points) => {
        const junk = junkRaw.filter((b) => b !== CR && b !== LF);
        const scan = Buffer.from('SCAN'.slice(0, Math.min(4, cap)), 'latin1');
        const tail = unplug ? [] : [CR];
        const frames: string[] = [];
        const errors: FramingError[] = [];
        const framer = new RingFramer({ maxLineBytes: cap, clock: noTimers, onFrame: (b) => frames.push(b.toString('latin1')), onError: (e) => errors.push(e) });
        for (const c of cut(Uint8Array.from([...junk, ...tail]), points)) framer.push(c, 0);
        if (unplug) framer.discardPartial('unplug');
        framer.push(Uint8Array.from([...scan, CR]), 0);
        const expectedFirst = !unplug && junk.length > 0 && junk.length <= cap ? [Buffer.from(junk).toString('latin1')] : [];
        expect(frames).toEqual([...expectedFirst, scan.toString('latin1')]);
        expect(errors.reduce((n, e) => n + e.bytes, 0)).toBe(expectedFirst.length ? 0 : junk.length);
      },
    ),
    { numRuns: RUNS },
  );
});

test("terminator 'none': frames separated by silence come out exactly, cut anywhere", () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 48 }),
      fc.array(fc.tuple(fc.uint8Array({ maxLength: 60 }), fc.array(fc.nat(), { maxLength: 6 }), fc.array(fc.integer({ min: 0, max: 79 }), { maxLength: 6 })), { maxLength: 8 }),
      (cap, specs) => {
        const fake = createClock(0);
        const clock: Clock = { now: () => fake.now, setTimeout: (cb, ms) => fake.setTimeout(cb, ms), clearTimeout: (h) => fake.clearTimeout(h as never) };
        const frames: string[] = [];
        const errors: FramingError[] = [];
        const framer = new RingFramer({ maxLineBytes: cap, terminators: ['none'], interCharTimeoutMs: 80, clock, onFrame: (b) => frames.push(b.toString('latin1')), onError: (e) => errors.push(e) });
        const expected: string[] = [];
        const overlong: number[] = [];
        for (const [frame, points, gaps] of specs) {
          cut(frame, points).forEach((chunk, i) => {
            fake.tick(gaps[i] ?? 0); // shorter than the timeout: the same frame
            framer.push(chunk);
          });
          fake.tick(80);
          if (frame.length > cap) overlong.push(frame.length);
          else if (frame.length > 0) expected.push(Buffer.from(frame).toString('latin1'));
        }
        expect(frames).toEqual(expected);
        expect(errors).toEqual(overlong.map((n) => ({ kind: 'overlong', bytes: n })));
        expect(fake.countTimers()).toBe(0);
      },
    ),
    { numRuns: RUNS },
  );
});
