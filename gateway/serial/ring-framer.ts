// Scanner bytes → frames (one scan each), through one fixed-size ring allocated at construction.
//   const f = new RingFramer({ terminators: ['CR', 'LF', 'CRLF'], onFrame: (bytes, at) => … });
//   f.push(Buffer.from(']d20104150123456789')); f.push(Buffer.from('012\r\n'));
//     → onFrame(<']d20104150123456789012'>, at)   (one frame: the CRLF is one terminator)
//
// Rules (gateway/README.md, docs/architecture.md "Bounded everywhere"):
// - Terminators are configurable: CR, LF, CRLF, TAB, and 'none' (a scanner that sends no
//   terminator: the frame ends after `interCharTimeoutMs` of silence).
//   · CR allowed: a CR ends the frame at once; with CRLF allowed too, an LF right after it (even
//     in the next chunk) belongs to that CR and is swallowed.
//   · CRLF without CR: a CR ends the frame only when an LF follows; a CR followed by anything
//     else is data.
//   · A terminator is never part of a frame; an empty line is ignored (counted).
// - A line longer than `maxLineBytes` is discarded up to its terminator and reported once, at its
//   end, as { kind: 'overlong', bytes } (every discarded byte counted). Nothing of it leaks into
//   the next frame.
// - With terminators only (no 'none'), a line left unfinished for `partialTimeoutMs` is discarded
//   as { kind: 'partial', cause: 'timeout' }, so that a fragment (line noise, a scanner reset
//   mid-line) is never glued to the front of the next scan. `discardPartial()` does the same on
//   demand (serial-source.ts calls it at unplug).
// - Memory never grows with input: the ring is the only buffer; each frame is handed out as a
//   fresh copy (its own Buffer and memory: the consumer may keep it). Per byte: a table look-up and a store,
//   no allocation; a timer is armed at most once per quiet period, not per chunk (the deadline is
//   checked lazily when it fires).
//
// Not re-entrant: onFrame/onError must not call push() on the same framer.

import { type Clock, systemClock } from './clock.ts';

export type Terminator = 'CR' | 'LF' | 'CRLF' | 'TAB' | 'none';

export interface FramingError {
  /** overlong: a line over maxLineBytes; partial: an unfinished line dropped (timeout, unplug, close). */
  kind: 'overlong' | 'partial';
  /** How many bytes were dropped (the terminator not counted). */
  bytes: number;
  /** For 'partial': why the line was dropped ('timeout', 'unplug', 'close', or the caller's word). */
  cause?: string;
}

export interface RingFramerOptions {
  onFrame: (frame: Buffer, receivedAt: number) => void;
  onError?: (error: FramingError) => void;
  /** The ring's capacity: the longest frame delivered. Default 4096. */
  maxLineBytes?: number;
  /** Default ['CR', 'LF', 'CRLF'] (config.ts `scanner.terminators`). */
  terminators?: readonly Terminator[];
  /** With 'none': silence that ends a frame. Default 80 ms. */
  interCharTimeoutMs?: number;
  /** Without 'none': silence after which an unfinished line is dropped; 0 = never. Default 1000 ms. */
  partialTimeoutMs?: number;
  clock?: Clock;
}

export interface FramerStats {
  bytesIn: number;
  frames: number;
  emptyLines: number;
  overlongLines: number;
  overlongBytes: number;
  partialLines: number;
  partialBytes: number;
}

export const DEFAULT_MAX_LINE_BYTES = 4096;
export const DEFAULT_TERMINATORS: readonly Terminator[] = Object.freeze(['CR', 'LF', 'CRLF'] as const);
export const DEFAULT_INTER_CHAR_TIMEOUT_MS = 80;
export const DEFAULT_PARTIAL_TIMEOUT_MS = 1000;

const CR = 0x0d;
const LF = 0x0a;
const TAB = 0x09;

// Byte classes.
const DATA = 0;
/** Ends the frame. */
const END = 1;
/** A CR that ends the frame only if an LF follows (CRLF allowed, CR not). */
const HOLD = 2;

