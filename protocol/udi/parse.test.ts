import { describe, expect, it } from 'vitest';
import { parse, type ErrorCode, type ParseResult } from './index.ts';

const GS = '\x1d';
const now = new Date('2026-11-22T12:00:00Z');
const p = (s: string | Uint8Array, gsSubstitutes?: string[]): ParseResult => parse(s, { now, gsSubstitutes });
const codes = (r: ParseResult): ErrorCode[] => r.errors.map((e) => e.code);

const IMPLANT = ']d2' + '0109506000134352' + '17290131' + '10AB-123' + GS + '21S12345';
const IMPLANT_ELEMENTS = [
  { ai: '01', value: '09506000134352' },
  { ai: '17', value: '290131' },
  { ai: '10', value: 'AB-123' },
  { ai: '21', value: 'S12345' },
];

describe('GS1 element strings', () => {
  it('parses a GS1 DataMatrix implant label', () => {
    expect(p(IMPLANT)).toEqual({
      ok: true,
      scheme: 'gs1',
      symbology: ']d2',
      elements: IMPLANT_ELEMENTS,
      udi: { di: '09506000134352', lot: 'AB-123', serial: 'S12345', expiry: '2029-01-31', manufactured: null },
      errors: [],
    });
  });

  it.each([
    ['AIM identifier off, FNC1 in first position sent as GS', GS + IMPLANT.slice(3)],
    ['AIM identifier off and no leading FNC1', IMPLANT.slice(3)],
    ['GS1-128', ']C1' + IMPLANT.slice(3)],
    ['GS1 QR', ']Q3' + IMPLANT.slice(3)],
    ['a leading GS after the AIM identifier', ']d2' + GS + IMPLANT.slice(3)],
    ['a CRLF terminator', IMPLANT + '\r\n'],
    ['bytes', new TextEncoder().encode(IMPLANT)],
  ])('accepts %s', (_name, input) => {
    const r = p(input);
    expect(r.ok).toBe(true);
    expect(r.elements).toEqual(IMPLANT_ELEMENTS);
  });

  it('reads a configured FNC1 substitute as a separator', () => {
    const r = p(IMPLANT.replace(GS, '^'), ['^']);
    expect(r.ok).toBe(true);
    expect(r.elements).toEqual(IMPLANT_ELEMENTS);
    expect(p(IMPLANT.replace(GS, '^')).ok).toBe(false);
  });

  it('reads DD=00 as the last day of the month, and the manufacturing date (11)', () => {
    const r = p(']d2' + '0109506000134352' + '11240200' + '17280200');
    expect(r.udi).toMatchObject({ manufactured: '2024-02-29', expiry: '2028-02-29' });
  });

  it('accepts AIs 240 and 30 as found on implant labels', () => {
    const r = p(']C1' + '0104012345678901' + '240REF-77' + GS + '301' + GS + '10L1');
    expect(r.ok).toBe(true);
    expect(r.elements.map((e) => e.ai)).toEqual(['01', '240', '30', '10']);
  });
});

describe('GS1 errors', () => {
  it.each<[string, string, ErrorCode]>([
    ['a wrong GTIN check digit', ']d2' + '0109506000134353' + '10A', 'bad-check-digit'],
    ['31 February', ']d2' + '0109506000134352' + '17290231', 'bad-date'],
    ['month 13', ']d2' + '0109506000134352' + '17291301', 'bad-date'],
    ['an unassigned AI', ']d2' + '0109506000134352' + '04123', 'unknown-ai'],
    ['(17) without (01)', ']d2' + '17290131' + '10ABC', 'missing-required-ai'],
    ['(01) with (02)', ']d2' + '0109506000134352' + '0209506000134352' + '375', 'excluded-ai'],
    ['the same AI twice with different values', ']d2' + '0109506000134352' + '10A' + GS + '10B', 'duplicate-ai'],
    ['a GTIN cut short', ']d2' + '01095060001343', 'truncated'],
    ['a lot with a space', ']d2' + '0109506000134352' + '10AB C', 'bad-charset'],
    ['a lot of 21 characters', ']d2' + '0109506000134352' + '10' + 'A'.repeat(21), 'too-long'],
    ['a serial with a byte above 0x7F', ']d2' + '0109506000134352' + '21AB\u00ff', 'bad-charset'],
    ['an SSCC alone', ']C1' + '00106141411234567897', 'not-a-product'],
    ['a malformed AIM identifier', ']' + '0109506000134352', 'bad-symbology'],
  ])('reports %s', (_name, input, code) => {
    const r = p(input);
    expect(r.ok).toBe(false);
    expect(codes(r)).toContain(code);
    for (const e of r.errors) expect(e.message.length).toBeGreaterThan(10);
  });

  it('reports an over-long scan without echoing it', () => {
    const r = p('A'.repeat(70_000));
    expect(r).toMatchObject({ ok: false, scheme: 'unknown', elements: [] });
    expect(codes(r)).toEqual(['too-long']);
    expect(JSON.stringify(r)).not.toContain('AAAA');
  });

  it('reports an empty scan', () => {
    expect(codes(p('\r\n'))).toEqual(['empty']);
    expect(codes(p(']d2'))).toEqual(['empty']);
  });

  it('reports text that is no supported code', () => {
    expect(p('hello world')).toMatchObject({ ok: false, scheme: 'unknown', errors: [{ code: 'unrecognised' }] });
  });
});

