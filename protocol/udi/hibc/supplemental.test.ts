import { describe, expect, it } from 'vitest';
import { parseSupplemental } from './supplemental.ts';

const code = (field: string) => parseSupplemental(field).error?.code;

describe('HIBC supplemental data fields', () => {
  it('reads /S, /16D and /14D', () => {
    expect(parseSupplemental('S77DE1G45')).toEqual({ kind: 'serial', value: '77DE1G45' });
    expect(parseSupplemental('16D20111212')).toEqual({ kind: 'manufactured', value: '2011-12-12' });
    expect(parseSupplemental('14D20290131')).toEqual({ kind: 'expiry', value: '2029-01-31' });
  });

  it('reads /Q, the quantity (ANSI MH10.8.2 Data Identifier Q)', () => {
    expect(parseSupplemental('Q24')).toEqual({ kind: 'quantity', value: '24' });
    expect(parseSupplemental('Q00000100')).toEqual({ kind: 'quantity', value: '00000100' });
    expect(code('Q')).toBe('truncated');
    expect(code('Q1A')).toBe('bad-value');
    expect(parseSupplemental('Q1A').error?.message).toBe("The quantity after '/Q' must be digits, but it is '#A'.");
    expect(code('Q123456789')).toBe('too-long');
  });

  it('reports an unknown field instead of dropping it', () => {
    const r = parseSupplemental('1T123456789');
    expect(r.error).toEqual({
      code: 'bad-hibc',
      message: "The HIBC code holds an unknown field '/#T####…': only /S (serial), /16D (manufacturing date), /14D (expiry date) and /Q (quantity) may follow the secondary data.",
    });
    expect(code('P5')).toBe('bad-hibc');
    expect(code('15D20290131')).toBe('bad-hibc');
  });

  it('checks the dates', () => {
    expect(code('16D20110230')).toBe('bad-date');
    expect(parseSupplemental('16D20110230').error?.message).toBe("The manufacturing date '########' (after '/16D') is impossible: February has no day 30.");
    expect(code('14D2029013')).toBe('truncated');
    expect(code('14D')).toBe('truncated');
    expect(code('14D202901311')).toBe('bad-date');
    expect(code('14D2029O131')).toBe('bad-date');
  });

  it('checks the serial', () => {
    expect(code('S')).toBe('truncated');
    expect(code('S' + '9'.repeat(19))).toBe('too-long');
    expect(code('S12 3')).toBe('bad-charset');
  });

  it('reports an empty field', () => {
    expect(code('')).toBe('bad-hibc');
  });
});
