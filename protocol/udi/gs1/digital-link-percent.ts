// Percent-decoding of one Digital Link path segment or query value (RFC 3986 §2.1):
//   percentDecode('AB%2F12')  → 'AB/12'
//   percentDecode('%2d%2D')   → '--'        (hex digits in either case)
//   percentDecode('AB%2')     → null        ('%' must be followed by two hex digits)
// Each escape gives one character with the escaped byte's code: GS1 values are ASCII, and any
// byte above 0x7F is then refused by the character-set check of the value, not guessed at.

const HEX = new Int8Array(128).fill(-1);
for (let i = 0; i < 10; i++) HEX[0x30 + i] = i;
for (let i = 0; i < 6; i++) {
  HEX[0x41 + i] = 10 + i;
  HEX[0x61 + i] = 10 + i;
}

function hex(c: number): number {
  return c < 128 ? (HEX[c] as number) : -1;
}

/** The decoded text, or null when a '%' is not followed by two hex digits. */
export function percentDecode(s: string): string | null {
  let pct = s.indexOf('%');
  if (pct < 0) return s;
  let out = '';
  let from = 0;
  while (pct >= 0) {
    const hi = hex(s.charCodeAt(pct + 1)); // NaN past the end: not < 128, so -1
    const lo = hex(s.charCodeAt(pct + 2));
    if (hi < 0 || lo < 0) return null;
    out += s.slice(from, pct) + String.fromCharCode(hi * 16 + lo);
    from = pct + 3;
    pct = s.indexOf('%', from);
  }
  return out + s.slice(from);
}
