// Test vectors: the examples of ICCBBA ST-011 "Coding and Labeling of Medical Devices Using
// ISBT 128" (v1.9.0), ST-017 (medical devices containing MPHO) and ST-001 Appendix A, as quoted by
// public implementations; the FDA's issuing-agency table example for the concatenated form.
import { describe, expect, it } from 'vitest';
import { parse } from '../parse.ts';
import { parseIsbt128 } from './parse-isbt128.ts';

const codes = (s: string) => parseIsbt128(s).errors.map((e) => e.code);
const udi = (di: string | null, rest: Partial<{ lot: string; serial: string; expiry: string; manufactured: string }> = {}) => ({
  di,
  lot: null,
  serial: null,
  expiry: null,
  manufactured: null,
  ...rest,
});

describe('ISBT 128: the standards’ examples', () => {
  it('ST-017 Figure 1: the Processor Product Identification Code alone is the DI', () => {
    expect(parseIsbt128('=/A9997AB3456T0123')).toEqual({
      ok: true,
      udi: udi('A9997AB3456T0123'),
      errors: [],
      structures: [{ number: '034', value: 'A9997AB3456T0123' }],
      din: null,
    });
  });

  it('ST-011: the full UDI compound message (DI, serial, DIN, expiry, production date, lot)', () => {
    const r = parseIsbt128('=+06000=/A9999XYZ100T0476=,000025=A99972312345600=>025032=}023032&,1000000000000XYZ123');
    expect(r).toMatchObject({
      ok: true,
      udi: udi('A9999XYZ100T0476', { serial: '000025', lot: '000000000000XYZ123', expiry: '2025-02-01', manufactured: '2023-02-01' }),
      din: 'A999723123456',
      errors: [],
    });
    expect(r.structures.map((s) => s.number)).toEqual(['034', '032', '001', '004', '008', '035']);
  });

  it('ST-011: the same data as concatenated linear bar codes (the eye-readable order)', () => {
    expect(parseIsbt128('=/A9999XYZ100T0476=,000025=A99972312345600=>025032=}023032&,1000000000000XYZ123')).toMatchObject({
      ok: true,
      udi: udi('A9999XYZ100T0476', { serial: '000025', lot: '000000000000XYZ123', expiry: '2025-02-01', manufactured: '2023-02-01' }),
    });
  });

  it('ST-017 §5 and the FDA issuing-agency table example', () => {
    expect(parseIsbt128('=+06000=/A9999XYZ100T0476=,000025=A99971712345600=>019032=}017032&,1000000000000XYZ123')).toMatchObject({
      ok: true,
      udi: udi('A9999XYZ100T0476', { serial: '000025', lot: '000000000000XYZ123', expiry: '2019-02-01', manufactured: '2017-02-01' }),
    });
    expect(parseIsbt128('=/A9999XYZ100T0944=,000025=A99971312345600=>014032=}013032&,1000000000000XYZ123')).toMatchObject({
      ok: true,
      udi: udi('A9999XYZ100T0944', { serial: '000025', lot: '000000000000XYZ123', expiry: '2014-02-01', manufactured: '2013-02-01' }),
    });
  });

  it('ST-017 §4.3: unspecified (000) and specified (035) sequences', () => {
    const expected = { ok: true, udi: udi('A9997XYZ100T0479', { serial: '000012', expiry: '2019-01-31' }), din: 'A999917123456' };
    expect(parseIsbt128('=+04000=/A9997XYZ100T0479=A99991712345600=,000012=>019031')).toMatchObject(expected);
    expect(parseIsbt128('=+04035=/A9997XYZ100T0479=,000012=A99991712345600=>019031')).toMatchObject(expected);
  });

  it('ST-001 Appendix A: a DIN whose flags carry its MOD 37-2 check value', () => {
    expect(parseIsbt128('=+03000=/A9997XYZ100T0479=G12341765432170=,000012')).toMatchObject({ ok: true, din: 'G123417654321' });
    expect(codes('=+03000=/A9997XYZ100T0479=G12341765432171=,000012')).toEqual(['bad-check-digit']);
  });
});

