// Today's scans at this theatre, as the station page shows them:
//   log.add({ scanId, status: 'stored', udi, … }); log.update(scanId, { status: 'receipted', orderCode: 'K7D2M9QX' });
//   log.today() → newest first; log.on('change', entry => …) feeds the page's server-sent events.
// Bounded: at most `capacity` entries shown (a few hundred more kept until the next trim), and
// entries from an earlier day are dropped. Refused scans
// are listed with their reason only: nothing of what was scanned is kept.

import { EventEmitter } from 'node:events';
import type { Udi } from '../protocol/udi/index.ts';

export type ScanStatus =
  | 'stored' // fsynced in the outbox, not yet acknowledged by the broker
  | 'sent' // the broker has it (PUBACK); waiting for the national service's receipt
  | 'receipted' // the national service stored it and issued an order code
  | 'rejected' // the national service refused it
  | 'voided' // opened but not implanted
  | 'refused'; // not accepted at the gateway (personal id, unknown code, …)

export interface StationScan {
  /** Null for refused scans: they never become ScanEvents. */
  scanId: string | null;
  status: ScanStatus;
  scannedAt: string;
  caseId: string | null;
  scheme: string;
  udi: Udi | null;
  orderCode: string | null;
  caseCode: string | null;
  productName: string | null;
  /** Why it was refused or rejected: a stable code and a message for the nurse. */
  reason: { code: string; message: string } | null;
}

/** Entries beyond the capacity are dropped this many at a time (one array shift per batch, not per scan). */
const TRIM_BATCH = 256;

export class ScanLog extends EventEmitter<{ change: [StationScan] }> {
  private entries: StationScan[] = [];
  private readonly byId = new Map<string, StationScan>();
  /** Today's first instant (ISO) and the span it is valid for, so a scan does not make a Date. */
  private day = { start: '', fromMs: Infinity, toMs: -Infinity };

  constructor(
    private readonly capacity = 2000,
    private readonly now: () => number = Date.now,
  ) {
    super();
  }

  add(entry: StationScan): StationScan {
    this.prune();
    if (entry.scanId !== null) {
      const existing = this.byId.get(entry.scanId);
      if (existing) return existing;
      this.byId.set(entry.scanId, entry);
    }
    this.entries.push(entry);
    if (this.entries.length >= this.capacity + TRIM_BATCH) this.forget(this.entries.length - this.capacity);
    this.emit('change', entry);
    return entry;
  }

  update(scanId: string, patch: Partial<Omit<StationScan, 'scanId'>>): StationScan | undefined {
    const entry = this.byId.get(scanId);
    if (!entry) return undefined;
    Object.assign(entry, patch);
    this.emit('change', entry);
    return entry;
  }

  get(scanId: string): StationScan | undefined {
    return this.byId.get(scanId);
  }

  /** Newest first, at most `capacity`. */
  today(): StationScan[] {
    this.prune();
    return this.entries.slice(-this.capacity).reverse();
  }

  private prune(): void {
    const now = this.now();
    if (now < this.day.fromMs || now >= this.day.toMs) {
      const midnight = new Date(now);
      midnight.setHours(0, 0, 0, 0);
      const next = new Date(midnight);
      next.setDate(next.getDate() + 1);
      this.day = { start: midnight.toISOString(), fromMs: midnight.getTime(), toMs: next.getTime() };
    }
    const start = this.day.start;
    let old = 0;
    while (old < this.entries.length && this.entries[old]!.scannedAt < start) old++;
    if (old > 0) this.forget(old);
  }

  private forget(count: number): void {
    for (const e of this.entries.splice(0, count)) if (e.scanId !== null) this.byId.delete(e.scanId);
  }
}
