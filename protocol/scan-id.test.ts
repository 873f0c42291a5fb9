// Scan ids: RFC 9562 UUIDv7 layout, strictly increasing per generator, sortable by time, unique.
//   createScanIdGenerator({ now: () => t })() → an id whose parseScanId(...).timestampMs is t.
// Clocks are injected or faked (@sinonjs/fake-timers): nothing here sleeps.

import FakeTimers from '@sinonjs/fake-timers';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createScanIdGenerator, isScanId, newScanId, parseScanId, SCAN_ID_PATTERN } from './scan-id.ts';

const T0 = 1767225600000; // 2026-01-01T00:00:00Z
const RUNS = Number(process.env.FUZZ_RUNS ?? 20_000);

/** The 42-bit counter of an id (RFC 9562 §6.2 method 1 layout used by scan-id.ts). */
function counterOf(id: string): number {
  const hex = id.replace(/-/g, '');
  const hi = parseInt(hex.slice(13, 16), 16); // rand_a, 12 bits
  const lo = parseInt(hex.slice(16, 24), 16) & 0x3fffffff; // 30 bits after the variant
  return hi * 2 ** 30 + lo;
}

describe('format', () => {
  it('is a lowercase UUIDv7 with the RFC 9562 variant, time in the first 48 bits', () => {
    const id = createScanIdGenerator({ now: () => T0 })();
    expect(id).toMatch(SCAN_ID_PATTERN);
    expect(id.slice(0, 13)).toBe('019b76da-a800');
    expect(id[14]).toBe('7');
    expect('89ab').toContain(id[19]);
    expect(parseScanId(id)).toStrictEqual({ timestampMs: T0 });
  });

  it('carries any timestamp of the 48-bit range', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 48 - 1 }), (t) => {
        const id = createScanIdGenerator({ now: () => t })();
        expect(parseScanId(id)).toStrictEqual({ timestampMs: t });
      }),
      { numRuns: 2000 },
    );
  });

  it('refuses a clock outside the UUIDv7 range', () => {
    expect(() => createScanIdGenerator({ now: () => -1 })()).toThrow(RangeError);
    expect(() => createScanIdGenerator({ now: () => 2 ** 48 })()).toThrow(RangeError);
    expect(() => createScanIdGenerator({ now: () => NaN })()).toThrow(RangeError);
  });
});

describe('order and uniqueness', () => {
  it('100,000 ids in one millisecond: strictly increasing, counter +1 each', () => {
    const next = createScanIdGenerator({ now: () => T0 });
    let prev = next();
    const seen = new Set([prev]);
    let outOfOrder = 0;
    for (let i = 1; i < 100_000; i++) {
      const id = next();
      if (!(id > prev) || counterOf(id) !== counterOf(prev) + 1) outOfOrder++;
      seen.add(id);
      prev = id;
    }
    expect(outOfOrder).toBe(0);
    expect(seen.size).toBe(100_000);
    expect(parseScanId(prev)?.timestampMs).toBe(T0);
  });

  it('100,000 ids on a clock that jumps ahead, stands still and steps back: unique, increasing', () => {
    const steps = fc.sample(fc.oneof(fc.integer({ min: -3, max: 3 }), fc.integer({ min: -60_000, max: 60_000 })), { numRuns: 100_000, seed: 42 });
    let t = T0;
    let i = 0;
    const next = createScanIdGenerator({ now: () => (t += steps[i++] ?? 0) });
    const ids = Array.from({ length: 100_000 }, next);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.filter((id, k) => k > 0 && !(id > ids[k - 1]!))).toStrictEqual([]);
    // After a step back the id keeps the last timestamp rather than going backwards.
    const times = ids.map((id) => parseScanId(id)!.timestampMs);
    expect(times.filter((t, k) => k > 0 && t < times[k - 1]!)).toStrictEqual([]);
    expect(steps.some((d) => d < -1000)).toBe(true); // the clock did step back
  });

  it('sorts by time across generators: an earlier millisecond always sorts first', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 48 - 2 }), fc.integer({ min: 1, max: 10_000 }), (t, dt) => {
        const a = createScanIdGenerator({ now: () => t })();
        const b = createScanIdGenerator({ now: () => Math.min(t + dt, 2 ** 48 - 1) })();
        expect(a < b).toBe(true);
        expect([b, a].sort()).toStrictEqual([a, b]);
      }),
      { numRuns: 5000 },
    );
  });

  it('the default generator reads Date.now at each call (fake timers, no sleeping)', () => {
    const clock = FakeTimers.install({ now: T0, toFake: ['Date'] });
    try {
      const a = newScanId();
      clock.tick(1500);
      const b = newScanId();
      expect(parseScanId(a)?.timestampMs).toBe(T0);
      expect(parseScanId(b)?.timestampMs).toBe(T0 + 1500);
      expect(a < b).toBe(true);
    } finally {
      clock.uninstall();
    }
  });

  it('two generators in the same millisecond still differ (random counter start and tail)', () => {
    const ids = new Set(Array.from({ length: 1000 }, () => createScanIdGenerator({ now: () => T0 })()));
    expect(ids.size).toBe(1000);
  });
});

describe('parseScanId on untrusted input', () => {
  it.each([
    ['019B76DA-A800-7A3E-9C41-5E2F8D01B7C3', 'uppercase'],
    ['f47ac10b-58cc-4372-a567-0e02b2c3d479', 'version 4'],
    ['019b76da-a800-7a3e-7c41-5e2f8d01b7c3', 'wrong variant'],
    ['019b76daa8007a3e9c415e2f8d01b7c3', 'no hyphens'],
    ['{019b76da-a800-7a3e-9c41-5e2f8d01b7c3}', 'braces'],
    ['019b76da-a800-7a3e-9c41-5e2f8d01b7c3\n', 'a trailing newline'],
    [' 019b76da-a800-7a3e-9c41-5e2f8d01b7c3', 'a leading space'],
    ['019b76da-a800-7a3e-9c41-5e2f8d01b7c', 'truncated'],
    ['urn:uuid:019b76da-a800-7a3e-9c41-5e2f8d01b7c3', 'a URN'],
    ['019b76da-a800-7a3e-9c41-5e2f8d01b7g3', 'a non-hex digit'],
    ['', 'empty'],
  ])('refuses %j (%s)', (s) => {
    expect(parseScanId(s)).toBeNull();
    expect(isScanId(s)).toBe(false);
  });

  it('refuses non-strings and overlong strings', () => {
    for (const v of [null, undefined, 42, {}, 'a'.repeat(10_000_000)]) expect(parseScanId(v)).toBeNull();
  });

  it('never throws; what it accepts is a lowercase UUIDv7', () => {
    let accepted = 0;
    fc.assert(
      // Most cases are UUIDv7-shaped, so the accepting branch runs; the rest are other UUIDs and noise.
      fc.property(fc.oneof({ weight: 3, arbitrary: fc.stringMatching(SCAN_ID_PATTERN) }, { weight: 1, arbitrary: fc.uuid() }, { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 60 }) }), (s) => {
        const p = parseScanId(s);
        if (p !== null) {
          accepted += 1;
          expect(s).toMatch(SCAN_ID_PATTERN);
          expect(p.timestampMs).toBe(parseInt(s.replace(/-/g, '').slice(0, 12), 16));
        } else {
          expect(s).not.toMatch(SCAN_ID_PATTERN);
        }
      }),
      { numRuns: RUNS },
    );
    expect(accepted / RUNS).toBeGreaterThanOrEqual(0.5);
  });
});
