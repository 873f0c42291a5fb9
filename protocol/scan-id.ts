// Scan ids: UUIDv7 (RFC 9562), lowercase, made on the gateway. Unique, and sortable by time.
//   const nextScanId = createScanIdGenerator();
//   nextScanId()                                            → '019b76da-a800-7a3e-9c41-5e2f8d01b7c3'
//   parseScanId('019b76da-a800-7a3e-9c41-5e2f8d01b7c3')     → { timestampMs: 1767225600000 }
//   parseScanId('019B76DA-A800-7A3E-9C41-5E2F8D01B7C3')     → null (one id, one spelling: lowercase)
//
// Layout (RFC 9562 §6.2 method 1, a fixed-length dedicated counter of 42 bits):
//   unix_ts_ms (48) | ver 0111 (4) | counter bits 41..30 (12) | var 10 (2) | counter bits 29..0 (30) | random (32)
// The counter starts at a random value below 2^41 in each new millisecond and counts up within
// one, so ids from one generator sort in generation order (string order = byte order = time
// order). If the clock steps back, the generator keeps its last timestamp and goes on counting:
// ids stay strictly increasing and the embedded time is then slightly ahead of the wall clock.
// The event's scanned_at_ms, not the id, is the authoritative scan time.

import { randomFillSync } from 'node:crypto';

export interface ScanIdGeneratorOptions {
  /** Milliseconds since the Unix epoch. Default Date.now (which fake timers replace). */
  now?: () => number;
}

const MAX_TIMESTAMP = 2 ** 48 - 1;
const COUNTER_LIMIT = 2 ** 42;
const SEED_LIMIT = 2 ** 41; // the top counter bit starts at 0: at least 2^41 ids per ms
const HEX: string[] = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

export const SCAN_ID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

/** A generator of strictly increasing UUIDv7 strings. One per process (and per gateway). */
export function createScanIdGenerator(options: ScanIdGeneratorOptions = {}): () => string {
  const now = options.now ?? (() => Date.now()); // looked up per call: fake timers swap Date
  const pool = new Uint8Array(1024);
  let poolPos = pool.length;
  const randomByte = (): number => {
    if (poolPos === pool.length) {
      randomFillSync(pool);
      poolPos = 0;
    }
    return pool[poolPos++]!;
  };
  const randomSeed = (): number => {
    // 41 random bits: 5 bytes and one more bit.
    let n = randomByte() & 0x01;
    for (let i = 0; i < 5; i++) n = n * 256 + randomByte();
    return n;
  };

  let lastTs = -1;
  let counter = 0;
  const bytes = new Uint8Array(16);

  return function nextScanId(): string {
    const t = Math.floor(now());
    if (!Number.isFinite(t) || t < 0 || t > MAX_TIMESTAMP) throw new RangeError('the clock is outside the UUIDv7 range');
    if (t > lastTs) {
      lastTs = t;
      counter = randomSeed();
    } else if (++counter >= COUNTER_LIMIT) {
      // 2^41 ids in one millisecond: borrow the next millisecond (RFC 9562 §6.2, counter rollover).
      if (lastTs >= MAX_TIMESTAMP) throw new RangeError('the clock is outside the UUIDv7 range');
      lastTs++;
      counter = randomSeed();
    }
    let ts = lastTs;
    for (let i = 5; i >= 0; i--) {
      bytes[i] = ts % 256;
      ts = Math.floor(ts / 256);
    }
    const hi = Math.floor(counter / 2 ** 30); // 12 bits
    const lo = counter % 2 ** 30; // 30 bits
    bytes[6] = 0x70 | (hi >>> 8);
    bytes[7] = hi & 0xff;
    bytes[8] = 0x80 | (lo >>> 24);
    bytes[9] = (lo >>> 16) & 0xff;
    bytes[10] = (lo >>> 8) & 0xff;
    bytes[11] = lo & 0xff;
    for (let i = 12; i < 16; i++) bytes[i] = randomByte();
    let s = '';
    for (let i = 0; i < 16; i++) {
      if (i === 4 || i === 6 || i === 8 || i === 10) s += '-';
      s += HEX[bytes[i]!];
    }
    return s;
  };
}

/** The process-wide generator, on Date.now. */
export const newScanId: () => string = createScanIdGenerator();

export function isScanId(value: unknown): value is string {
  return typeof value === 'string' && value.length === 36 && SCAN_ID_PATTERN.test(value);
}

/** The timestamp of a well-formed scan id, or null for anything else (untrusted input). */
export function parseScanId(value: unknown): { timestampMs: number } | null {
  if (!isScanId(value)) return null;
  return { timestampMs: parseInt(value.slice(0, 8) + value.slice(9, 13), 16) };
}
