// The engine baseline is optional: without GS1_ENGINE_JS it is skipped with a message, never an
// error. With it (a developer's machine), it must be configured for the full validation.
import { describe, expect, it } from 'vitest';
import { GS1_ENGINE_ENV, loadGs1Engine } from './gs1-engine.ts';

describe('loadGs1Engine', () => {
  it('skips with a message naming the variable when it is not set', async () => {
    const r = await loadGs1Engine({});
    expect('skipped' in r && r.skipped).toContain(GS1_ENGINE_ENV);
  });
  it('skips with a message when the file is not there', async () => {
    const r = await loadGs1Engine({ [GS1_ENGINE_ENV]: '/nonexistent/gs1encoder-wasm.mjs' });
    expect('skipped' in r && r.skipped).toContain('/nonexistent');
  });
  it.skipIf(!process.env[GS1_ENGINE_ENV])('validates like a GS1 parser: check digits, dates, req rules', async () => {
    const r = await loadGs1Engine();
    if (!('engine' in r)) throw new Error(r.skipped);
    const e = r.engine;
    expect(e.configuration.join('\n')).toMatch(/RequisiteAIs \(req\) on/);
    expect(e.configuration.join('\n')).toMatch(/permitUnknownAIs: no/);
    expect(e.scanData(']d2010950600013435217290131\x1d10AB-123')).toBe(true);
    expect(e.hri()).toEqual(['(01) 09506000134352', '(17) 290131', '(10) AB-123']);
    expect(e.scanData(']d20109506000134353')).toBe(false); // check digit
    expect(e.scanData(']d2010950600013435217291331')).toBe(false); // month 13
    expect(e.scanData(']d21012')).toBe(false); // (10) requires (01)
    expect(e.aiDataStr('(01)09506000134352(10)AB')).toBe(true);
    expect(e.scanData(']Q1https://id.gs1.org/01/09506000134352/10/AB')).toBe(true);
  });
});
