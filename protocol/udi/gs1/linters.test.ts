import { describe, expect, it } from 'vitest';
import type { ErrorCode } from '../result.ts';
import { AI_ENTRIES } from './ai-table.generated.ts';
import { LINTERS } from './linters.ts';

const now = new Date('2026-03-01T00:00:00Z');

function lint(name: string, value: string, label = '(99) test') {
  const linter = LINTERS.get(name);
  if (linter === undefined) throw new Error(`no linter ${name}`);
  return linter(value, label, now);
}

// name → [values it accepts, values it refuses, the code it refuses them with]
const CASES: Record<string, [string[], string[], ErrorCode]> = {
  csum: [['09506000134352', '04012345678901', '9506000134352', '106141411234567897'], ['09506000134353', '04012345678900', '1'], 'bad-check-digit'],
  csumalpha: [['1987654Ad4X4bL5ttr2310c2K', '7907665Bm8v2AB', '22'], ['1987654Ad4X4bL5ttr2310cXK', '33', '2'], 'bad-check-digit'],
  gcppos1: [['9506', '950600013435', '1234ABC', '0000'], ['950', '95A6000', 'ABCD12', '', '12-4'], 'bad-value'],
  gcppos2: [['09506000134352', 'I1234', '09506A'], ['0950', '0A506', '0950A', 'I'], 'bad-value'],
  yymmd0: [['290131', '240229', '290100', '240200'], ['250231', '250229', '251301', '2501', '250132'], 'bad-date'],
  yymmdd: [['290131', '240229', '991231'], ['290100', '250231', '251301'], 'bad-date'],
  yyyymmdd: [['20240229', '19991231', '20000229'], ['19000229', '20240200', '20241301', '20240431'], 'bad-date'],
  hhmi: [['0000', '2359', '1230'], ['2400', '1260', '9999'], 'bad-date'],
  hh: [['00', '23'], ['24', '99'], 'bad-date'],
  mi: [['00', '59'], ['60', '99'], 'bad-date'],
  ss: [['00', '59'], ['60', '99'], 'bad-date'],
  iso3166: [['752', '276', '840', '004', '894'], ['999', '000', '001', '900', '75'], 'bad-value'],
  iso3166999: [['752', '999', '008'], ['998', '000', '900'], 'bad-value'],
  iso3166alpha2: [['SE', 'DE', 'GB', 'AX'], ['UK', 'EU', 'se', 'XX', 'S'], 'bad-value'],
  iso4217: [['752', '978', '840', '999', '986'], ['191', '000', '753', '999 '], 'bad-value'],
  iso5218: [['0', '1', '2', '9'], ['3', '8', '10'], 'bad-value'],
  iban: [['GB98MIDL07009312345678', 'SE4550000000058398257466', 'DE91100000000123456789', 'MT90MALT011000012345MTLCAST001SABC'], ['XX98MIDL07009312345678', 'GB98MIDL070093123456-8', 'BE71'], 'bad-value'],
  pcenc: [['ABC', 'A%2FB', '%41%42', '%e9'], ['A%2GB', 'A%2', '%', '100%'], 'bad-value'],
  latitude: [['0000000000', '1800000000', '0900000000'], ['1800000001', '9999999999', '180000000'], 'bad-value'],
  longitude: [['0000000000', '3600000000', '1800000001'], ['3600000001', '9999999999'], 'bad-value'],
  yesno: [['0', '1'], ['2', '9'], 'bad-value'],
  zero: [['0'], ['1', '9'], 'bad-value'],
  nonzero: [['0001', '1', '10000'], ['0', '0000', '00000'], 'bad-value'],
  winding: [['0', '1', '9'], ['2', '8'], 'bad-value'],
  pieceoftotal: [['0102', '0202', '11', '19', '001999'], ['0302', '0002', '0100', '0000', '01', '123', '9998'], 'bad-value'],
  posinseqslash: [['1/1', '2/3', '9/10', '100/100', '999/999'], ['3/2', '10/9', '0/1', '1/0', '01/2', '1/', '/1', '1//2', '12', ''], 'bad-value'],
  nozeroprefix: [['1', '123456789012', '100'], ['0', '0123'], 'bad-value'],
  hasnondigit: [['12345A', 'A', '1-2'], ['12345', '0'], 'bad-value'],
  hyphen: [['-'], ['X', '+', ''], 'bad-value'],
  importeridx: [['0', 'A', 'z', '-', '_'], ['+', '!', '', 'AB'], 'bad-value'],
  mediatype: [['01', '10', '80', '99'], ['00', '11', '50', '79', '1'], 'bad-value'],
  packagetype: [['BX', 'PX', '1A', '8', 'APE', 'X11'], ['QQQ', 'bx', '', 'ZZZ', 'B'], 'bad-value'],
  couponcode: [['012345612345611110123', '012345612345611110123' + '121501239' + '3291231' + '90150'], ['0123456', '71234567890123', '01234561234561111012a'], 'bad-value'],
  couponposoffer: [['001234561234560123456', '101234561234560123456', '00123456123456512345678901'], ['201234561234560123456', '00123456', '0012345612345601234567'], 'bad-value'],
};

