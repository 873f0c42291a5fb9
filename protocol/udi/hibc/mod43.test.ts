import { describe, expect, it } from 'vitest';
import { CODE39_CHARSET, mod43CheckChar, mod43Value, showChar } from './mod43.ts';
import { check } from './testkit.ts';

describe('mod-43 check character', () => {
  it('values the Code 39 characters 0..42', () => {
    expect(mod43Value('0')).toBe(0);
    expect(mod43Value('9')).toBe(9);
    expect(mod43Value('A')).toBe(10);
    expect(mod43Value('Z')).toBe(35);
    expect(['-', '.', ' ', '$', '/', '+', '%'].map(mod43Value)).toEqual([36, 37, 38, 39, 40, 41, 42]);
    expect(CODE39_CHARSET).toHaveLength(43);
  });

  it('has no value for characters outside Code 39', () => {
    for (const c of ['a', '*', '?', '\x1d', 'é', '', 'AB']) expect(mod43Value(c)).toBe(-1);
  });

  it('computes the literature examples (worked by hand)', () => {
    // '+' 41 + 'A' 10 + 9+9+9+1+2+3+4+5 = 93; 93 mod 43 = 7.
    expect(mod43CheckChar('+A99912345')).toBe('7');
    // … + '/' 40 + '$$' 78 + 3 + 2+9+0+1+3+1 + 'LOT' 74 + 4+2 = 310; 310 mod 43 = 9.
    expect(mod43CheckChar('+A99912345/$$3290131LOT42')).toBe('9');
    // The IDAutomation/HIBC example data: the check character follows the lot '10X3'.
    expect(mod43CheckChar('+A99912345/$$52001510X3')).toBe('3');
    expect(mod43CheckChar('+A99912345/$$52001510X3/16D20111212/S77DE1G45')).toBe('-');
  });

  it('agrees with the independent calculation of the tests', () => {
    for (const s of ['+', '+Z', '+$$+7ABC', '+H1231234560/$$8123290131X', '+ %/$.-']) expect(mod43CheckChar(s)).toBe(check(s));
  });

  it('covers a range and refuses characters outside the set', () => {
    expect(mod43CheckChar('xx+A99912345yy', 2, 12)).toBe('7');
    expect(mod43CheckChar('+a999')).toBeNull();
    expect(mod43CheckChar('')).toBe('0');
  });

  it('shows a space check character readably', () => {
    expect(showChar(' ')).toBe("' ' (a space)");
    expect(showChar('X')).toBe("'X'");
  });
});
