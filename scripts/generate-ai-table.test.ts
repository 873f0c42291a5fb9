// The generated AI table, and against the dictionary it comes from when one is given:
//   GS1_SYNTAX_DICTIONARY=path/to/gs1-syntax-dictionary.txt npx vitest run scripts/generate-ai-table.test.ts
// (.ci/run gives it). Then `generate-ai-table.mjs --check` must find the table current, and the
// counts are recomputed here from the raw dictionary by a different route (first column only).

import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { AI_ENTRIES, DICTIONARY_RELEASE } from '../protocol/udi/gs1/ai-table.generated.ts';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const dictionaryPath = process.env.GS1_SYNTAX_DICTIONARY;
const dictionary = dictionaryPath ? readFileSync(dictionaryPath, 'utf8') : '';
const NO_DICTIONARY = 'skipped: no GS1_SYNTAX_DICTIONARY=path/to/gs1-syntax-dictionary.txt given';
if (!dictionaryPath) console.warn(`generate-ai-table.test.ts: the checks against the dictionary are ${NO_DICTIONARY}`);
const generated = readFileSync(resolve(root, 'protocol/udi/gs1/ai-table.generated.ts'), 'utf8');
const entry = (ai: string) => AI_ENTRIES.find((e) => e.ai === ai);

describe.skipIf(!dictionaryPath)(`generate-ai-table against the dictionary (${dictionaryPath ?? NO_DICTIONARY})`, () => {
  it('has written what the dictionary gives today (run npm run generate if not)', () => {
    expect(() => execFileSync(process.execPath, [resolve(root, 'scripts/generate-ai-table.mjs'), '--check', '--dictionary', dictionaryPath!], { stdio: 'pipe' })).not.toThrow();
  });

  it('holds one entry per AI, ranges expanded', () => {
    let expected = 0;
    for (const line of dictionary.split('\n')) {
      if (line.trim() === '' || line.startsWith('#')) continue;
      const first = line.trim().split(' ')[0] ?? '';
      const [from, to] = first.split('-');
      expected += to === undefined ? 1 : Number(to) - Number(from) + 1;
    }
    expect(AI_ENTRIES.length).toBe(expected);
    expect(new Set(AI_ENTRIES.map((e) => e.ai)).size).toBe(expected);
    // A few ranges counted by hand: 3100-3105 (6), 3900-3909 (10), 3940-3943 (4), 91-99 (9).
    expect(AI_ENTRIES.filter((e) => /^310\d$/.test(e.ai)).map((e) => e.ai)).toEqual(['3100', '3101', '3102', '3103', '3104', '3105']);
    expect(AI_ENTRIES.filter((e) => /^390\d$/.test(e.ai))).toHaveLength(10);
    expect(AI_ENTRIES.filter((e) => /^394\d$/.test(e.ai)).map((e) => e.ai)).toEqual(['3940', '3941', '3942', '3943']);
    expect(AI_ENTRIES.filter((e) => /^9[1-9]$/.test(e.ai))).toHaveLength(9);
  });
});

describe('generate-ai-table, the generated table', () => {
  it('states its source, licence and that it is generated', () => {
    expect(DICTIONARY_RELEASE).toBe('2026-01-27');
    expect(generated).toContain('GENERATED FILE: do not edit; run `npm run generate`');
    expect(generated).toContain('release 2026-01-27');
    expect(generated).not.toContain('../');
    expect(generated).toContain('BWIPP project');
    expect(generated).toContain('Zint Project');
    expect(generated).toContain('GS1 AISBL');
    expect(generated).toContain('Apache License, Version 2.0');
  });

  it('reads (01) and (17)', () => {
    expect(entry('01')).toEqual({
      ai: '01', predefinedLength: true, dlDataAttribute: true, title: 'GTIN',
      components: [{ type: 'N', min: 14, max: 14, optional: false, linters: ['csum', 'gcppos2'] }],
      req: [], ex: ['255', '37'], dlpkey: [['22', '10', '21'], ['235']],
    });
    expect(entry('17')).toEqual({
      ai: '17', predefinedLength: true, dlDataAttribute: true, title: 'USE BY or EXPIRY',
      components: [{ type: 'N', min: 6, max: 6, optional: false, linters: ['yymmd0'] }],
      req: [[['01'], ['02'], ['03'], ['255'], ['8006'], ['8026']]], ex: [], dlpkey: null,
    });
  });

  it('reads ranges, optional components, several linters, Z type and odd spacing', () => {
    expect(entry('3103')).toMatchObject({ predefinedLength: true, title: 'NET WEIGHT (kg)', req: [[['01'], ['02']]], ex: ['310n'] });
    expect(entry('253')?.components).toEqual([
      { type: 'N', min: 13, max: 13, optional: false, linters: ['csum', 'gcppos1'] },
      { type: 'X', min: 1, max: 17, optional: true, linters: [] },
    ]);
    expect(entry('253')?.dlpkey).toEqual([[]]);
    expect(entry('8003')?.components.map((c) => [c.type, c.min, c.max, c.optional, c.linters])).toEqual([
      ['N', 1, 1, false, ['zero']],
      ['N', 13, 13, false, ['csum', 'gcppos1']],
      ['X', 1, 16, true, []],
    ]);
    expect(entry('8030')).toMatchObject({ title: 'DIGSIG', components: [{ type: 'Z', min: 1, max: 90, optional: false, linters: [] }] });
    expect(entry('8030')?.req[0]).toContainEqual(['01', '21']);
    expect(entry('8014')?.components[0]?.linters).toEqual(['csumalpha', 'gcppos1', 'hasnondigit']);
    expect(entry('414')?.dlpkey).toEqual([['254'], ['7040']]);
    expect(entry('3955')).toMatchObject({ title: 'PRICE/UoM', ex: ['392n', '393n', '395n', '8005'], req: [[['30'], ['31nn'], ['32nn'], ['35nn'], ['36nn']]] });
    expect(entry('8110')).toMatchObject({ title: '', components: [{ type: 'X', max: 70, linters: ['couponcode'] }] });
    expect(entry('423')?.components.map((c) => c.optional)).toEqual([false, true, true, true, true]);
  });

  it('keeps each req as its own rule and merges ex', () => {
    expect(entry('250')?.req).toEqual([[['01'], ['8006']], [['21']]]);
    expect(entry('3920')?.req).toEqual([[['01']], [['30'], ['31nn'], ['32nn'], ['35nn'], ['36nn']]]);
    expect(entry('7004')?.req).toEqual([[['01', '10']]]);
    expect(entry('3900')?.ex).toEqual(['390n', '391n', '394n', '8111']);
  });

  it('reads (91) to (99) as one line each and flags that are absent', () => {
    for (let n = 91; n <= 99; n++) expect(entry(String(n))).toMatchObject({ title: 'INTERNAL', predefinedLength: false, dlDataAttribute: true });
    expect(entry('21')).toMatchObject({ predefinedLength: false, dlDataAttribute: false });
  });
});
