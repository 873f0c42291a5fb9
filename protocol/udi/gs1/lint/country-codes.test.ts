import { describe, expect, it } from 'vitest';
import { isIso3166Alpha2, isIso3166Numeric } from './country-codes.ts';

describe('ISO 3166 country codes', () => {
  it('knows the Nordic countries and the codes added since 2006', () => {
    for (const num of ['752', '578', '208', '246', '352', '248', '499', '531', '534', '535', '688', '728']) expect(isIso3166Numeric(num)).toBe(true);
    for (const a2 of ['SE', 'NO', 'DK', 'FI', 'IS', 'AX', 'ME', 'CW', 'SX', 'BQ', 'RS', 'SS']) expect(isIso3166Alpha2(a2)).toBe(true);
  });

  it('refuses withdrawn, reserved and malformed codes', () => {
    for (const num of ['000', '999', '200', '891', '530', '736', '75', '7520', '']) expect(isIso3166Numeric(num)).toBe(false);
    for (const a2 of ['UK', 'EU', 'YU', 'AN', 'CS', 'XK', 'se', 'S', 'SWE', '']) expect(isIso3166Alpha2(a2)).toBe(false);
  });
});
