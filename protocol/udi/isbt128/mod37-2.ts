// The ISO/IEC 7064 MOD 37-2 check character of an ISBT 128 Donation Identification Number:
//   mod37x2Value('G123417654321') → 10       (ICCBBA ST-001, Appendix A: flag '70', boxed 'A')
//   mod37x2Char('G123417654321')  → 'A'
//   mod37x2Value('G12341765432a') → null     (a character outside 0-9 A-Z)
//
// Pure system, radix 2, modulus 37, over 0–9 = 0–9 and A–Z = 10–35; the check value 36 is written
// '*'. ISBT 128 prints it in a box beside the DIN for keyboard entry and never encodes it in the
// bar code itself, except as the Donation Identification Number's flags 60–96 (60 + value).

const CHARS = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ*';

function valueOf(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x41 && c <= 0x5a) return c - 0x41 + 10;
  return -1;
}

/** The check value 0–36 of `data` (digits and capital letters), or null for any other character. */
export function mod37x2Value(data: string): number | null {
  let p = 0;
  for (let i = 0; i < data.length; i++) {
    const v = valueOf(data.charCodeAt(i));
    if (v < 0) return null;
    p = ((p + v) * 2) % 37;
  }
  return (38 - p) % 37;
}

/** The check character as printed in the box: 0–9, A–Z or '*'. */
export function mod37x2Char(data: string): string | null {
  const v = mod37x2Value(data);
  return v === null ? null : CHARS.charAt(v);
}
