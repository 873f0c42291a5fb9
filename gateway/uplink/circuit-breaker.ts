// A circuit breaker for the national service: after `threshold` failures in a row it opens and
// lets nothing through for `cooldownMs`; then one trial request (half-open) decides whether it
// closes again or opens for another, longer cooldown (doubling, capped).
//   const b = new CircuitBreaker({ threshold: 5, cooldownMs: 10_000 });
//   if (b.allow()) { try { await send(); b.success(); } catch { b.failure(); } }

export type BreakerState = 'closed' | 'open' | 'half-open';

export interface BreakerOptions {
  threshold?: number;
  cooldownMs?: number;
  maxCooldownMs?: number;
  now?: () => number;
}

export class CircuitBreaker {
  private failures = 0;
  private openedAt = 0;
  private cooldown: number;
  private trialInFlight = false;
  private current: BreakerState = 'closed';
  private readonly threshold: number;
  private readonly baseCooldown: number;
  private readonly maxCooldown: number;
  private readonly now: () => number;

  constructor(options: BreakerOptions = {}) {
    this.threshold = options.threshold ?? 5;
    this.baseCooldown = options.cooldownMs ?? 10_000;
    this.maxCooldown = options.maxCooldownMs ?? 5 * 60_000;
    this.cooldown = this.baseCooldown;
    this.now = options.now ?? Date.now;
  }

  get state(): BreakerState {
    if (this.current === 'open' && this.now() - this.openedAt >= this.cooldown) return 'half-open';
    return this.current;
  }

  /** When the next request may go, in ms from now (0: now). */
  waitMs(): number {
    if (this.current !== 'open') return 0;
    return Math.max(0, this.openedAt + this.cooldown - this.now());
  }

  allow(): boolean {
    const s = this.state;
    if (s === 'closed') return true;
    if (s === 'open' || this.trialInFlight) return false;
    this.trialInFlight = true;
    return true;
  }

  success(): void {
    this.failures = 0;
    this.trialInFlight = false;
    this.current = 'closed';
    this.cooldown = this.baseCooldown;
  }

  failure(): void {
    const wasTrial = this.trialInFlight;
    this.trialInFlight = false;
    this.failures++;
    if (wasTrial) {
      this.cooldown = Math.min(this.maxCooldown, this.cooldown * 2);
      this.open();
    } else if (this.current === 'closed' && this.failures >= this.threshold) {
      this.open();
    }
  }

  private open(): void {
    this.current = 'open';
    this.openedAt = this.now();
  }
}
