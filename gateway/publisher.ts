// Moves accepted scans from the outbox to the broker until their receipts come back:
//   publisher.submit(event)    // a scan just fsynced: published at once when online
//   publisher.receipt(scanId)  // the end-to-end acknowledgement: retire it from the outbox
// A scan that waited (scanned while offline, or left by an earlier run) goes out flagged
// historical, with its original scannedAt. Without a receipt it is published again, historical,
// after a backoff (30 s, 1 min, 2 min … capped at 15 min, ±20 % jitter), and at once on a
// reconnect if the broker never acknowledged it, and at once, acknowledged or not, when the site's
// uplink announces a new birth epoch (it may have missed what the broker took). At most `maxInFlight` publishes are outstanding at
// once, so hours of backlog drain at the broker's pace and never flood it.

import { decodeScanEvent, type ScanEvent } from '../protocol/wire.ts';
import type { LinkPort, OutboxPort } from './ports.ts';

export interface PublisherOptions {
  /** Publishes awaiting their PUBACK at once; default 64, the link's own bound (config broker.maxInFlight). */
  maxInFlight?: number;
  firstRetryMs?: number;
  maxRetryMs?: number;
  random?: () => number;
  now?: () => number;
  onPublished?: (event: ScanEvent, latencyMs: number) => void;
  onUndecodable?: (scanId: string) => void;
}

interface Tracked {
  attempts: number;
  /** When it is due (again); 0 = now. */
  dueAt: number;
  publishing: boolean;
  acked: boolean;
  /** Submitted while online: its first publish is live, not historical. */
  live: boolean;
  /** The event as first submitted, and its bytes; dropped once acknowledged to keep memory small. */
  event: ScanEvent | null;
  encoded: Uint8Array | null;
}

export class Publisher {
  private readonly tracked = new Map<string, Tracked>();
  /** Due now, in order, not publishing: what pump() takes from, so a burst costs O(1) per scan. */
  private readonly ready = new ReadyQueue();
  /** The earliest dueAt among the others (backoff), for the timer. */
  private nextDue = Infinity;
  private inFlight = 0;
  private timer: ReturnType<typeof setTimeout> | null = null;
  /** The due time the timer is set for. */
  private timerAt = Infinity;
  private closed = false;
  private readonly opts: Required<Omit<PublisherOptions, 'onPublished' | 'onUndecodable'>> & PublisherOptions;

  constructor(
    private readonly outbox: OutboxPort,
    private readonly link: LinkPort,
    options: PublisherOptions = {},
  ) {
    this.opts = { maxInFlight: 64, firstRetryMs: 30_000, maxRetryMs: 15 * 60_000, random: Math.random, now: Date.now, ...options };
    // What an earlier run left in the outbox goes out first, flagged historical.
    for (const { id } of outbox.pending()) {
      this.tracked.set(id, { attempts: 0, dueAt: 0, publishing: false, acked: false, live: false, event: null, encoded: null });
      this.ready.add(id);
    }
    this.link.on('online', this.onOnline);
    this.link.on('uplinkBirth', this.onUplinkBirth);
  }

  get backlog(): number {
    return this.tracked.size;
  }

  /** `encoded`: the event's bytes as the outbox stored them, published as they are when live. */
  submit(event: ScanEvent, encoded?: Uint8Array): void {
    if (this.tracked.has(event.scanId)) return;
    this.tracked.set(event.scanId, { attempts: 0, dueAt: 0, publishing: false, acked: false, live: this.link.online, event, encoded: encoded ?? null });
    this.ready.add(event.scanId);
    this.pump();
  }

  /** The receipt came back: the scan is done at this hop. Returns false for an unknown scan. */
  async receipt(scanId: string): Promise<boolean> {
    if (!this.tracked.has(scanId)) return false;
    this.tracked.delete(scanId);
    this.ready.delete(scanId);
    await this.outbox.retire(scanId);
    return true;
  }

  close(): void {
    this.closed = true;
    this.link.off('online', this.onOnline);
    this.link.off('uplinkBirth', this.onUplinkBirth);
    if (this.timer) clearTimeout(this.timer);
  }

  // Scans the broker never acknowledged are due now; acknowledged ones keep their backoff, unless
  // the broker has forgotten our session (restarted without persistence): then what it
  // acknowledged may be gone with it, and everything without a receipt goes out again now.
  private readonly onOnline = (session?: { sessionPresent: boolean }): void => this.dueNow(session?.sessionPresent === false);

  // The uplink subscribed anew: what the broker acknowledged before may have reached no one.
  private readonly onUplinkBirth = (): void => this.dueNow(true);

  private dueNow(acknowledgedToo: boolean): void {
    for (const [id, t] of this.tracked) {
      if (t.acked && !acknowledgedToo) continue;
      t.dueAt = 0;
      if (!t.publishing) this.ready.add(id);
    }
    this.pump();
  }

