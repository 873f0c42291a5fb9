import { createClock } from '@sinonjs/fake-timers';
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { DEFAULT_DOUBLE_READ_WINDOW_MS, DoubleReadFilter } from './double-read.ts';

const RUNS = Math.min(Number(process.env.FUZZ_RUNS ?? 2000), 200_000);
const code = (s: string) => Buffer.from(s, 'latin1');
const A = code(']d2010415012345678921ABC');
const B = code(']C1010415012345678910LOT7');

function withClock(options: ConstructorParameters<typeof DoubleReadFilter>[0] = {}) {
  const clock = createClock(1_700_000_000_000);
  const filter = new DoubleReadFilter({ now: () => clock.now, ...options });
  return { clock, filter, read: (bytes: Uint8Array) => filter.isDoubleRead(bytes) };
}

describe('the double-read window', () => {
  test('defaults to 400 ms (config.ts scanner.doubleReadWindowMs)', () => {
    expect(DEFAULT_DOUBLE_READ_WINDOW_MS).toBe(400);
    expect(new DoubleReadFilter().windowMs).toBe(400);
  });

  test('the same bytes within the window are a double read, dropped and counted', () => {
    const { clock, filter, read } = withClock();
    expect(read(A)).toBe(false);
    clock.tick(120);
    expect(read(A)).toBe(true);
    expect(filter.suppressed).toBe(1);
    expect(filter.passed).toBe(1);
  });

  test('two identical packages scanned a second apart are two scans', () => {
    const { clock, read } = withClock();
    expect(read(A)).toBe(false);
    clock.tick(1000);
    expect(read(A)).toBe(false);
  });

  test('the window ends at windowMs exactly', () => {
    const { clock, read } = withClock({ windowMs: 300 });
    read(A);
    clock.tick(299);
    expect(read(A)).toBe(true);
    clock.tick(300);
    expect(read(A)).toBe(false);
  });

  test('it slides: a code kept in view is one scan until it has been out of view for the window', () => {
    const { clock, read } = withClock();
    const results = [read(A)];
    for (let i = 0; i < 5; i++) {
      clock.tick(300);
      results.push(read(A));
    }
    clock.tick(400);
    results.push(read(A));
    expect(results).toEqual([false, true, true, true, true, true, false]);
  });

  test('another code in between does not hide a double read (two symbols on one label)', () => {
    const { clock, read } = withClock();
    expect([read(A), read(B)]).toEqual([false, false]);
    clock.tick(100);
    expect([read(A), read(B)]).toEqual([true, true]);
  });

  test('with one entry only the last code is remembered', () => {
    const { read } = withClock({ entries: 1 });
    expect([read(A), read(B), read(A)]).toEqual([false, false, false]);
  });

  test('memory is bounded: the least recently read code is forgotten first', () => {
    const { read } = withClock({ entries: 4 });
    const codes = ['1', '2', '3', '4', '5'].map(code);
    for (const c of codes) expect(read(c)).toBe(false);
    // '1' was evicted by '5'; '2'…'5' are remembered.
    expect(read(code('2'))).toBe(true);
    expect(read(code('1'))).toBe(false); // evicts '3' (least recently read)
    expect(read(code('3'))).toBe(false);
    expect(read(code('5'))).toBe(true);
  });

  test('windowMs 0 turns it off', () => {
    const { read } = withClock({ windowMs: 0 });
    expect([read(A), read(A)]).toEqual([false, false]);
  });

  test('a clock stepping back is never a double read', () => {
    const filter = new DoubleReadFilter();
    expect(filter.isDoubleRead(A, 10_000)).toBe(false);
    expect(filter.isDoubleRead(A, 9_900)).toBe(false);
    expect(filter.isDoubleRead(A, 10_000)).toBe(true);
  });

  test('it keeps a copy: the caller may reuse its buffer', () => {
    const { read } = withClock();
    const buf = Buffer.from(A);
    read(buf);
    buf.fill(0x30);
    expect(read(buf)).toBe(false);
    expect(read(A)).toBe(true);
  });

  test('isDoubleRead is bound (handed to the controller as it is) and takes an explicit time', () => {
    const filter = new DoubleReadFilter({ now: () => 0 });
    const isDoubleRead = filter.isDoubleRead;
    expect(isDoubleRead(A, 5000)).toBe(false);
    expect(isDoubleRead(A, 5100)).toBe(true);
    filter.reset();
    expect(isDoubleRead(A, 5200)).toBe(false);
  });

  test('bad options are refused', () => {
    expect(() => new DoubleReadFilter({ windowMs: -1 })).toThrow(/windowMs/);
    expect(() => new DoubleReadFilter({ entries: 0 })).toThrow(/entries/);
  });
});

test('property: with room for every code, a read is a double read exactly when the same code was read less than the window before', () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 0, max: 1000 }),
      fc.array(fc.tuple(fc.constantFrom('a', 'b', 'c', 'd'), fc.integer({ min: 0, max: 700 })), { maxLength: 60 }),
      (windowMs, reads) => {
        const filter = new DoubleReadFilter({ windowMs, entries: 4 });
        const last = new Map<string, number>();
        let t = 0;
        for (const [c, dt] of reads) {
          t += dt;
          const seen = last.get(c);
          expect(filter.isDoubleRead(code(c), t)).toBe(seen !== undefined && t - seen < windowMs);
          last.set(c, t);
        }
        expect(filter.passed + filter.suppressed).toBe(reads.length);
      },
    ),
    { numRuns: RUNS },
  );
});
