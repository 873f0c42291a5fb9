// Generates protocol/udi/gs1/ai-table.generated.ts from the GS1 Barcode Syntax Dictionary
// (gs1-syntax-dictionary.txt of github.com/gs1/gs1-syntax-dictionary), given by path:
//   npm run generate -- --dictionary path/to/gs1-syntax-dictionary.txt
//   GS1_SYNTAX_DICTIONARY=path/to/gs1-syntax-dictionary.txt npm run generate
//   node scripts/generate-ai-table.mjs --check --dictionary …   (exit 1 when the table is stale)
// A dictionary line such as
//   3100-3105  *?  N6   req=01,02 ex=310n   # NET WEIGHT (kg)
// becomes six AiEntry literals, 3100 … 3105. The runtime imports the generated file only; it never
// reads the dictionary. Anything the parser does not understand stops the generator: a new dictionary
// release must be looked at, not half-read.

import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const TARGET = resolve(root, 'protocol/udi/gs1/ai-table.generated.ts');

const FLAG_CHARS = new Set('*!?"$%&\'()+,-./:;<=>@[\\]^_`{|}~');
const AI_LIST = /^\d\d(?:\d\d?|\dn|nn)?$/; // an AI, or a pattern such as 31nn or 394n (n: any digit)
// Component: optional "[", type, optional "..", length, optional "]", then ",linter" repeated.
// Anchored and free of nested quantifiers: it runs on our own dictionary at build time only.
const COMPONENT = /^(\[?)([NXYZ])(\.\.)?(\d+)(\]?)((?:,[a-z0-9]+)*)$/;

function fail(lineNo, msg) {
  throw new Error(`gs1-syntax-dictionary.txt line ${lineNo}: ${msg}`);
}

function parseAiList(text, lineNo, what) {
  const list = text.split(',');
  for (const ai of list) if (!AI_LIST.test(ai)) fail(lineNo, `bad AI "${ai}" in ${what}`);
  return list;
}

function expandRange(token, lineNo) {
  const [from, to, extra] = token.split('-');
  if (extra !== undefined || !/^\d{2,4}$/.test(from) || (to !== undefined && !/^\d{2,4}$/.test(to))) fail(lineNo, `bad AI "${token}"`);
  if (to === undefined) return [from];
  if (to.length !== from.length || Number(to) < Number(from)) fail(lineNo, `bad AI range "${token}"`);
  const ais = [];
  for (let n = Number(from); n <= Number(to); n++) ais.push(String(n).padStart(from.length, '0'));
  return ais;
}

function parseComponent(token, lineNo) {
  const m = COMPONENT.exec(token);
  if (m === null) fail(lineNo, `bad component "${token}"`);
  const [, open, type, dots, len, close, linterText] = m;
  if (open !== '' && close === '') fail(lineNo, `unclosed "[" in "${token}"`);
  if (open === '' && close !== '') fail(lineNo, `stray "]" in "${token}"`);
  const max = Number(len);
  if (max < 1) fail(lineNo, `zero length in "${token}"`);
  return {
    type,
    min: dots === undefined ? max : 1,
    max,
    optional: open === '[',
    linters: linterText === '' ? [] : linterText.slice(1).split(','),
  };
}

