import { describe, expect, it } from 'vitest';
import { ibanProblem } from './iban.ts';

describe('ibanProblem', () => {
  it.each(['GB98MIDL07009312345678', 'DE91100000000123456789', 'SE4550000000058398257466', 'FR7630006000011234567890189', 'BE71096123456769', 'MT90MALT011000012345MTLCAST001SABC'])(
    'accepts %s',
    (iban) => expect(ibanProblem(iban)).toBeNull(),
  );

  it('reports a wrong check as a checksum problem', () => {
    expect(ibanProblem('GB99MIDL07009312345678')).toEqual({ checksum: true, why: 'the IBAN check digits 99 are wrong' });
    expect(ibanProblem('BE71096123456760')?.checksum).toBe(true);
  });

  it('reports malformed IBANs as such', () => {
    expect(ibanProblem('XX361234567890')).toEqual({ checksum: false, why: 'XX is not a country code' });
    expect(ibanProblem('BE71')?.why).toBe('too short for an IBAN');
    expect(ibanProblem('MT90MALT011000012345MTLCAST001SABCD')?.why).toBe('an IBAN has at most 34 characters');
    expect(ibanProblem('GB98MIDL0700931234567x')?.why).toBe('"x" cannot appear in an IBAN (digits and capital letters only)');
    expect(ibanProblem('gb98MIDL07009312345678')?.checksum).toBe(false);
  });
});
