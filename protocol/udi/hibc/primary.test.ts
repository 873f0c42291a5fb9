import { describe, expect, it } from 'vitest';
import { parsePrimary } from './primary.ts';

const codes = (body: string) => parsePrimary(body).errors.map((e) => e.code);

describe('HIBC primary data structure', () => {
  it('splits LIC, product number and unit of measure; the DI is their concatenation', () => {
    expect(parsePrimary('A99912345')).toEqual({ lic: 'A999', pcn: '1234', uom: '5', di: 'A99912345', errors: [] });
    expect(parsePrimary('H12312345670')).toMatchObject({ lic: 'H123', pcn: '1234567', uom: '0', di: 'H12312345670' });
  });

  it('takes a product number of 1 to 18 characters', () => {
    expect(parsePrimary('A999X1')).toMatchObject({ pcn: 'X', di: 'A999X1' });
    expect(parsePrimary('A999' + 'P'.repeat(18) + '1')).toMatchObject({ pcn: 'P'.repeat(18), errors: [] });
    expect(codes('A999' + 'P'.repeat(19) + '1')).toEqual(['too-long']);
  });

  it('needs a labeler code that begins with a letter', () => {
    const r = parsePrimary('199912345');
    expect(r.di).toBeNull();
    expect(r.errors[0]).toMatchObject({ code: 'bad-hibc', message: expect.stringContaining("begins with '1'") });
  });

  it('needs a unit-of-measure digit at the end', () => {
    expect(parsePrimary('A9991234X').errors[0]).toMatchObject({ code: 'bad-hibc', message: expect.stringContaining("ends with 'X'") });
  });

  it('allows only digits and capitals in the fields', () => {
    expect(codes('A9-912345')).toEqual(['bad-charset']);
    expect(codes('A999 12345')).toEqual(['bad-charset']);
    expect(codes('A99912.45')).toEqual(['bad-charset']);
  });

  it('reports a cut-short code', () => {
    expect(codes('A9991')).toEqual(['truncated']);
    expect(codes('')).toEqual(['truncated']);
  });
});