function parseLine(raw, lineNo) {
  const hash = raw.indexOf('#');
  const body = hash < 0 ? raw : raw.slice(0, hash);
  const title = hash < 0 ? '' : raw.slice(hash + 1).trim();
  const tokens = body.trim().split(/\s+/);
  const ais = expandRange(tokens[0], lineNo);
  let i = 1;
  let flags = '';
  if (i < tokens.length && [...tokens[i]].every((c) => FLAG_CHARS.has(c))) flags = tokens[i++];
  const components = [];
  while (i < tokens.length && /^\[?[NXYZ]/.test(tokens[i])) components.push(parseComponent(tokens[i++], lineNo));
  if (components.length === 0) fail(lineNo, 'no specification');
  components.forEach((c, k) => {
    if (c.min !== c.max && k !== components.length - 1) fail(lineNo, 'only the last component may have variable length');
    if (!c.optional && k > 0 && components[k - 1].optional) fail(lineNo, 'a mandatory component follows an optional one');
  });
  const req = [];
  const ex = [];
  let dlpkey = null;
  for (; i < tokens.length; i++) {
    const t = tokens[i];
    if (t.startsWith('req=')) {
      req.push(t.slice(4).split(',').map((alt) => parseAiList(alt.replaceAll('+', ','), lineNo, t)));
    } else if (t.startsWith('ex=')) {
      for (const ai of parseAiList(t.slice(3), lineNo, t)) if (!ex.includes(ai)) ex.push(ai);
    } else if (t === 'dlpkey') {
      dlpkey = [[]];
    } else if (t.startsWith('dlpkey=')) {
      dlpkey = t.slice(7).split('|').map((seq) => parseAiList(seq, lineNo, t));
    } else {
      fail(lineNo, `unknown attribute "${t}"`);
    }
  }
  return ais.map((ai) => ({
    ai,
    predefinedLength: flags.includes('*'),
    dlDataAttribute: flags.includes('?'),
    title,
    components,
    req,
    ex,
    dlpkey,
  }));
}

export function parseDictionary(text) {
  const release = /^# Release: (\S+)$/m.exec(text)?.[1];
  if (release === undefined) throw new Error('gs1-syntax-dictionary.txt: no "# Release:" line');
  const entries = [];
  const seen = new Set();
  text.split(/\r?\n/).forEach((line, n) => {
    if (line.trim() === '' || line.startsWith('#')) return;
    for (const e of parseLine(line, n + 1)) {
      if (seen.has(e.ai)) fail(n + 1, `AI ${e.ai} defined twice`);
      seen.add(e.ai);
      entries.push(e);
    }
  });
  return { release, entries };
}

const lit = (v) => JSON.stringify(v).replaceAll('"', "'");

function entryLiteral(e) {
  const comps = e.components
    .map((c) => `{ type: '${c.type}', min: ${c.min}, max: ${c.max}, optional: ${c.optional}, linters: ${lit(c.linters)} }`)
    .join(', ');
  return (
    `  { ai: '${e.ai}', predefinedLength: ${e.predefinedLength}, dlDataAttribute: ${e.dlDataAttribute}, ` +
    `title: ${JSON.stringify(e.title)}, components: [${comps}], req: ${lit(e.req)}, ex: ${lit(e.ex)}, dlpkey: ${lit(e.dlpkey)} },`
  );
}

export function render({ release, entries }) {
  return [
    '// GENERATED FILE: do not edit; run `npm run generate` (scripts/generate-ai-table.mjs).',
    `// Source: GS1 Barcode Syntax Dictionary (gs1-syntax-dictionary.txt), release ${release}.`,
    '//',
    '// Copyright (c) 2020-2021 BWIPP project. https://bwipp.terryburton.co.uk/',
    '// Copyright (c) 2020-2021 Zint Project. https://zint.org.uk/',
    '// Copyright (c) 2021-2026 GS1 AISBL',
    '// Licensed under the Apache License, Version 2.0 (the "License"); you may not use this file except',
    '// in compliance with the License. You may obtain a copy of the License at',
    '//     http://www.apache.org/licenses/LICENSE-2.0',
    '// Unless required by applicable law or agreed to in writing, software distributed under the License',
    '// is distributed on an "AS IS" BASIS, WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND, either express',
    '// or implied. See the License for the specific language governing permissions and limitations.',
    '',
    "import type { AiEntry } from './ai-entry.ts';",
    '',
    `export const DICTIONARY_RELEASE = '${release}';`,
    '',
    `/** ${entries.length} Application Identifiers, ranges expanded, in dictionary order. */`,
    'export const AI_ENTRIES: readonly AiEntry[] = [',
    ...entries.map(entryLiteral),
    '];',
    '',
  ].join('\n');
}

// `--check` writes nothing and fails when the committed table is not what the dictionary gives.
if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({ options: { dictionary: { type: 'string' }, check: { type: 'boolean' } } });
  const source = values.dictionary ?? process.env.GS1_SYNTAX_DICTIONARY;
  if (!source) {
    console.error('generate-ai-table: which dictionary? Give --dictionary FILE or GS1_SYNTAX_DICTIONARY=FILE (gs1-syntax-dictionary.txt of github.com/gs1/gs1-syntax-dictionary).');
    process.exit(2);
  }
  const table = parseDictionary(readFileSync(source, 'utf8'));
  const text = render(table);
  if (values.check) {
    let current = '';
    try {
      current = readFileSync(TARGET, 'utf8');
    } catch {}
    if (current !== text) {
      console.error(`${TARGET} is stale: run npm run generate`);
      process.exit(1);
    }
    console.log(`${TARGET} is up to date (${table.entries.length} AIs, release ${table.release})`);
  } else {
    writeFileSync(TARGET, text);
    console.log(`wrote ${TARGET}: ${table.entries.length} AIs, dictionary release ${table.release}`);
  }
}
