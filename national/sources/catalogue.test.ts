import { describe, expect, test } from 'vitest';
import { parse } from '../../protocol/udi/index.ts';
import { mod43CheckChar } from '../../protocol/udi/hibc/mod43.ts';
import { catalogueSource, parseCatalogue, sampleCatalogue } from './catalogue.ts';

const signal = new AbortController().signal;

describe('the sample catalogue', () => {
  test('is marked fictional, holds about ten implants with invented makers, GS1 Sweden GTINs and two HIBC DIs', () => {
    expect(sampleCatalogue.products.length).toBeGreaterThanOrEqual(10);
    const gs1 = sampleCatalogue.products.filter((p) => p.scheme === 'gs1');
    const hibc = sampleCatalogue.products.filter((p) => p.scheme === 'hibc');
    expect(hibc).toHaveLength(2);
    for (const p of gs1) {
      expect(p.di).toMatch(/^073[0-9]{11}$/); // GTIN-13 with prefix 73, as GTIN-14
      expect(parse(`]d201${p.di}`).ok).toBe(true); // valid check digit
    }
    for (const p of hibc) {
      const data = `+${p.di}`;
      expect(parse(data + mod43CheckChar(data)).udi.di).toBe(p.di);
    }
    expect(new Set(sampleCatalogue.products.map((p) => p.manufacturer)).size).toBeGreaterThan(3);
  });

  test('answers by scheme and DI, null when unknown', async () => {
    const source = catalogueSource(sampleCatalogue);
    expect(await source.lookup('07399990001092', 'gs1', signal)).toMatchObject({ manufacturer: 'Exempel Ortopedi AB', deviceType: 'Hip stem', deviceClass: 'III' });
    expect(await source.lookup('07399990001092', 'hibc', signal)).toBeNull();
    expect(await source.lookup('Z987PLT20401', 'hibc', signal)).toMatchObject({ modelNumber: 'PLT-2040' });
  });

  test('a bad catalogue file is refused with the entry named', () => {
    expect(() => parseCatalogue({ products: [{ scheme: 'gs1', di: '1', name: '' }] })).toThrow(/products\.0\.name/);
    expect(() => parseCatalogue({})).toThrow(/products/);
  });
});
