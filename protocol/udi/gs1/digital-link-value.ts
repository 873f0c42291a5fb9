// A Digital Link value as an element value:
//   dlValue('01', '9506000134352') → '09506000134352'   (GTIN-13 → GTIN-14)
//   dlValue('01', '12345670')      → '00000012345670'   (GTIN-8)
//   dlValue('10', '123')           → '123'
// The URI syntax grammar lets (01) hold a GTIN-8, -12 or -13, which is the same GTIN written
// with its leading zeros dropped: as an element string it is padded to 14 digits.

export function dlValue(ai: string, value: string): string {
  if (ai !== '01') return value;
  const n = value.length;
  if (n !== 8 && n !== 12 && n !== 13) return value;
  for (let i = 0; i < n; i++) {
    const c = value.charCodeAt(i);
    if (c < 0x30 || c > 0x39) return value;
  }
  return value.padStart(14, '0');
}
