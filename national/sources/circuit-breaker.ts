// A circuit breaker for one metadata source: after `threshold` failed lookups in a row it opens
// and refuses every lookup for `cooldownMs`; then it lets one trial through (half-open). The
// trial's success closes it, its failure opens it again.
//   if (!breaker.tryAcquire()) throw new SourceError('circuit-open', …);
//   try { …; breaker.success(); } catch { breaker.failure(); }   // or breaker.release() if aborted

export type BreakerState = 'closed' | 'open' | 'half-open';

export interface BreakerOptions {
  threshold?: number;
  cooldownMs?: number;
  now?: () => number;
}

export class CircuitBreaker {
  private failures = 0;
  private openedAt = 0;
  private isOpen = false;
  private trial = false;
  private readonly threshold: number;
  private readonly cooldownMs: number;
  private readonly now: () => number;

  constructor(options: BreakerOptions = {}) {
    this.threshold = options.threshold ?? 5;
    this.cooldownMs = options.cooldownMs ?? 30_000;
    this.now = options.now ?? Date.now;
  }

  get state(): BreakerState {
    if (!this.isOpen) return 'closed';
    return this.now() - this.openedAt >= this.cooldownMs ? 'half-open' : 'open';
  }

  /** May a lookup go now? In half-open state only one (the trial) at a time. */
  tryAcquire(): boolean {
    const state = this.state;
    if (state === 'closed') return true;
    if (state === 'open' || this.trial) return false;
    this.trial = true;
    return true;
  }

  success(): void {
    this.failures = 0;
    this.isOpen = false;
    this.trial = false;
  }

  failure(): void {
    this.trial = false;
    if (this.isOpen || ++this.failures >= this.threshold) {
      this.isOpen = true;
      this.openedAt = this.now();
    }
  }

  /** The lookup neither succeeded nor failed (the caller gave up): a trial slot is freed. */
  release(): void {
    this.trial = false;
  }
}
