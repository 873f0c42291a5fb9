import { describe, expect, it } from 'vitest';
import { looksLikeHibc, MAX_HIBC_LENGTH, parseHibc } from './parse-hibc.ts';
import { NOW, withCheck } from './testkit.ts';

const p = (s: string) => parseHibc(s, NOW);
const codes = (s: string) => p(s).errors.map((e) => e.code);
const udi = (di: string | null, more: Partial<Record<'lot' | 'serial' | 'expiry' | 'manufactured', string>> = {}) => ({
  di,
  lot: null,
  serial: null,
  expiry: null,
  manufactured: null,
  ...more,
});

describe('looksLikeHibc', () => {
  it('recognises the leading + (with or without Code 39 start/stop characters)', () => {
    expect(looksLikeHibc('+A999123457')).toBe(true);
    expect(looksLikeHibc('*+A99912345/$$52001510X33*')).toBe(true);
    expect(looksLikeHibc('+')).toBe(true);
    expect(looksLikeHibc('*A999')).toBe(false);
    expect(looksLikeHibc('0109506000134352')).toBe(false);
    expect(looksLikeHibc('')).toBe(false);
  });
});

describe('HIBC primary', () => {
  it('parses the textbook primary code', () => {
    expect(p('+A999123457')).toEqual({
      ok: true,
      udi: udi('A99912345'),
      errors: [],
      hibc: { structure: 'primary', lic: 'A999', pcn: '1234', uom: '5', form: null, quantity: null, check: '7', link: null },
    });
  });

  it('strips the Code 39 start/stop characters', () => {
    expect(p('*+A999123457*')).toMatchObject({ ok: true, udi: { di: 'A99912345' } });
    expect(codes('*+A999123457')).toEqual(['bad-hibc']);
    expect(codes('+A999123457*')).toEqual(['bad-hibc']);
  });

  it('refuses a wrong check character with a plain explanation', () => {
    expect(p('+A999123458').errors).toEqual([
      { code: 'bad-check-digit', message: "HIBC check character is '8' but the data computes '7': the code was misread or misprinted." },
    ]);
  });

  it('handles every check character, including space, / and $', () => {
    // Find primaries whose check characters are the awkward ones.
    for (const want of [' ', '/', '$', '+', '%', '-', '.']) {
      let code = '';
      for (let n = 0; n < 100 && !code.endsWith(want); n++) code = withCheck(`+A999${n}1`);
      expect(code.endsWith(want)).toBe(true);
      expect(p(code)).toMatchObject({ ok: true, hibc: { check: want } });
    }
  });
});

describe('HIBC combined primary/secondary', () => {
  it('parses the dispatcher example', () => {
    expect(p('+A99912345/$$3290131LOT429')).toMatchObject({
      ok: true,
      udi: udi('A99912345', { lot: 'LOT42', expiry: '2029-01-31' }),
      hibc: { structure: 'combined', form: '$$3', check: '9', link: null },
    });
  });

  it('parses the literature example with its check character', () => {
    // "+A99912345/$$52001510X3" is the data; the mod-43 check character '3' follows it.
    expect(p('+A99912345/$$52001510X33')).toMatchObject({ ok: true, udi: udi('A99912345', { lot: '10X3', expiry: '2020-01-15' }) });
    expect(p('+A99912345/$$52001510X3/16D20111212/S77DE1G45-')).toMatchObject({
      ok: true,
      udi: udi('A99912345', { lot: '10X3', serial: '77DE1G45', expiry: '2020-01-15', manufactured: '2011-12-12' }),
    });
  });

  it('refuses the literature example without its check character', () => {
    // Read as a complete code, its last character '3' is the check character over
    // '+A99912345/$$52001510X', which computes '0'.
    const r = p('+A99912345/$$52001510X3');
    expect(r.ok).toBe(false);
    expect(r.errors.map((e) => e.code)).toEqual(['bad-check-digit']);
  });

  it('parses every lot, serial and quantity form', () => {
    const cases: [string, Record<string, unknown>][] = [
      ['$LOT42', { lot: 'LOT42' }],
      ['$+SN42', { serial: 'SN42' }],
      ['$$0129LOT42', { lot: 'LOT42', expiry: '2029-01-31' }],
      ['$$2013129LOT42', { lot: 'LOT42', expiry: '2029-01-31' }],
      ['$$429013123LOT42', { lot: 'LOT42', expiry: '2029-01-31' }],
      ['$$529031LOT42', { lot: 'LOT42', expiry: '2029-01-31' }],
      ['$$62903123LOT42', { lot: 'LOT42', expiry: '2029-01-31' }],
      ['$$7LOT42', { lot: 'LOT42', expiry: null }],
      ['$$8103290131LOT42', { lot: 'LOT42', expiry: '2029-01-31' }],
      ['$$9000100129LOT42', { lot: 'LOT42', expiry: '2029-01-31' }],
      ['$$+3290131SN42', { serial: 'SN42', expiry: '2029-01-31' }],
      ['$$+8107SN42', { serial: 'SN42' }],
      ['29031LOT42', { lot: 'LOT42', expiry: '2029-01-31' }],
      ['$$7LOT42/S9876/16D20240115/14D20290131', { lot: 'LOT42', serial: '9876', manufactured: '2024-01-15', expiry: '2029-01-31' }],
    ];
    for (const [secondary, data] of cases) {
      const r = p(withCheck(`+H123ABC0/${secondary}`));
      expect(r.errors, secondary).toEqual([]);
      expect(r.udi, secondary).toMatchObject({ di: 'H123ABC0', ...data });
    }
  });

  it('keeps the quantity and the form in the HIBC fields', () => {
    expect(p(withCheck('+H123ABC0/$$9123457LOT1')).hibc).toMatchObject({ form: '$$97', quantity: 12345 });
  });

  it('reads a /Q quantity, also after a $ with an empty lot', () => {
    // The literature example with /Q added: quantity 24 beside lot, serial and both dates.
    expect(p(withCheck('+A99912345/$$52001510X3/16D20111212/S77DE1G45/Q24'))).toMatchObject({
      ok: true,
      udi: udi('A99912345', { lot: '10X3', serial: '77DE1G45', expiry: '2020-01-15', manufactured: '2011-12-12' }),
      hibc: { form: '$$5', quantity: 24 },
    });
    expect(p(withCheck('+A99912345/$/Q24/S77DE1G45'))).toMatchObject({
      ok: true,
      udi: udi('A99912345', { serial: '77DE1G45' }),
      hibc: { form: '$', quantity: 24 },
    });
    // The separate secondary form: '+$/Q24' linked to the primary +A999123457.
    expect(p(withCheck('+$/Q24/S77DE1G457'))).toMatchObject({ ok: false, hibc: { structure: 'secondary', quantity: 24, link: '7' } });
  });

  it('reports structure errors after the check character', () => {
    expect(codes(withCheck('+A99912345/$$3290231LOT42'))).toEqual(['bad-date']);
    expect(codes(withCheck('+A99912345/$$3290131LOT42/1T55'))).toEqual(['bad-hibc']);
    expect(codes(withCheck('+A99912345/LOT42'))).toEqual(['bad-hibc']);
    expect(codes(withCheck('+A99912345/'))).toEqual(['truncated']);
    expect(codes(withCheck('+-99912345/$LOT'))).toEqual(['bad-hibc']);
    // A wrong check character and a broken date are both reported, and nothing is ok.
    expect(codes('+A99912345/$$3290231LOT42X')).toEqual(['bad-check-digit', 'bad-date']);
  });
});