const KNOWN: ReadonlySet<string> = new Set<Terminator>(['CR', 'LF', 'CRLF', 'TAB', 'none']);

export class RingFramer {
  readonly stats: FramerStats = { bytesIn: 0, frames: 0, emptyLines: 0, overlongLines: 0, overlongBytes: 0, partialLines: 0, partialBytes: 0 };

  private readonly ring: Buffer;
  private readonly cap: number;
  private readonly classes = new Uint8Array(256);
  /** After a terminating CR: an LF next is the rest of a CRLF. */
  private readonly crlfAfterCr: boolean;
  private readonly flushOnIdle: boolean;
  private readonly idleMs: number;
  private readonly onFrame: RingFramerOptions['onFrame'];
  private readonly onError: NonNullable<RingFramerOptions['onError']>;
  private readonly clock: Clock;

  /** Where the pending line starts in the ring, and its length. */
  private start = 0;
  private len = 0;
  /** The write position: (start + len) mod cap. */
  private w = 0;
  /** In an overlong line: bytes dropped so far (0 = not in one). */
  private discarded = 0;
  private heldCr = false;
  private swallowLf = false;
  private lastAt = 0;
  private timer: unknown = null;
  private closed = false;

  constructor(options: RingFramerOptions) {
    const cap = options.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES;
    if (!Number.isInteger(cap) || cap < 1 || cap > 1 << 24) throw new RangeError('maxLineBytes must be an integer from 1 to 16777216');
    const terminators = options.terminators ?? DEFAULT_TERMINATORS;
    if (terminators.length === 0) throw new RangeError('terminators must name at least one of CR, LF, CRLF, TAB, none');
    for (const t of terminators) if (!KNOWN.has(t)) throw new RangeError(`unknown terminator ${JSON.stringify(t)}: use CR, LF, CRLF, TAB or none`);
    const has = (t: Terminator) => terminators.includes(t);
    const interChar = options.interCharTimeoutMs ?? DEFAULT_INTER_CHAR_TIMEOUT_MS;
    const partial = options.partialTimeoutMs ?? DEFAULT_PARTIAL_TIMEOUT_MS;
    if (!(Number.isFinite(interChar) && interChar >= 0) || !(Number.isFinite(partial) && partial >= 0)) throw new RangeError('timeouts must be finite and not negative');
    this.flushOnIdle = has('none');
    if (this.flushOnIdle && interChar <= 0) throw new RangeError("with terminator 'none', interCharTimeoutMs must be positive (nothing else ends a frame)");
    this.idleMs = this.flushOnIdle ? interChar : partial;

    if (has('CR')) this.classes[CR] = END;
    else if (has('CRLF')) this.classes[CR] = HOLD;
    if (has('LF')) this.classes[LF] = END;
    if (has('TAB')) this.classes[TAB] = END;
    this.crlfAfterCr = has('CR') && has('CRLF');

    this.cap = cap;
    // Buffer.alloc is never taken from the shared pool: the ring owns its memory.
    this.ring = Buffer.alloc(cap);
    this.onFrame = options.onFrame;
    this.onError = options.onError ?? (() => {});
    this.clock = options.clock ?? systemClock;
  }

  get capacity(): number {
    return this.cap;
  }

  /** The ring's storage, for tests and diagnostics: the same object for the framer's whole life. */
  get buffer(): Uint8Array {
    return this.ring;
  }

  /** Bytes of the unfinished line held (or being discarded). */
  get pendingBytes(): number {
    return this.len + (this.heldCr ? 1 : 0) + this.discarded;
  }

