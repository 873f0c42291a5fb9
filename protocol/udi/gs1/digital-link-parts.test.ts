// The helper modules of digital-link.ts, each on its own.
import { describe, expect, it } from 'vitest';
import { aiEntry } from './ai-table.ts';
import { pathAi } from './digital-link-alphas.ts';
import { looksCompressed } from './digital-link-compressed.ts';
import { percentDecode } from './digital-link-percent.ts';
import { belongsInPath, qualifierError } from './digital-link-qualifiers.ts';
import { splitUri } from './digital-link-uri.ts';
import { dlValue } from './digital-link-value.ts';

const gtin = aiEntry('01')!;

describe('percentDecode', () => {
  it('decodes escapes in either case and leaves other text', () => {
    expect(percentDecode('AB%2F12')).toBe('AB/12');
    expect(percentDecode('%2d%2D%41')).toBe('--A');
    expect(percentDecode('plain+text')).toBe('plain+text');
    expect(percentDecode('')).toBe('');
    expect(percentDecode('%FF%00')).toBe('\xFF\0');
  });
  it('returns null for a "%" without two hex digits', () => {
    for (const s of ['%', '%4', 'A%', '%G0', '%0G', '%\u0661\u0661', '%%']) expect(percentDecode(s), s).toBeNull();
  });
});

describe('dlValue', () => {
  it('pads an all-digit GTIN-8, -12 or -13 in (01) only', () => {
    expect(dlValue('01', '9506000134352')).toBe('09506000134352');
    expect(dlValue('01', '416000336108')).toBe('00416000336108');
    expect(dlValue('01', '02345673')).toBe('00000002345673');
    expect(dlValue('01', '09506000134352')).toBe('09506000134352');
    expect(dlValue('01', '1234567')).toBe('1234567');
    expect(dlValue('01', '950600013435X')).toBe('950600013435X');
    expect(dlValue('02', '9506000134352')).toBe('9506000134352');
  });
});

describe('pathAi', () => {
  it('reads AIs and case-sensitive convenience alphas', () => {
    expect(pathAi('01')?.ai).toBe('01');
    expect(pathAi('gtin')?.ai).toBe('01');
    expect(pathAi('refno')?.ai).toBe('8020');
    expect(pathAi('party')?.ai).toBe('417');
    for (const s of ['', 'Gtin', 'exp', '1', '010', 'gtin ', '__proto__', 'constructor']) expect(pathAi(s), s).toBeUndefined();
  });
});

describe('qualifierError and belongsInPath', () => {
  it('accepts ordered subsequences of one alternative', () => {
    for (const q of [[], ['22'], ['10'], ['21'], ['22', '10'], ['22', '21'], ['10', '21'], ['22', '10', '21'], ['235']]) {
      expect(qualifierError(gtin, q), q.join()).toBeNull();
    }
  });
  it('names what is wrong', () => {
    expect(qualifierError(gtin, ['21', '10'])).toMatch(/order 22, 10, 21 or 235/);
    expect(qualifierError(gtin, ['22', '235'])).toMatch(/alternatives/);
    expect(qualifierError(gtin, ['17'])).toMatch(/\(17\) is not a key qualifier/);
    expect(qualifierError(gtin, ['10', '10'])).toMatch(/twice/);
    expect(qualifierError(aiEntry('00')!, ['10'])).toMatch(/takes no key qualifiers/);
  });
  it('tells a query AI that fits into the path', () => {
    expect(belongsInPath(gtin, [], '10')).toBe(true);
    expect(belongsInPath(gtin, ['21'], '22')).toBe(true);
    expect(belongsInPath(gtin, ['235'], '10')).toBe(false);
    expect(belongsInPath(gtin, ['22'], '235')).toBe(false);
    expect(belongsInPath(gtin, [], '17')).toBe(false);
    expect(belongsInPath(aiEntry('00')!, [], '10')).toBe(false);
  });
});

describe('looksCompressed', () => {
  it('recognises fully and partially compressed paths', () => {
    expect(looksCompressed(['AQnYUc1gmiERBhQ0ytiyZuAGOLc1TQ'])).toBe(true);
    expect(looksCompressed(['stem', 'AN2yxDhfaiaw'])).toBe(true);
    expect(looksCompressed(['aBcDeFgHiJ'])).toBe(true);
    expect(looksCompressed(['01', '09506000134352', 'ARHKVAdpQg'])).toBe(true);
    expect(looksCompressed(['gtin', '09506000134352', 'A1'])).toBe(true);
  });
  it('takes words, short strings and non-base64url text for what they are', () => {
    for (const segs of [['informationen'], ['Product-Info'], ['product_information'], ['AQnYUc1gm'], ['AQnYUc1gmiER.html'], [''], ['01', '', 'ARHKVAdpQg'], ['99', 'x', 'ARHKVAdpQg']]) {
      expect(looksCompressed(segs), segs.join('/')).toBe(false);
    }
  });
});

describe('splitUri', () => {
  it('splits path segments, query and fragment', () => {
    expect(splitUri('https://h/a/b?q=1&r#f?x')).toEqual({ segments: ['a', 'b'], query: 'q=1&r' });
    expect(splitUri('HTTP://h/a/b/')).toEqual({ segments: ['a', 'b'], query: null });
    expect(splitUri('http://h/')).toEqual({ segments: [''], query: null });
    expect(splitUri('http://h//a?')).toEqual({ segments: ['', 'a'], query: '' });
    expect(splitUri('http://h/a#?q')).toEqual({ segments: ['a'], query: null });
  });
  it('refuses URIs it cannot read', () => {
    expect(splitUri('https://h/a b')).toMatchObject({ code: 'bad-charset' });
    expect(splitUri('mailto:x@y')).toMatchObject({ code: 'bad-digital-link' });
    expect(splitUri('https:///a')).toMatchObject({ code: 'bad-digital-link' });
    expect(splitUri('https://h')).toMatchObject({ code: 'bad-digital-link' });
    expect(splitUri('https://u:p@h/a')).toMatchObject({ code: 'bad-digital-link' });
  });
});
