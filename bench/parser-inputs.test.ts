// Each baseline gets the scan in the form it reads, or nothing when it cannot read that kind.
import { describe, expect, it } from 'vitest';
import { engineInput, modInput } from './parser-inputs.ts';

const es = '010950600013435217290131\x1d10AB-123';

describe('engineInput', () => {
  it('passes AIM-prefixed scan data as is', () => {
    expect(engineInput(`]d2${es}`)).toEqual({ api: 'scanData', text: `]d2${es}` });
    expect(engineInput(`]C1${es}`)).toEqual({ api: 'scanData', text: `]C1${es}` });
  });
  it('gives element strings without an AIM identifier the GS1 DataMatrix one, dropping a leading FNC1', () => {
    expect(engineInput(es)).toEqual({ api: 'scanData', text: `]d2${es}` });
    expect(engineInput(`\x1d${es}`)).toEqual({ api: 'scanData', text: `]d2${es}` });
  });
  it('reads the bracketed form with setAIdataStr and Digital Link as plain QR data', () => {
    expect(engineInput('(01)09506000134352(10)AB')).toEqual({ api: 'aiDataStr', text: '(01)09506000134352(10)AB' });
    expect(engineInput('https://id.gs1.org/01/09506000134352')).toEqual({ api: 'scanData', text: ']Q1https://id.gs1.org/01/09506000134352' });
    expect(engineInput(']Q1https://id.gs1.org/01/09506000134352')).toEqual({ api: 'scanData', text: ']Q1https://id.gs1.org/01/09506000134352' });
  });
  it('has nothing for HIBC', () => {
    expect(engineInput('+A99912345/$$52001510X3')).toBeNull();
  });
});

describe('modInput', () => {
  it('takes element strings with or without an AIM identifier, without a leading FNC1', () => {
    expect(modInput(`]d2${es}`)).toBe(`]d2${es}`);
    expect(modInput(`\x1d${es}`)).toBe(es);
    expect(modInput('(01)09506000134352')).toBe('(01)09506000134352');
  });
  it('has nothing for Digital Link and HIBC', () => {
    expect(modInput('https://id.gs1.org/01/09506000134352')).toBeNull();
    expect(modInput('+A99912345/$$52001510X3')).toBeNull();
  });
});