  /** Bytes as they come from the port. `receivedAt` is on the clock's scale (default: now). */
  push(chunk: Uint8Array, receivedAt: number = this.clock.now()): void {
    const n = chunk.length;
    if (n === 0 || this.closed) return;
    this.stats.bytesIn += n;
    const classes = this.classes;
    for (let i = 0; i < n; i++) {
      const b = chunk[i] as number;
      if (this.swallowLf) {
        this.swallowLf = false;
        if (b === LF) continue;
      }
      if (this.heldCr) {
        this.heldCr = false;
        if (b === LF) {
          this.endLine(receivedAt);
          continue;
        }
        this.append(CR);
      }
      const c = classes[b];
      if (c === DATA) {
        // append(b), inlined: the hot path.
        if (this.discarded !== 0) this.discarded++;
        else if (this.len === this.cap) this.startDiscarding();
        else {
          this.ring[this.w] = b;
          if (++this.w === this.cap) this.w = 0;
          this.len++;
        }
      } else if (c === END) {
        this.endLine(receivedAt);
        if (b === CR && this.crlfAfterCr) this.swallowLf = true;
      } else {
        this.heldCr = true;
      }
    }
    if (this.pendingBytes !== 0) {
      this.lastAt = receivedAt;
      if (this.timer === null && this.idleMs > 0) this.arm(this.idleMs);
    }
  }

  /**
   * Drops the unfinished line (at unplug, so that it is never glued to the next scan) and reports
   * it: 'partial' with `cause`, or 'overlong' if it was already over the bound. Returns the bytes dropped.
   */
  discardPartial(cause: string): number {
    if (this.discarded !== 0) {
      const bytes = this.discarded;
      this.heldCr = false;
      this.endLine(this.lastAt);
      return bytes;
    }
    const bytes = this.len + (this.heldCr ? 1 : 0);
    this.heldCr = false;
    this.swallowLf = false;
    if (bytes === 0) return 0;
    this.start = this.w;
    this.len = 0;
    this.stats.partialLines++;
    this.stats.partialBytes += bytes;
    this.onError({ kind: 'partial', bytes, cause });
    return bytes;
  }

  /** Stops the timer and drops (reports) an unfinished line; later pushes are ignored. */
  close(): void {
    if (this.closed) return;
    this.cancelTimer();
    this.discardPartial('close');
    this.closed = true;
  }

  private append(b: number): void {
    if (this.discarded !== 0) this.discarded++;
    else if (this.len === this.cap) this.startDiscarding();
    else {
      this.ring[this.w] = b;
      if (++this.w === this.cap) this.w = 0;
      this.len++;
    }
  }

  private startDiscarding(): void {
    this.discarded = this.len + 1;
    this.start = this.w;
    this.len = 0;
  }

  private endLine(at: number): void {
    if (this.discarded !== 0) {
      const bytes = this.discarded;
      this.discarded = 0;
      this.stats.overlongLines++;
      this.stats.overlongBytes += bytes;
      this.onError({ kind: 'overlong', bytes });
      return;
    }
    const len = this.len;
    if (len === 0) {
      this.stats.emptyLines++;
      return;
    }
    const start = this.start;
    // Its own memory, not a slice of Node's shared pool: a kept frame keeps only its bytes.
    const frame = Buffer.allocUnsafeSlow(len);
    const firstPart = this.cap - start;
    if (len <= firstPart) this.ring.copy(frame, 0, start, start + len);
    else {
      this.ring.copy(frame, 0, start, this.cap);
      this.ring.copy(frame, firstPart, 0, len - firstPart);
    }
    // State first: a throwing consumer leaves the framer consistent.
    this.start = this.w;
    this.len = 0;
    this.stats.frames++;
    this.onFrame(frame, at);
  }

  private arm(ms: number): void {
    this.timer = this.clock.setTimeout(this.onIdle, ms);
  }

  private cancelTimer(): void {
    if (this.timer !== null) this.clock.clearTimeout(this.timer);
    this.timer = null;
  }

  private readonly onIdle = (): void => {
    this.timer = null;
    if (this.closed || this.pendingBytes === 0) return;
    const now = this.clock.now();
    const quiet = now - this.lastAt;
    if (quiet < 0) {
      // The clock stepped back: count the silence from now.
      this.lastAt = now;
      this.arm(this.idleMs);
      return;
    }
    if (quiet < this.idleMs) {
      this.arm(this.idleMs - quiet);
      return;
    }
    if (this.flushOnIdle) {
      if (this.heldCr) {
        this.heldCr = false;
        this.append(CR);
      }
      this.endLine(this.lastAt);
    } else {
      this.discardPartial('timeout');
    }
  };
}