describe('ISBT 128: what is refused', () => {
  it('a DIN or a date alone names no product', () => {
    expect(parseIsbt128('=A99991712345600')).toMatchObject({ ok: false, din: 'A999917123456', errors: [{ code: 'not-a-product' }] });
    expect(codes('=>019031')).toEqual(['not-a-product']);
  });

  it('a compound message whose count is wrong, or that does not begin with the DI', () => {
    expect(codes('=+05000=/A9997XYZ100T0479=A99991712345600=,000012=>019031')).toEqual(['bad-isbt128']);
    expect(codes('=+03000=A99991712345600=/A9997XYZ100T0479=,000012')).toEqual(['bad-isbt128']);
    expect(codes('=+02000=/A9997XYZ100T0479=,000012')).toEqual(['bad-isbt128']); // no DIN
    expect(codes('=+00000=/A9997XYZ100T0479')).toEqual(['bad-value']);
    expect(codes('=+0A000=/A9997XYZ100T0479')).toEqual(['bad-value']);
    expect(codes('=+01000=+01000=/A9997XYZ100T0479')).toEqual(['bad-isbt128']);
  });

  it('a structure a UDI does not use (ST-012: a blood label compound message)', () => {
    const r = parseIsbt128('=+05000=Z54991712345600=%T300=<T0416003&>0183652359&,4PL001499Z549917123456A00T041600320181231');
    expect(r.errors.map((e) => e.code)).toEqual(['bad-isbt128']);
    expect(r.errors[0]!.message).toBe("At position 24 begins '=%T', which is not the data identifier of an ISBT 128 structure a UDI uses (=/ =, = => =} &,1).");
  });

  it('a structure twice, a cut-short one, control characters', () => {
    expect(codes('=/A9997XYZ100T0479=/A9997XYZ100T0479')).toEqual(['bad-isbt128']);
    expect(codes('=/A9997XYZ100T047')).toEqual(['truncated']);
    expect(codes('=/A9997XYZ100T0479&,100000')).toEqual(['truncated']);
    expect(codes('=/A9997XYZ100T0479\x1d=,000012')).toEqual(['bad-charset']);
  });

  it('never quotes digits in a message', () => {
    for (const s of ['=+05000=/A9997XYZ100T0479=%1234567890', '=/A9997XYZ100T0479=>999999', '=/A9997XYZ100T0479=A99991X12345600']) {
      for (const e of parseIsbt128(s).errors) expect(e.message.replaceAll('ISBT 128', '')).not.toMatch(/[0-9]{3}/);
    }
  });
});

describe('parse(): ISBT 128 is the third scheme', () => {
  it('is recognised by its data identifier, with or without an AIM identifier', () => {
    const s = '=+06000=/A9999XYZ100T0476=,000025=A99972312345600=>025032=}023032&,1000000000000XYZ123';
    expect(parse(`]d1${s}\r\n`)).toMatchObject({ ok: true, scheme: 'isbt128', symbology: ']d1', elements: [], udi: { di: 'A9999XYZ100T0476', serial: '000025' } });
    expect(parse(']C0=/A9997AB3456T0123')).toMatchObject({ ok: true, scheme: 'isbt128', symbology: ']C0' });
    expect(parse('&,1000000000000XYZ123')).toMatchObject({ ok: false, scheme: 'isbt128', errors: [{ code: 'not-a-product' }] });
  });

  it('still runs the personal-id guard: in the DIN, in the product code, in a broken code', () => {
    // A DIN whose digits read as 1919-12-12, number 1234: refused as personal, nothing echoed.
    expect(parse('=+03000=/A9997XYZ100T0479=A19191212123400=,000012')).toMatchObject({ ok: false, scheme: 'personal-id', udi: { di: null } });
    expect(parse('=/A1912121234T0123')).toMatchObject({ scheme: 'personal-id' });
    expect(parse('=/A9997XYZ100T0479=%191212-1212')).toMatchObject({ scheme: 'personal-id' });
  });
});
