import { createClock } from '@sinonjs/fake-timers';
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { backoffDelay, checkBackoffPolicy, DEFAULT_RECONNECT_BACKOFF, RetrySchedule, type Timers } from './backoff.ts';

const policy = { initialMs: 500, maxMs: 30_000, multiplier: 2 };

describe('backoffDelay', () => {
  test('equal jitter: between half the ceiling and the ceiling, the ceiling doubling up to the cap', () => {
    const low = (n: number) => backoffDelay(n, policy, () => 0);
    const high = (n: number) => backoffDelay(n, policy, () => 0.999_999);
    expect([0, 1, 2, 3, 4, 5, 6, 7].map(low)).toEqual([250, 500, 1000, 2000, 4000, 8000, 15_000, 15_000]);
    expect([0, 1, 2, 3, 4, 5, 6, 7].map(high)).toEqual([500, 1000, 2000, 4000, 8000, 16_000, 30_000, 30_000]);
    expect(backoffDelay(1e9, policy, () => 0.5)).toBe(22_500);
  });

  test('always within [initialMs/2, maxMs], whatever the attempt and the random source', () => {
    fc.assert(
      fc.property(fc.integer({ min: -5, max: 10_000 }), fc.double({ min: -1, max: 2, noNaN: true }), (attempt, r) => {
        const d = backoffDelay(attempt, DEFAULT_RECONNECT_BACKOFF, () => r);
        return d >= DEFAULT_RECONNECT_BACKOFF.initialMs / 2 && d <= DEFAULT_RECONNECT_BACKOFF.maxMs && Number.isInteger(d);
      }),
    );
  });

  test('a policy without a bound or with a shrinking delay is refused', () => {
    expect(() => checkBackoffPolicy({ initialMs: 0, maxMs: 10, multiplier: 2 })).toThrow(RangeError);
    expect(() => checkBackoffPolicy({ initialMs: 10, maxMs: 5, multiplier: 2 })).toThrow(RangeError);
    expect(() => checkBackoffPolicy({ initialMs: 10, maxMs: Infinity, multiplier: 2 })).toThrow(RangeError);
    expect(() => checkBackoffPolicy({ initialMs: 10, maxMs: 20, multiplier: 0.5 })).toThrow(RangeError);
  });
});

describe('RetrySchedule on fake timers', () => {
  const setup = (random = () => 0.5) => {
    const clock = createClock(0);
    const timers: Timers = { setTimeout: (cb, ms) => clock.setTimeout(cb, ms), clearTimeout: (h) => clock.clearTimeout(h as never) };
    const fired: number[] = [];
    const schedule = new RetrySchedule(policy, random, timers);
    return { clock, fired, schedule, retry: () => schedule.next(() => fired.push(clock.now)) };
  };

  test('each retry runs after its delay, later each time, capped, until a success resets it', () => {
    const { clock, fired, schedule, retry } = setup();
    const delays: Array<number | null> = [];
    for (let i = 0; i < 9; i++) {
      delays.push(retry());
      clock.tick(60_000);
    }
    expect(delays).toEqual([375, 750, 1500, 3000, 6000, 12_000, 22_500, 22_500, 22_500]);
    expect(fired).toEqual([375, 60_750, 121_500, 183_000, 246_000, 312_000, 382_500, 442_500, 502_500]);
    schedule.reset();
    expect(retry()).toBe(375);
  });

  test('one retry pending at a time; cancel() stops it', () => {
    const { clock, fired, schedule, retry } = setup();
    expect(retry()).toBe(375);
    expect(retry()).toBeNull(); // a second 'close' while one is pending changes nothing
    expect(schedule.pending).toBe(true);
    schedule.cancel();
    clock.tick(10_000);
    expect(fired).toEqual([]);
    expect(schedule.pending).toBe(false);
  });

  test('jitter spreads gateways that lost the same broker at the same moment', () => {
    const randoms = [0.1, 0.4, 0.7, 0.95];
    const firsts = randoms.map((r) => setup(() => r).retry());
    expect(new Set(firsts).size).toBe(4);
  });
});
