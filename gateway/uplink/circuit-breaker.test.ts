import { describe, expect, it } from 'vitest';
import { CircuitBreaker } from './circuit-breaker.ts';

function breaker() {
  let t = 0;
  const b = new CircuitBreaker({ threshold: 3, cooldownMs: 1000, maxCooldownMs: 3000, now: () => t });
  return { b, advance: (ms: number) => void (t += ms) };
}

describe('circuit breaker', () => {
  it('opens after `threshold` failures in a row, not before', () => {
    const { b } = breaker();
    b.failure();
    b.failure();
    b.success();
    b.failure();
    b.failure();
    expect(b.allow()).toBe(true);
    b.failure();
    expect(b.state).toBe('open');
    expect(b.allow()).toBe(false);
    expect(b.waitMs()).toBe(1000);
  });

  it('lets exactly one trial through after the cooldown; success closes it', () => {
    const { b, advance } = breaker();
    for (let i = 0; i < 3; i++) b.failure();
    advance(1000);
    expect(b.state).toBe('half-open');
    expect(b.allow()).toBe(true);
    expect(b.allow()).toBe(false);
    b.success();
    expect(b.state).toBe('closed');
    expect(b.allow()).toBe(true);
  });

  it('a failed trial reopens it for a doubled, capped cooldown', () => {
    const { b, advance } = breaker();
    for (let i = 0; i < 3; i++) b.failure();
    for (const expected of [2000, 3000, 3000]) {
      advance(b.waitMs());
      expect(b.allow()).toBe(true);
      b.failure();
      expect(b.waitMs()).toBe(expected);
    }
  });
});
