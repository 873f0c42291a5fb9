// Reconnect delays: exponential, capped, with jitter, so that a hospital's 40 gateways do not
// reconnect in lock-step after a broker restart (docs/architecture.md: every retry backs off with jitter).
//   backoffDelay(0, DEFAULT_RECONNECT_BACKOFF, Math.random)  → 250 … 500 ms
//   backoffDelay(9, DEFAULT_RECONNECT_BACKOFF, Math.random)  → 15 … 30 s (the cap)
//
// "Equal jitter": the ceiling for attempt n is min(maxMs, initialMs · multiplier^n); the delay is
// half the ceiling plus a random part of the other half, so it never collapses to zero (no
// reconnect storm) and never exceeds maxMs (a bounded wait).

export interface BackoffPolicy {
  /** The ceiling of the first delay. */
  initialMs: number;
  /** No delay is longer. */
  maxMs: number;
  /** Growth of the ceiling per attempt. */
  multiplier: number;
}

export const DEFAULT_RECONNECT_BACKOFF: Readonly<BackoffPolicy> = Object.freeze({ initialMs: 500, maxMs: 30_000, multiplier: 2 });

export function checkBackoffPolicy(p: BackoffPolicy): BackoffPolicy {
  if (!(Number.isFinite(p.initialMs) && p.initialMs > 0)) throw new RangeError('backoff initialMs must be a positive number');
  if (!(Number.isFinite(p.maxMs) && p.maxMs >= p.initialMs)) throw new RangeError('backoff maxMs must be at least initialMs');
  if (!(Number.isFinite(p.multiplier) && p.multiplier >= 1)) throw new RangeError('backoff multiplier must be at least 1');
  return p;
}

/** The delay before retry `attempt` (0 for the first retry); `random` returns [0, 1). */
export function backoffDelay(attempt: number, policy: BackoffPolicy, random: () => number): number {
  const ceiling = Math.min(policy.maxMs, policy.initialMs * policy.multiplier ** Math.min(Math.max(attempt, 0), 64));
  const r = Math.min(Math.max(random(), 0), 1);
  return Math.round(ceiling / 2 + (r * ceiling) / 2);
}

export interface Timers {
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

const realTimers: Timers = {
  setTimeout: (callback, ms) => setTimeout(callback, ms),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

/**
 * At most one pending retry, each later than the last until `reset()` (after a success).
 *   schedule.next(() => reconnect())  → the delay chosen
 */
export class RetrySchedule {
  private attempt = 0;
  private handle: unknown = null;
  private readonly policy: BackoffPolicy;

  constructor(
    policy: Partial<BackoffPolicy> = {},
    private readonly random: () => number = Math.random,
    private readonly timers: Timers = realTimers,
  ) {
    this.policy = checkBackoffPolicy({ ...DEFAULT_RECONNECT_BACKOFF, ...policy });
  }

  /** Retries made since the last reset. */
  get attempts(): number {
    return this.attempt;
  }

  get pending(): boolean {
    return this.handle !== null;
  }

  /** Runs `callback` after the next delay; a retry already pending is kept (returns null). */
  next(callback: () => void): number | null {
    if (this.handle !== null) return null;
    const delay = backoffDelay(this.attempt, this.policy, this.random);
    this.attempt++;
    this.handle = this.timers.setTimeout(() => {
      this.handle = null;
      callback();
    }, delay);
    return delay;
  }

  cancel(): void {
    if (this.handle !== null) this.timers.clearTimeout(this.handle);
    this.handle = null;
  }

  /** After a success: the next delay is the first one again. */
  reset(): void {
    this.attempt = 0;
  }
}