describe('LINTERS', () => {
  it('has a linter for every name the dictionary uses, and none it does not', () => {
    const used = new Set(AI_ENTRIES.flatMap((e) => e.components.flatMap((c) => c.linters)));
    expect([...used].sort()).toEqual([...LINTERS.keys()].sort());
    expect([...LINTERS.keys()].sort()).toEqual(Object.keys(CASES).sort());
  });

  for (const [name, [good, bad, code]] of Object.entries(CASES)) {
    it(`${name}: accepts ${good.join(', ')}`, () => {
      for (const v of good) expect(lint(name, v), `${name} ${v}`).toBeNull();
    });
    it(`${name}: refuses ${bad.join(', ')} as ${code}`, () => {
      for (const v of bad) expect(lint(name, v)?.code, `${name} ${v}`).toBe(code);
    });
  }

  it('names the AI, shows the value with its digits masked, and says why, in words', () => {
    expect(lint('yymmd0', '250231', '(17) expiry date')).toEqual({ code: 'bad-date', message: '(17) expiry date ######: February has no day 31' });
    expect(lint('csum', '09506000134353', '(01) GTIN')?.message).toBe('(01) GTIN ##############: wrong check digit 3, expected 2: misprinted or misread');
    expect(lint('csumalpha', '1987654Ad4X4bL5ttr2310cXK', '(8013) GMN')?.message).toContain('wrong check characters XK, expected 2K');
    expect(lint('iso3166', '999', '(422) ORIGIN')?.message).toBe('(422) ORIGIN ###: is not an ISO 3166 country code');
    expect(lint('iso4217', '191', '(3910) AMOUNT')?.message).toBe('(3910) AMOUNT ###: is not an ISO 4217 currency code');
  });

  it('tells a wrong IBAN check apart from a malformed IBAN', () => {
    expect(lint('iban', 'GB99MIDL07009312345678')?.code).toBe('bad-check-digit');
    expect(lint('iban', 'GB99MIDL07009312345678')?.message).toContain('check digits 99 are wrong');
    expect(lint('iban', 'gb98MIDL07009312345678')?.code).toBe('bad-value');
  });

  it('anchors two-digit years on the given date: 29 February of 00 is 2000 or 2100', () => {
    const linter = LINTERS.get('yymmdd');
    expect(linter?.('000229', '(7006)', new Date('2026-01-01T00:00:00Z'))).toBeNull();
    expect(linter?.('000229', '(7006)', new Date('2060-01-01T00:00:00Z'))?.message).toContain('2100 is not a leap year');
  });

  it('escapes control characters and cuts long values in messages', () => {
    expect(lint('csum', '0950600013435\x1d')?.message).toContain('#############\\x1D');
    const long = lint('hasnondigit', '1'.repeat(500))?.message ?? '';
    expect(long.length).toBeLessThan(150);
    expect(long).toContain('…');
  });
});