  private pump(): void {
    if (this.closed || !this.link.online) return;
    const now = this.opts.now();
    if (this.nextDue <= now) this.collectDue(now);
    const due: [string, Tracked][] = [];
    while (this.inFlight + due.length < this.opts.maxInFlight) {
      const id = this.ready.shift();
      if (id === undefined) break;
      const t = this.tracked.get(id);
      if (t && !t.publishing) due.push([id, t]);
    }
    const stored = this.storedEvents(due);
    for (const [id, t] of due) {
      const event = isLive(t) ? t.event : (stored.get(id) ?? this.undecodable(id));
      if (event !== null) this.publish(t, event);
    }
    this.schedule(this.nextDue);
  }

  /**
   * Moves the scans whose backoff is over (or ends within DUE_BATCH_MS, so that a crowd of retries
   * is swept in a few passes, not one per scan) to `ready`, and finds the next due time.
   */
  private collectDue(now: number): void {
    let next = Infinity;
    for (const [id, t] of this.tracked) {
      if (t.publishing || this.ready.has(id)) continue;
      if (t.dueAt <= now + DUE_BATCH_MS) this.ready.add(id);
      else next = Math.min(next, t.dueAt);
    }
    this.nextDue = next;
  }

  /** The events to publish again, flagged historical (a replay keeps its original scannedAt). */
  private storedEvents(due: readonly [string, Tracked][]): Map<string, ScanEvent> {
    const events = new Map<string, ScanEvent>();
    const wanted = new Set<string>();
    for (const [id, t] of due) {
      if (isLive(t)) continue;
      if (t.event) events.set(id, { ...t.event, historical: true });
      else wanted.add(id);
    }
    if (wanted.size === 0) return events;
    for (const p of this.outbox.pending()) {
      if (!wanted.has(p.id)) continue;
      const decoded = decodeScanEvent(p.payload);
      if (decoded.ok) events.set(p.id, { ...decoded.value, historical: true });
      if (events.size === due.length) break;
    }
    return events;
  }

  /** Not decodable (or gone): it can never be published; keep it out of the loop, say so loudly. */
  private undecodable(id: string): null {
    this.tracked.delete(id);
    this.ready.delete(id);
    this.opts.onUndecodable?.(id);
    return null;
  }

  private schedule(at: number): void {
    // Each PUBACK pumps: the timer already set for the same due time stays (no re-arm per scan).
    if (this.timer && this.timerAt === at) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.timerAt = at;
    if (at === Infinity) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.pump();
    }, Math.max(0, at - this.opts.now()));
  }

  private publish(t: Tracked, event: ScanEvent): void {
    const live = isLive(t) && t.encoded !== null ? { encoded: t.encoded } : {};
    t.publishing = true;
    t.attempts++;
    this.inFlight++;
    const started = this.opts.now();
    this.link.publishScan(event, live).then(
      () => {
        t.acked = true;
        t.event = null;
        t.encoded = null;
        this.opts.onPublished?.(event, this.opts.now() - started);
        this.finish(t);
      },
      () => this.finish(t), // the link failed it (closing): the backoff brings it round again
    );
  }

  private finish(t: Tracked): void {
    t.publishing = false;
    this.inFlight--;
    const backoff = Math.min(this.opts.maxRetryMs, this.opts.firstRetryMs * 2 ** Math.min(20, t.attempts - 1));
    t.dueAt = this.opts.now() + backoff * (0.8 + 0.4 * this.opts.random());
    this.nextDue = Math.min(this.nextDue, t.dueAt);
    this.pump();
  }
}

/**
 * Ids in the order they became due, the oldest taken in O(1). A Set alone would do, but taking
 * from its front walks past every slot deleted since its last rehash: one PUBACK, one pump, one
 * walk over the burst so far.
 */
class ReadyQueue {
  private readonly members = new Set<string>();
  private order: string[] = [];
  private head = 0;

  add(id: string): void {
    if (this.members.has(id)) return;
    this.members.add(id);
    this.order.push(id);
  }

  has(id: string): boolean {
    return this.members.has(id);
  }

  /** Left in `order` and skipped when reached. */
  delete(id: string): void {
    this.members.delete(id);
  }

  /** The oldest id, taken out; undefined when none is left. */
  shift(): string | undefined {
    while (this.head < this.order.length) {
      const id = this.order[this.head++]!;
      if (!this.members.delete(id)) continue;
      if (this.head >= 1024 && this.head * 2 >= this.order.length) {
        this.order = this.order.slice(this.head);
        this.head = 0;
      }
      return id;
    }
    this.order = [];
    this.head = 0;
    return undefined;
  }
}

/** Retries due within this much of each other go out in one pass. */
const DUE_BATCH_MS = 250;

const isLive = (t: Tracked): t is Tracked & { event: ScanEvent } => t.attempts === 0 && t.live && t.event !== null;