describe('other GS1 syntaxes', () => {
  it('parses the bracketed form to the same elements', () => {
    const r = p('(01)09506000134352(17)290131(10)AB-123(21)S12345');
    expect(r).toMatchObject({ ok: true, scheme: 'gs1', elements: IMPLANT_ELEMENTS });
  });

  it('parses a GS1 Digital Link URI', () => {
    const r = p('https://id.example.org/01/09506000134352/10/AB-123/21/S12345?17=290131');
    expect(r).toMatchObject({ ok: true, scheme: 'gs1', udi: { di: '09506000134352', lot: 'AB-123', serial: 'S12345', expiry: '2029-01-31' } });
  });

  it('reads EAN-13 and a bare GTIN-13 as (01)', () => {
    expect(p(']E09506000134352')).toMatchObject({ ok: true, elements: [{ ai: '01', value: '09506000134352' }] });
    expect(p('9506000134352')).toMatchObject({ ok: true, elements: [{ ai: '01', value: '09506000134352' }] });
  });
});

describe('HIBC', () => {
  it('parses a combined primary/secondary code', () => {
    expect(p('+A99912345/$$3290131LOT429')).toMatchObject({
      ok: true,
      scheme: 'hibc',
      udi: { di: 'A99912345', lot: 'LOT42', expiry: '2029-01-31' },
    });
  });

  it('parses a primary code with an AIM identifier', () => {
    expect(p(']C0+A999123457')).toMatchObject({ ok: true, scheme: 'hibc', symbology: ']C0', udi: { di: 'A99912345' } });
  });

  it('refuses a wrong check character', () => {
    expect(codes(p('+A999123458'))).toContain('bad-check-digit');
  });
});

describe('personal identity numbers', () => {
  const refused = (input: string): void => {
    const r = p(input);
    expect(r).toMatchObject({ ok: false, scheme: 'personal-id', elements: [], udi: { di: null, lot: null, serial: null } });
    expect(codes(r)).toEqual(['personal-id']);
    expect(JSON.stringify(r)).not.toMatch(/\d{4}/);
  };

  it.each([
    ['a personnummer scanned from a wristband', '19121212-1212'],
    ['with an AIM identifier', ']C0191212121212'],
    ['a samordningsnummer', '701063-2391'],
    ['embedded in an unknown code', 'PID^8112289874^^'],
    ['as the serial of an otherwise valid GS1 code', ']d2' + '0109506000134352' + '21PNR191212121212'],
    ['a GS1 code with a patient GSRN (8018)', ']d2' + '8018' + '950600013435200008'],
    ['inside an over-long scan', 'X'.repeat(5000) + ' 19121212-1212'],
    // Luhn-valid as a personnummer and GS1-check-valid as a UPC-A: without a symbology it is refused.
    ['12 digits that are also a valid UPC-A', '201104179856'],
    // Separators other than - and +, each once accepted as a serial or lot.
    ['with an underscore', '19121212_1212'],
    ['with a dot', '121212.1212'],
    ['with a slash', '121212/1212'],
    ['with dashes inside the date', '1912-12-12-1212'],
    ['with a doubled separator', '19121212--1212'],
    ['with an underscore, as the serial of a valid GS1 code', ']d2' + '0109506000134352' + '2119121212_1212'],
    ['with dashes inside the date, as the lot of a valid GS1 code', ']d2' + '0109506000134352' + '101912-12-12-1212' + GS + '21S1'],
    ['with a dot, as the lot of a bracketed code', '(01)09506000134352(10)121212.1212'],
    ['with a slash, percent-encoded in a Digital Link', 'https://id.gs1.org/01/09506000134352/21/121212%2F1212'],
    ['as the product number of a valid HIBC code', '+ABCD1912121212X0/$$3291231LOTAL'],
  ])('refuses %s without echoing it', (_name, input) => refused(input));

  it.each([
    ['an expiry date and time (7003), whose 10 digits are always date-shaped', ']d2' + '0109506000134352' + '70032903061658'],
    ['the same, bracketed', '(01)09506000134352(7003)2903061658'],
    ['the same, in a Digital Link', 'https://id.gs1.org/01/09506000134352?7003=2903061658'],
    ['an HIBC expiry YYMMDD followed by a lot that starts with 4 digits', '+A99912345/$$32912311234AB5'],
  ])('accepts %s: dates are not personal numbers', (_name, input) => {
    expect(p(input)).toMatchObject({ ok: true });
  });

  it.each([
    ['a colon is no separator', '19121212:1212'],
    ['an impossible month', '19121312_1212'],
    ['five separators', '19121212_____1212'],
  ])('a near miss (%s) is not refused as personal, and its message quotes no digit of it', (_name, input) => {
    const r = p(input);
    expect(r.scheme).not.toBe('personal-id');
    expect(r.ok).toBe(false);
    for (const e of r.errors) expect(e.message).not.toMatch(/1912|1212/);
  });
});
