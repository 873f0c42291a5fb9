// Scanner double reads: the same bytes again within a short window are the scanner reading the
// same label twice, not a second package.
//   const f = new DoubleReadFilter({ windowMs: 400 });
//   f.isDoubleRead(code, 1000) → false    (first read)
//   f.isDoubleRead(code, 1150) → true     (150 ms later: a double read, dropped and counted)
//   f.isDoubleRead(code, 2500) → false    (a second package with the same code: a second scan)
//   new GatewayController({ …, isDoubleRead: f.isDoubleRead })
//
// Why 400 ms by default (config.ts `scanner.doubleReadWindowMs`): handheld imagers suppress the
// same symbol themselves only in continuous/presentation mode (Zebra "Timeout Between Decodes,
// Same Symbol", default 0.5 s; Honeywell's "Good Read Delay" and "Reread Delay" start at 500 ms
// but default to none in trigger mode). In trigger mode a re-decode of the same label, a
// keyboard-wedge/CDC resend or a label with the same code twice arrives within tens to a few
// hundred milliseconds; a person putting down one package and aiming at the next takes about a
// second or more. 400 ms sits between the two, below the scanners' own 500 ms, so it never hides
// a scan the scanner itself would have sent as a new read.
//
// The window slides: a code read again and again while it stays in the scanner's view (a
// presentation stand) is one scan until it has been out of view for the window; then it counts
// again. A clock stepping back is never a double read.
//
// Memory is bounded: the last `entries` distinct codes (default 4, so that two symbols on one
// label read alternately, e.g. a GS1 DataMatrix and a GS1-128 in view together, are both caught),
// each a copy of at most one frame.

export const DEFAULT_DOUBLE_READ_WINDOW_MS = 400;
export const DEFAULT_DOUBLE_READ_ENTRIES = 4;

export interface DoubleReadOptions {
  /** 0 turns suppression off. Default 400 ms. */
  windowMs?: number;
  /** Distinct recent codes remembered, 1–64. Default 4. */
  entries?: number;
  /** The clock for calls without a time; default Date.now. */
  now?: () => number;
}

interface Entry {
  bytes: Uint8Array | null;
  /** When it was last read (the caller's clock). */
  at: number;
  /** Recency for replacement, immune to the clock stepping. */
  used: number;
}

export class DoubleReadFilter {
  /** Frames dropped as double reads, and frames let through. */
  suppressed = 0;
  passed = 0;

  readonly windowMs: number;
  private readonly entries: Entry[];
  private readonly now: () => number;
  private uses = 0;

  constructor(options: DoubleReadOptions = {}) {
    const windowMs = options.windowMs ?? DEFAULT_DOUBLE_READ_WINDOW_MS;
    const size = options.entries ?? DEFAULT_DOUBLE_READ_ENTRIES;
    if (!(Number.isFinite(windowMs) && windowMs >= 0)) throw new RangeError('windowMs must be a finite number, 0 or more');
    if (!Number.isInteger(size) || size < 1 || size > 64) throw new RangeError('entries must be an integer from 1 to 64');
    this.windowMs = windowMs;
    this.now = options.now ?? Date.now;
    this.entries = Array.from({ length: size }, () => ({ bytes: null, at: 0, used: 0 }));
  }

  /** True (drop it) when these bytes were read less than windowMs ago. A bound method: pass it on as it is. */
  readonly isDoubleRead = (bytes: Uint8Array, atMs: number = this.now()): boolean => {
    const use = ++this.uses;
    let victim = this.entries[0] as Entry;
    for (const e of this.entries) {
      if (e.bytes !== null && e.bytes.length === bytes.length && Buffer.compare(e.bytes, bytes) === 0) {
        const since = atMs - e.at;
        e.at = atMs;
        e.used = use;
        if (since >= 0 && since < this.windowMs) {
          this.suppressed++;
          return true;
        }
        this.passed++;
        return false;
      }
      if (victim.bytes !== null && (e.bytes === null || e.used < victim.used)) victim = e;
    }
    // A new code takes a free place or that of the least recently read one.
    victim.bytes = new Uint8Array(bytes); // a copy: the caller may reuse its buffer
    victim.at = atMs;
    victim.used = use;
    this.passed++;
    return false;
  };

  /** Forget every code (e.g. at the start of a case). */
  reset(): void {
    for (const e of this.entries) {
      e.bytes = null;
      e.at = 0;
      e.used = 0;
    }
  }
}
