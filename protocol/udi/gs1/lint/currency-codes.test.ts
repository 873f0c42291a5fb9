import { describe, expect, it } from 'vitest';
import { isIso4217Numeric } from './currency-codes.ts';

describe('ISO 4217 currency codes', () => {
  it('knows current currencies, funds and special codes', () => {
    for (const code of ['752', '578', '208', '978', '840', '826', '756', '929', '925', '924', '959', '999']) expect(isIso4217Numeric(code)).toBe(true);
  });

  it('refuses withdrawn and unassigned codes', () => {
    // 191 HRK (2023), 694 SLL (2024), 932 ZWL (2024), 246 FIM (2002), 000, and malformed input.
    for (const code of ['191', '694', '932', '246', '000', '75', '9780', '']) expect(isIso4217Numeric(code)).toBe(false);
  });
});
