import { describe, expect, it } from 'vitest';
import { couponCodeProblem, couponPosOfferProblem } from './coupon.ts';

const now = new Date('2026-03-01T00:00:00Z');
// GCP VLI 0 → 6-digit prefix 123456, offer code 123456, save value "1", 1st purchase "1", code 0, family 123.
const BASE = '012345612345611110123';

describe('couponCodeProblem (AI 8110)', () => {
  it('accepts the mandatory fields and the optional fields in order', () => {
    expect(couponCodeProblem(BASE, now)).toBeNull();
    expect(couponCodeProblem(`${BASE}121501239`, now)).toBeNull(); // 1: 2nd purchase, no GCP (VLI 9)
    expect(couponCodeProblem(`${BASE}12150123` + '0123456', now)).toBeNull(); // 1: with a 6-digit GCP
    expect(couponCodeProblem(`${BASE}21501239`, now)).toBeNull(); // 2: 3rd purchase
    expect(couponCodeProblem(`${BASE}3291231`, now)).toBeNull(); // 3: expiry
    expect(couponCodeProblem(`${BASE}3291231` + '4290101', now)).toBeNull(); // 4: start before expiry
    expect(couponCodeProblem(`${BASE}50123456`, now)).toBeNull(); // 5: serial, VLI 0 → 6 digits
    expect(couponCodeProblem(`${BASE}61` + '1234567', now)).toBeNull(); // 6: retailer GLN, VLI 1 → 7
    expect(couponCodeProblem(`${BASE}90150`, now)).toBeNull(); // 9: miscellaneous
    expect(couponCodeProblem(`${BASE}121501239` + '21501239' + '3291231' + '4290101' + '50123456' + '611234567' + '90150', now)).toBeNull();
  });

  it('says which field is wrong', () => {
    expect(couponCodeProblem('', now)).toBe('the GS1 Company Prefix length indicator is missing');
    expect(couponCodeProblem('7123456789012345', now)).toBe('the GS1 Company Prefix length indicator must be one of 0, 1, 2, 3, 4, 5, 6');
    expect(couponCodeProblem('012345', now)).toBe('the GS1 Company Prefix needs 6 digits');
    expect(couponCodeProblem('0123456', now)).toBe('the offer code needs 6 digits');
    expect(couponCodeProblem('0123456123456', now)).toBe('the save value length indicator is missing');
    expect(couponCodeProblem('01234561234560', now)).toMatch(/save value length indicator must be one of 1, 2, 3, 4, 5/);
    expect(couponCodeProblem('012345612345611115123', now)).toMatch(/1st purchase requirement code must be one of/);
    expect(couponCodeProblem(`${BASE}14`, now)).toMatch(/additional purchase rules code must be one of 0, 1, 2, 3/);
    expect(couponCodeProblem(`${BASE}121501237`, now)).toMatch(/2nd purchase GS1 Company Prefix length indicator/);
    expect(couponCodeProblem(`${BASE}3290230`, now)).toBe('the expiration date 290230 is wrong: February has no day 30');
    expect(couponCodeProblem(`${BASE}3290101` + '4291231', now)).toBe('the coupon expires (290101) before it starts (291231)');
    expect(couponCodeProblem(`${BASE}68`, now)).toMatch(/retailer GS1 Company Prefix or GLN length indicator must be one of 1/);
    expect(couponCodeProblem(`${BASE}93`, now)).toMatch(/save value code must be one of 0, 1, 2, 5, 6/);
    expect(couponCodeProblem(`${BASE}90152`, now)).toMatch(/don't-multiply flag must be one of 0, 1/);
    expect(couponCodeProblem(`${BASE}7`, now)).toBe('unexpected data "7" at the end');
    expect(couponCodeProblem(`${BASE}3291231` + '1', now)).toBe('unexpected data "1" at the end'); // fields only in order
    expect(couponCodeProblem('01234561234561111012a', now)).toBe('a coupon code holds digits only');
  });
});

describe('couponPosOfferProblem (AI 8112)', () => {
  it('accepts format, funder, offer code and serial number', () => {
    expect(couponPosOfferProblem('001234561234560123456')).toBeNull();
    expect(couponPosOfferProblem('101234561234560123456')).toBeNull();
    expect(couponPosOfferProblem('06' + '123456789012' + '123456' + '9' + '123456789012345')).toBeNull();
  });

  it('says which field is wrong', () => {
    expect(couponPosOfferProblem('')).toBe('the format code is missing');
    expect(couponPosOfferProblem('201234561234560123456')).toBe('the format code must be one of 0, 1');
    expect(couponPosOfferProblem('07')).toMatch(/funder ID length indicator must be one of/);
    expect(couponPosOfferProblem('0012345')).toBe('the funder ID needs 6 digits');
    expect(couponPosOfferProblem('00123456')).toBe('the offer code needs 6 digits');
    expect(couponPosOfferProblem('00123456123456')).toBe('the serial number length indicator is missing');
    expect(couponPosOfferProblem('001234561234561123456')).toBe('the serial number needs 7 digits');
    expect(couponPosOfferProblem('0012345612345601234567')).toBe('unexpected data "7" at the end');
    expect(couponPosOfferProblem('a01234561234560123456')).toBe('a coupon code holds digits only');
  });
});
