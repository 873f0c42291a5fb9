import { describe, expect, it } from 'vitest';
import { structureAt } from './data-structures.ts';
import { EXPIRATION_DATE, PRODUCTION_DATE } from './dated.ts';
import { DONATION_ID } from './donation-id.ts';
import { MPHO_LOT } from './mpho-lot.ts';
import { PROCESSOR_PRODUCT_ID } from './processor-product-id.ts';
import { PRODUCT_DIVISIONS } from './product-divisions.ts';

const code = (r: { error?: { code: string } }) => r.error?.code;

describe('Processor Product Identification Code [034]', () => {
  it("reads ST-011's examples: FIN, facility product code, product description code", () => {
    expect(PROCESSOR_PRODUCT_ID.read('A9997AB3456T0123')).toEqual({ value: 'A9997AB3456T0123' });
    expect(PROCESSOR_PRODUCT_ID.read('A9999XYZ100T0476')).toEqual({ value: 'A9999XYZ100T0476' });
  });

  it('refuses an O in the FIN and lowercase anywhere', () => {
    expect(code(PROCESSOR_PRODUCT_ID.read('A999OAB3456T0123'))).toBe('bad-charset');
    expect(code(PROCESSOR_PRODUCT_ID.read('A9997ab3456T0123'))).toBe('bad-charset');
    expect(code(PROCESSOR_PRODUCT_ID.read('A9997AB3456t0123'))).toBe('bad-charset');
    // The O is allowed in the product codes, only the FIN leaves it out.
    expect(PROCESSOR_PRODUCT_ID.read('A9997OB3456T0123')).toEqual({ value: 'A9997OB3456T0123' });
  });
});

describe('Donation Identification Number [001]', () => {
  it("reads ST-011's example and drops the flags", () => {
    expect(DONATION_ID.read('A99991712345600')).toEqual({ value: 'A999917123456' });
  });

  it("checks flags 60–96 as the MOD 37-2 check value (ST-001 Appendix A: G123417654321 → 70)", () => {
    expect(DONATION_ID.read('G12341765432170')).toEqual({ value: 'G123417654321' });
    expect(code(DONATION_ID.read('G12341765432171'))).toBe('bad-check-digit');
    expect(code(DONATION_ID.read('G12341765432160'))).toBe('bad-check-digit');
    // Process-control flags (01–59) carry no check.
    expect(DONATION_ID.read('G12341765432101')).toEqual({ value: 'G123417654321' });
  });

  it('refuses letters in the year and sequence number, an O in the FIN, lowercase', () => {
    expect(code(DONATION_ID.read('A99991X12345600'))).toBe('bad-value');
    expect(code(DONATION_ID.read('A9O991712345600'))).toBe('bad-charset');
    expect(code(DONATION_ID.read('A99991712345600'.toLowerCase()))).toBe('bad-charset');
  });
});

describe('Product Divisions [032], MPHO Lot Number [035], dates [004] [008]', () => {
  it('reads them', () => {
    expect(PRODUCT_DIVISIONS.read('000025')).toEqual({ value: '000025' });
    expect(MPHO_LOT.read('000000000000XYZ123')).toEqual({ value: '000000000000XYZ123' });
    expect(EXPIRATION_DATE.read('019031')).toEqual({ value: '2019-01-31' });
    expect(PRODUCTION_DATE.read('017032')).toEqual({ value: '2017-02-01' });
  });

  it('refuses 000000 as a serial, lowercase, impossible dates', () => {
    expect(code(PRODUCT_DIVISIONS.read('000000'))).toBe('bad-value');
    expect(code(PRODUCT_DIVISIONS.read('00001a'))).toBe('bad-charset');
    expect(code(MPHO_LOT.read('000000000000xYZ123'))).toBe('bad-charset');
    expect(EXPIRATION_DATE.read('023366').error).toEqual({ code: 'bad-date', message: 'The ISBT 128 expiration date (=>) is not a date: day ### of #### does not exist.' });
  });
});

describe('data identifiers', () => {
  it('finds each UDI structure by its identifier', () => {
    const s = '=/A9999XYZ100T0476=,000025=A99972312345600=>025032=}023032&,1000000000000XYZ123';
    expect(structureAt(s, 0)).toEqual({ spec: PROCESSOR_PRODUCT_ID, contentAt: 2 });
    expect(structureAt(s, 18)).toEqual({ spec: PRODUCT_DIVISIONS, contentAt: 20 });
    expect(structureAt(s, 26)).toEqual({ spec: DONATION_ID, contentAt: 27 });
    expect(structureAt(s, 42)).toEqual({ spec: EXPIRATION_DATE, contentAt: 44 });
    expect(structureAt(s, 50)).toEqual({ spec: PRODUCTION_DATE, contentAt: 52 });
    expect(structureAt(s, 58)).toEqual({ spec: MPHO_LOT, contentAt: 61 });
  });

  it('knows no other structure: a blood product code, an O or 0 after =, a second =+', () => {
    expect(structureAt('=<E0001000', 0)).toBeNull();
    expect(structureAt('=O9991712345600', 0)).toBeNull();
    expect(structureAt('=09991712345600', 0)).toBeNull();
    expect(structureAt('=+06000', 0)).toBeNull();
    expect(structureAt('&,2000000000000XYZ123', 0)).toBeNull();
  });
});