describe('HIBC separate secondary', () => {
  it('reads it but does not accept it on its own: it names no product', () => {
    const r = p('+$$3290131LOT427A');
    expect(r).toMatchObject({
      ok: false,
      udi: udi(null, { lot: 'LOT42', expiry: '2029-01-31' }),
      hibc: { structure: 'secondary', link: '7', check: 'A', form: '$$3' },
    });
    expect(r.errors.map((e) => e.code)).toEqual(['not-a-product']);
    expect(r.errors[0]?.message).toContain("linked by '7'");
  });

  it('places the link character after the supplemental fields', () => {
    expect(p(withCheck('+$$7LOT42/14D20290131' + '7'))).toMatchObject({ udi: { lot: 'LOT42', expiry: '2029-01-31' }, hibc: { link: '7' } });
    expect(p(withCheck('+29031LOT427'))).toMatchObject({ udi: { lot: 'LOT42', expiry: '2029-01-31' }, hibc: { form: 'YYJJJ', link: '7' } });
  });

  it('is what a digit after + means, so a labeler code must begin with a letter', () => {
    // '+1999…' is read as the original secondary format (YYJJJ = 19991: day 991 does not exist).
    expect(codes(withCheck('+199912345'))).toEqual(['bad-date', 'not-a-product']);
  });

  it('checks its check character like any other', () => {
    expect(codes('+$$3290131LOT427B')).toEqual(['bad-check-digit', 'not-a-product']);
  });
});

describe('HIBC refusals', () => {
  it('refuses lowercase letters', () => {
    expect(p('+a999123457')).toMatchObject({ ok: false, hibc: null, errors: [{ code: 'bad-charset', message: expect.stringContaining("lowercase 'a'") }] });
    expect(codes('+A99912345/$$3290131lot429')).toEqual(['bad-charset']);
  });

  it('refuses characters outside Code 39', () => {
    expect(p('+A9991234\x1d5')).toMatchObject({ errors: [{ code: 'bad-charset', message: expect.stringContaining('0x1D') }] });
    expect(codes('+A999_123457')).toEqual(['bad-charset']);
    expect(codes('+A999123457\u00e9')).toEqual(['bad-charset']);
  });

  it('refuses a Provider Applications (patient/staff) code without echoing it', () => {
    const r = p('+/$$PATIENT123456X');
    expect(r).toMatchObject({ ok: false, hibc: null, udi: udi(null) });
    expect(r.errors.map((e) => e.code)).toEqual(['bad-hibc']);
    expect(JSON.stringify(r)).not.toContain('PATIENT');
  });

  it('refuses cut-short and over-long codes', () => {
    expect(codes('+')).toEqual(['truncated']);
    expect(codes('+A')).toEqual(['truncated']);
    expect(codes(withCheck('+A9995'))).toEqual(['truncated']);
    expect(codes('+' + 'A'.repeat(MAX_HIBC_LENGTH))).toEqual(['too-long']);
    expect(codes(withCheck('+A999' + '1'.repeat(19) + '5'))).toEqual(['too-long']);
  });

  it('refuses data that does not begin with +', () => {
    expect(codes('A999123457')).toEqual(['bad-hibc']);
    expect(codes('**')).toEqual(['bad-hibc']);
  });

  it('takes its century from now', () => {
    const code = withCheck('+A99912345/$$31201310LOT');
    expect(parseHibc(code, new Date('2026-01-01T00:00:00Z')).udi.expiry).toBe('2012-01-31');
    expect(parseHibc(withCheck('+A99912345/$$3990131LOT'), new Date('2026-01-01T00:00:00Z')).udi.expiry).toBe('1999-01-31');
    expect(parseHibc(withCheck('+A99912345/$$3990131LOT'), new Date('2060-01-01T00:00:00Z')).udi.expiry).toBe('2099-01-31');
  });
});
