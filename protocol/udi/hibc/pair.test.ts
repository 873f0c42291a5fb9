import { describe, expect, it } from 'vitest';
import { parseHibcPair } from './pair.ts';
import { parseHibc } from './parse-hibc.ts';
import { NOW, withCheck } from './testkit.ts';

const PRIMARY = '+A999123457'; // check character '7'
const SECONDARY = '+$$3290131LOT427A'; // link '7', check 'A' (both worked by hand)

describe('HIBC primary + separate secondary', () => {
  it('joins two linked barcodes into one UDI', () => {
    expect(parseHibcPair(PRIMARY, SECONDARY, NOW)).toEqual({
      ok: true,
      udi: { di: 'A99912345', lot: 'LOT42', serial: null, expiry: '2029-01-31', manufactured: null },
      errors: [],
      hibc: { structure: 'pair', lic: 'A999', pcn: '1234', uom: '5', form: '$$3', quantity: null, check: '7', link: '7' },
    });
  });

  it('takes them in either order', () => {
    expect(parseHibcPair(SECONDARY, PRIMARY, NOW)).toMatchObject({ ok: true, udi: { di: 'A99912345', lot: 'LOT42' } });
  });

  it('refuses a secondary whose link character is not the primary check character', () => {
    const other = withCheck('+$$3290131LOT42X');
    const r = parseHibcPair(PRIMARY, other, NOW);
    expect(r.ok).toBe(false);
    expect(r.errors).toEqual([
      {
        code: 'bad-hibc',
        message: "The secondary barcode's link character is 'X' but the product barcode's check character is '7': the two barcodes come from different labels.",
      },
    ]);
  });

  it('needs one primary and one secondary', () => {
    expect(parseHibcPair(PRIMARY, PRIMARY, NOW).errors.map((e) => e.code)).toEqual(['bad-hibc']);
    expect(parseHibcPair(SECONDARY, SECONDARY, NOW).errors.map((e) => e.code)).toEqual(['bad-hibc']);
    expect(parseHibcPair('+A99912345/$$3290131LOT429', SECONDARY, NOW).errors.map((e) => e.code)).toEqual(['bad-hibc']);
  });

  it('passes on the errors of either barcode', () => {
    expect(parseHibcPair('+A999123458', SECONDARY, NOW).errors.map((e) => e.code)).toEqual(['bad-check-digit', 'bad-hibc']);
    expect(parseHibcPair(PRIMARY, '+$$3290231LOT427A', NOW).errors.map((e) => e.code)).toContain('bad-date');
  });
});

describe("HIBC 2.6's own examples", () => {
  it('Appendix E1.3: primary *+A123BJC5D6E71G* and secondary *+$$52001510X3GD*, linked by G', () => {
    expect(parseHibcPair('*+A123BJC5D6E71G*', '*+$$52001510X3GD*', NOW)).toMatchObject({
      ok: true,
      udi: { di: 'A123BJC5D6E71', lot: '10X3', serial: null, expiry: '2020-01-15', manufactured: null },
    });
  });

  it("Appendix B worked example and HIBCC's GUDID guide: the primary alone", () => {
    expect(parseHibc('+A123BJC5D6E71G', NOW)).toMatchObject({ ok: true, udi: { di: 'A123BJC5D6E71' }, hibc: { lic: 'A123', pcn: 'BJC5D6E7', uom: '1' } });
    expect(parseHibc('+A999ABC1230V', NOW)).toMatchObject({ ok: true, udi: { di: 'A999ABC1230' }, hibc: { uom: '0', check: 'V' } });
  });
});
