// The broker's password checks (scrypt, tens of ms of CPU each) as a bounded, fair queue, so that
// a flood of logins from one address costs bounded CPU and never starves another address:
//   const queue = new LoginQueue();                          // DEFAULT_LOGIN_LIMITS
//   await queue.run('10.0.0.7', () => verifyPassword(…), signal)   // or rejects with LoginBusyError
//
// - At most `maxInFlight` checks run at once (scrypt runs on libuv's pool of 4 threads; the rest
//   of the broker needs some).
// - Waiting checks are served round-robin by source address: one address's thousand queued
//   attempts delay another address's login by one turn, not by a thousand checks.
// - Bounds: `maxQueuedPerAddress` waiting per address, `maxQueued` in total, and a token bucket
//   per address (`burst` attempts, refilled at `perSecond`; a successful login gives its token
//   back, so only failures use the budget). Over a bound: LoginBusyError at once, no scrypt —
//   the broker answers CONNACK 3 (server unavailable) and the client retries later.
// - A check whose connection has closed (`signal` aborted) while waiting is dropped unrun.

export interface LoginLimits {
  maxInFlight: number;
  maxQueuedPerAddress: number;
  maxQueued: number;
  /** Attempts one address may make at once, then `perSecond`. */
  burst: number;
  perSecond: number;
}

export const DEFAULT_LOGIN_LIMITS: Readonly<LoginLimits> = Object.freeze({ maxInFlight: 2, maxQueuedPerAddress: 8, maxQueued: 256, burst: 60, perSecond: 1 });

/** Too many login attempts waiting or made from this address: refused without a password check. */
export class LoginBusyError extends Error {
  override name = 'LoginBusyError';
}

interface Job {
  start(): void;
  signal: AbortSignal | undefined;
  cancel(): void;
}

interface Bucket {
  tokens: number;
  at: number;
}

/** Buckets kept before full ones are forgotten (a full bucket is the same as none). */
const MAX_BUCKETS = 10_000;

export class LoginQueue {
  readonly limits: Readonly<LoginLimits>;
  /** Checks refused over a bound, run, and dropped because their connection closed. */
  readonly stats = { refused: 0, run: 0, dropped: 0 };
  readonly #waiting = new Map<string, Job[]>(); // insertion order is the round-robin order
  #servedLast: string | null = null;
  readonly #buckets = new Map<string, Bucket>();
  readonly #now: () => number;
  #queued = 0;
  #inFlight = 0;

  constructor(limits: Partial<LoginLimits> = {}, now: () => number = Date.now) {
    this.limits = { ...DEFAULT_LOGIN_LIMITS, ...limits };
    this.#now = now;
  }

  get queued(): number {
    return this.#queued;
  }

  get inFlight(): number {
    return this.#inFlight;
  }

  /** Checks waiting from one address. */
  queuedFrom(address: string): number {
    return this.#waiting.get(address)?.length ?? 0;
  }

  /** Would an attempt from `address` be queued now (not refused)? Lets the broker close a connection at accept, before it costs an MQTT client. */
  wouldAccept(address: string): boolean {
    if ((this.#waiting.get(address)?.length ?? 0) >= this.limits.maxQueuedPerAddress || this.#queued >= this.limits.maxQueued) return false;
    const b = this.#buckets.get(address);
    return b === undefined || b.tokens + ((this.#now() - b.at) / 1000) * this.limits.perSecond >= 1;
  }

  /** Runs `check` when its turn comes; `succeeded(result)` says whether to give the attempt's token back. */
  run<T>(address: string, check: () => Promise<T>, options: { signal?: AbortSignal; succeeded?: (result: T) => boolean } = {}): Promise<T> {
    const waiting = this.#waiting.get(address)?.length ?? 0;
    if (waiting >= this.limits.maxQueuedPerAddress || this.#queued >= this.limits.maxQueued || !this.#take(address)) {
      this.stats.refused++;
      return Promise.reject(new LoginBusyError('too many login attempts; try again later'));
    }
    return new Promise<T>((resolve, reject) => {
      const job: Job = {
        signal: options.signal,
        cancel: () => reject(new LoginBusyError('the connection closed before its password check')),
        start: () => {
          this.#inFlight++;
          this.stats.run++;
          check()
            .then((result) => {
              if (options.succeeded?.(result)) this.#giveBack(address);
              resolve(result);
            }, reject)
            .finally(() => {
              this.#inFlight--;
              this.#next();
            });
        },
      };
      const list = this.#waiting.get(address);
      if (list) list.push(job);
      else this.#waiting.set(address, [job]);
      this.#queued++;
      this.#next();
    });
  }

  #next(): void {
    while (this.#inFlight < this.limits.maxInFlight && this.#queued > 0) {
      let [address, list] = this.#waiting.entries().next().value as [string, Job[]];
      if (address === this.#servedLast && this.#waiting.size > 1) {
        // Its turn was the last one: to the back, behind addresses that arrived meanwhile.
        this.#waiting.delete(address);
        this.#waiting.set(address, list);
        [address, list] = this.#waiting.entries().next().value as [string, Job[]];
      }
      const job = list.shift()!;
      this.#queued--;
      this.#servedLast = address;
      if (list.length === 0) this.#waiting.delete(address);
      if (job.signal?.aborted) {
        this.stats.dropped++;
        job.cancel();
        continue;
      }
      job.start();
    }
  }

  #take(address: string): boolean {
    const now = this.#now();
    const b = this.#buckets.get(address) ?? { tokens: this.limits.burst, at: now };
    b.tokens = Math.min(this.limits.burst, b.tokens + ((now - b.at) / 1000) * this.limits.perSecond);
    b.at = now;
    if (b.tokens < 1) {
      this.#buckets.set(address, b);
      return false;
    }
    b.tokens--;
    this.#buckets.set(address, b);
    if (this.#buckets.size > MAX_BUCKETS) this.#forgetFull(now);
    return true;
  }

  #giveBack(address: string): void {
    const b = this.#buckets.get(address);
    if (b) b.tokens = Math.min(this.limits.burst, b.tokens + 1);
  }

  #forgetFull(now: number): void {
    for (const [address, b] of this.#buckets) {
      if (b.tokens + ((now - b.at) / 1000) * this.limits.perSecond >= this.limits.burst) this.#buckets.delete(address);
    }
  }
}
