import { describe, expect, it } from 'vitest';
import { parseSecondary } from './secondary.ts';
import { NOW } from './testkit.ts';

const p = (s: string) => parseSecondary(s, NOW);
const codes = (s: string) => p(s).errors.map((e) => e.code);
const JAN31 = '2029-01-31';

describe('HIBC secondary data: lot forms', () => {
  it.each([
    ['$LOT42', '$', null],
    ['$$0129LOT42', '$$', JAN31],
    ['$$1229LOT42', '$$', '2029-12-31'],
    ['$$2013129LOT42', '$$2', JAN31],
    ['$$3290131LOT42', '$$3', JAN31],
    ['$$429013107LOT42', '$$4', JAN31],
    ['$$529031LOT42', '$$5', JAN31],
    ['$$62903107LOT42', '$$6', JAN31],
    ['$$7LOT42', '$$7', null],
  ])('%s', (input, form, expiry) => {
    expect(p(input)).toEqual({ form, lot: 'LOT42', serial: null, expiry, quantity: null, errors: [] });
  });
});

describe('HIBC secondary data: serial forms', () => {
  it.each([
    ['$+SN7', '$+', null],
    ['$$+0129SN7', '$$+', JAN31],
    ['$$+2013129SN7', '$$+2', JAN31],
    ['$$+3290131SN7', '$$+3', JAN31],
    ['$$+429013107SN7', '$$+4', JAN31],
    ['$$+529031SN7', '$$+5', JAN31],
    ['$$+62903107SN7', '$$+6', JAN31],
    ['$$+7SN7', '$$+7', null],
  ])('%s', (input, form, expiry) => {
    expect(p(input)).toEqual({ form, lot: null, serial: 'SN7', expiry, quantity: null, errors: [] });
  });
});

describe('HIBC secondary data: quantity forms', () => {
  it('reads a 2-digit ($$8) and a 5-digit ($$9) quantity, then the date flag', () => {
    expect(p('$$8050129LOT42')).toMatchObject({ form: '$$8', quantity: 5, expiry: JAN31, lot: 'LOT42', errors: [] });
    expect(p('$$8053290131LOT42')).toMatchObject({ form: '$$83', quantity: 5, expiry: JAN31, lot: 'LOT42', errors: [] });
    expect(p('$$900100529031LOT42')).toMatchObject({ form: '$$95', quantity: 100, expiry: JAN31, lot: 'LOT42', errors: [] });
    expect(p('$$9001003290131LOT42')).toMatchObject({ form: '$$93', quantity: 100, expiry: JAN31, lot: 'LOT42', errors: [] });
    expect(p('$$8127LOT42')).toMatchObject({ form: '$$87', quantity: 12, expiry: null, lot: 'LOT42', errors: [] });
    expect(p('$$+9123453290131SN7')).toMatchObject({ form: '$$+93', quantity: 12345, expiry: JAN31, serial: 'SN7', errors: [] });
  });

  it('lets a letter follow the quantity directly (no date), or nothing at all', () => {
    expect(p('$$812LOT42')).toMatchObject({ form: '$$8', quantity: 12, expiry: null, lot: 'LOT42', errors: [] });
    expect(p('$$812')).toMatchObject({ quantity: 12, lot: null, errors: [] });
  });

  it('refuses a bad quantity', () => {
    expect(codes('$$8A2LOT')).toEqual(['bad-hibc']);
    expect(codes('$$81')).toEqual(['truncated']);
    expect(codes('$$9123')).toEqual(['truncated']);
    expect(codes('$$8128LOT')).toEqual(['bad-hibc']);
  });
});

describe('HIBC secondary data: the original format (Julian date first)', () => {
  it('reads YYJJJ and a lot of up to 13', () => {
    expect(p('29031LOT42')).toEqual({ form: 'YYJJJ', lot: 'LOT42', serial: null, expiry: JAN31, quantity: null, errors: [] });
    expect(p('29031')).toMatchObject({ lot: null, expiry: JAN31, errors: [] });
    expect(codes('29031' + 'L'.repeat(13))).toEqual([]);
    expect(codes('29031' + 'L'.repeat(14))).toEqual(['too-long']);
    expect(codes('2903')).toEqual(['truncated']);
    expect(codes('29A31LOT')).toEqual(['bad-date']);
  });
});

describe('HIBC secondary data: errors', () => {
  it('reports an impossible expiry date with the reason', () => {
    const r = p('$$3290231LOT42');
    expect(r.errors).toEqual([{ code: 'bad-date', message: "The expiry date '######' (YYMMDD, after '$$3') is impossible: February has no day 31." }]);
    expect(r.expiry).toBeNull();
    expect(codes('$$1329LOT')).toEqual(['bad-date']);
    expect(codes('$$4290131255LOT')).toEqual(['bad-date']);
  });

  it('reports a date that is cut short or not digits', () => {
    expect(codes('$$329013')).toEqual(['truncated']);
    expect(codes('$$3')).toEqual(['truncated']);
    expect(codes('$$32901AB')).toEqual(['bad-date']);
    expect(codes('$$01')).toEqual(['truncated']);
  });

  it('reports unknown flags and a missing flag', () => {
    expect(p('$$X123').errors[0]).toMatchObject({ code: 'bad-hibc', message: expect.stringContaining("but here comes 'X'") });
    expect(codes('$$')).toEqual(['truncated']);
    expect(codes('$$+')).toEqual(['truncated']);
    expect(codes('LOT42')).toEqual(['bad-hibc']);
    expect(codes('')).toEqual(['truncated']);
  });

  it('needs a lot or serial where nothing else is carried', () => {
    expect(codes('$')).toEqual(['truncated']);
    expect(codes('$+')).toEqual(['truncated']);
    expect(codes('$$7')).toEqual(['truncated']);
    expect(codes('$$+7')).toEqual(['truncated']);
    expect(p('$$3290131')).toMatchObject({ lot: null, expiry: JAN31, errors: [] });
  });

  it('bounds lot and serial at 18 digits or capitals', () => {
    expect(p('$' + 'L'.repeat(18))).toMatchObject({ lot: 'L'.repeat(18), errors: [] });
    expect(codes('$' + 'L'.repeat(19))).toEqual(['too-long']);
    expect(codes('$$+7' + 'S'.repeat(19))).toEqual(['too-long']);
    expect(codes('$LOT-42')).toEqual(['bad-charset']);
    expect(codes('$$3290131LOT 42')).toEqual(['bad-charset']);
  });
});
