// A counting semaphore for unacknowledged publishes: the link's back-pressure.
//   await slots.acquire();   // waits while `capacity` publishes await their PUBACK
//   try { … } finally { slots.release(); }
//
// Capacity: the most publishes handed to the MQTT client and not yet acknowledged (default 64 in
// the link). While it is full, callers wait in FIFO order; the number waiting is the caller's to
// bound (the outbox publishes what it holds, and it holds a stated capacity). `close(err)` rejects
// every waiter and every later acquire.

export class InFlightLimit {
  private used = 0;
  private highWater = 0;
  private readonly waiters: Array<{ resolve: () => void; reject: (e: Error) => void }> = [];
  private closedWith: Error | null = null;

  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError('in-flight capacity must be a positive integer');
  }

  /** Slots taken now. */
  get inFlight(): number {
    return this.used;
  }

  /** The most slots ever taken at once. */
  get maxInFlight(): number {
    return this.highWater;
  }

  /** Callers waiting for a slot. */
  get waiting(): number {
    return this.waiters.length;
  }

  /** Takes a slot at once if one is free and nobody waits (no promise, no microtask); false otherwise. */
  tryAcquire(): boolean {
    if (this.closedWith || this.used >= this.capacity || this.waiters.length > 0) return false;
    this.take();
    return true;
  }

  acquire(): Promise<void> {
    if (this.closedWith) return Promise.reject(this.closedWith);
    if (this.used < this.capacity && this.waiters.length === 0) {
      this.take();
      return Promise.resolve();
    }
    return new Promise((resolve, reject) => this.waiters.push({ resolve, reject }));
  }

  release(): void {
    if (this.used === 0) throw new Error('InFlightLimit.release() without acquire()');
    this.used--;
    const next = this.waiters.shift();
    if (next) {
      this.take();
      next.resolve();
    }
  }

  close(error: Error): void {
    this.closedWith ??= error;
    for (const w of this.waiters.splice(0)) w.reject(error);
  }

  private take(): void {
    this.used++;
    if (this.used > this.highWater) this.highWater = this.used;
  }
}
