import { describe, expect, it } from 'vitest';
import { splitSymbology } from './symbology.ts';

describe('splitSymbology', () => {
  it.each([
    [']C1', 'gs1'],
    [']d2', 'gs1'],
    [']Q3', 'gs1'],
    [']e0', 'gs1'],
    [']J1', 'gs1'],
    [']E0', 'ean'],
    [']E4', 'ean'],
    [']I1', 'ean'],
    [']d1', 'plain'],
    [']Q1', 'plain'],
    [']C0', 'plain'],
    [']A0', 'plain'],
  ])('%s is %s', (id, kind) => {
    expect(splitSymbology(`${id}0109506000134352`)).toEqual({ id, kind, data: '0109506000134352', malformed: false });
  });

  it('passes data without an identifier through', () => {
    expect(splitSymbology('+A99912345/$$52001510X3')).toEqual({ id: null, kind: 'none', data: '+A99912345/$$52001510X3', malformed: false });
  });

  it.each([']', ']d', ']1a', ']d\x1d', ']]]'])('flags a malformed identifier %j', (text) => {
    expect(splitSymbology(text)).toMatchObject({ id: null, malformed: true, data: text });
  });
});
