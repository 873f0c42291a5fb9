import { describe, expect, it } from 'vitest';
import { parseProduction } from './production.ts';
import { NOW } from './testkit.ts';

const p = (s: string) => parseProduction(s, NOW);
const codes = (s: string) => p(s).errors.map((e) => e.code);

describe('HIBC secondary data with supplemental fields', () => {
  it('merges the secondary structure and the fields, in any order', () => {
    const expected = { lot: '10X3', serial: '77DE1G45', expiry: '2020-01-15', manufactured: '2011-12-12', errors: [] };
    expect(p('$$52001510X3/16D20111212/S77DE1G45')).toMatchObject(expected);
    expect(p('$$52001510X3/S77DE1G45/16D20111212')).toMatchObject(expected);
  });

  it('takes the expiry from /14D when the secondary has none ($$7)', () => {
    expect(p('$$7LOT42/14D20290131')).toMatchObject({ lot: 'LOT42', expiry: '2029-01-31', errors: [] });
    expect(p('$$+7SN1/14D20290131/16D20240101')).toMatchObject({ serial: 'SN1', expiry: '2029-01-31', manufactured: '2024-01-01' });
  });

  it('accepts the same value twice but not two different ones', () => {
    expect(p('$$3290131LOT42/14D20290131')).toMatchObject({ expiry: '2029-01-31', errors: [] });
    expect(p('$$3290131LOT42/14D20290130').errors).toEqual([
      { code: 'bad-hibc', message: 'The HIBC code holds two different expiry dates (/14D).' },
    ]);
    expect(p('$+SN1/SSN1')).toMatchObject({ serial: 'SN1', errors: [] });
    expect(codes('$+SN1/SSN2')).toEqual(['bad-hibc']);
  });

  it('reads /Q, also after a $ or $$7 whose lot is empty', () => {
    expect(p('$LOT42/Q24')).toMatchObject({ lot: 'LOT42', quantity: 24, errors: [] });
    expect(p('$/Q24/S77DE1G45')).toMatchObject({ form: '$', lot: null, serial: '77DE1G45', quantity: 24, errors: [] });
    expect(p('$$7/Q5/16D20111212')).toMatchObject({ lot: null, quantity: 5, manufactured: '2011-12-12', errors: [] });
    expect(p('$+/S12')).toMatchObject({ serial: '12', errors: [] });
    // The same quantity twice is accepted; two different ones are not.
    expect(p('$$812LOT/Q12')).toMatchObject({ quantity: 12, errors: [] });
    expect(codes('$$812LOT/Q13')).toEqual(['bad-hibc']);
    expect(codes('$LOT/Q1/Q1')).toEqual(['bad-hibc']);
    // Without a supplemental field an empty lot still carries nothing.
    expect(codes('$')).toEqual(['truncated']);
  });

  it('refuses a repeated field', () => {
    expect(p('$LOT/16D20240101/16D20240101').errors).toEqual([{ code: 'bad-hibc', message: 'The HIBC code holds the manufacturing date (/16D) twice.' }]);
  });

  it('reports each broken field', () => {
    expect(codes('$LOT//S1')).toEqual(['bad-hibc']);
    expect(codes('$LOT/')).toEqual(['bad-hibc']);
    expect(codes('$LOT/XYZ/16D20241301')).toEqual(['bad-hibc', 'bad-date']);
  });
});
