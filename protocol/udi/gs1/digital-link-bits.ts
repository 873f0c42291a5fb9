// The bits of a compressed GS1 Digital Link, read from its base64url text (GS1 Digital Link 1.2,
// compression: 6 bits per character, most significant first, alphabet A–Z a–z 0–9 - _):
//   const r = bitReader('AQnY');   // 000000 010000 100111 011000
//   r.read(8) → 1;  r.read(4) → 0;  r.left → 12
// A read past the end returns -1 (and readBig -1n); the cursor never moves backwards.

const VALUE = new Int8Array(128).fill(-1);
'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'.split('').forEach((c, i) => (VALUE[c.charCodeAt(0)] = i));

/** The 6-bit value of a base64url character code, or -1. */
export function base64urlValue(c: number): number {
  return c < 128 ? (VALUE[c] as number) : -1;
}

export interface BitReader {
  /** Bits not yet read. */
  readonly left: number;
  /** The next `n` bits (n ≤ 30) as a number, or -1 when fewer are left. */
  read(n: number): number;
  /** The next `n` bits as a bigint (for long numbers), or -1n when fewer are left. */
  readBig(n: number): bigint;
}

/** `text` must be base64url (checked by the caller). */
export function bitReader(text: string): BitReader {
  const total = text.length * 6;
  let pos = 0;
  const bit = (i: number): number => (base64urlValue(text.charCodeAt((i / 6) | 0)) >> (5 - (i % 6))) & 1;
  return {
    get left() {
      return total - pos;
    },
    read(n) {
      if (total - pos < n) return -1;
      let v = 0;
      for (let i = 0; i < n; i++) v = v * 2 + bit(pos + i);
      pos += n;
      return v;
    },
    readBig(n) {
      if (total - pos < n) return -1n;
      let v = 0n;
      // 30 bits at a time: few bigint operations even for a 90-digit number.
      for (let done = 0; done < n; ) {
        const take = Math.min(30, n - done);
        let chunk = 0;
        for (let i = 0; i < take; i++) chunk = chunk * 2 + bit(pos + done + i);
        v = (v << BigInt(take)) | BigInt(chunk);
        done += take;
      }
      pos += n;
      return v;
    },
  };
}
