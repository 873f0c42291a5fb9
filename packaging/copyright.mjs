// The package's machine-readable debian/copyright (DEP-5): the project (Apache-2.0), the GS1 AI
// table, and one paragraph per npm package the .deb carries, bundled into the .mjs files (their
// source maps list every bundled file) or shipped in /usr/lib/implant-scan/node_modules.
//   debianCopyright(root, ['/repo/node_modules/pino', …]) → "Format: https://www.debian.org/…"
// A package under a licence with no text in packaging/debian/copyright-licences fails the build.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

// npm's SPDX ids → DEP-5 short names (DEP-5 calls the MIT licence "Expat").
const DEP5_NAME = { MIT: 'Expat', ISC: 'ISC', '0BSD': '0BSD', 'BSD-3-Clause': 'BSD-3-Clause', 'Apache-2.0': 'Apache-2.0' };

/** The package directories (under root/node_modules) whose files esbuild bundled, from a source map. */
export function bundledPackages(root, mapFile) {
  const map = JSON.parse(readFileSync(mapFile, 'utf8'));
  const dirs = new Set();
  for (const source of map.sources) {
    const file = resolve(dirname(mapFile), source);
    const at = file.lastIndexOf(`${'/'}node_modules/`);
    if (at < 0) continue;
    const [scopeOrName, name] = file.slice(at + '/node_modules/'.length).split('/');
    dirs.add(file.slice(0, at + '/node_modules/'.length) + (scopeOrName.startsWith('@') ? `${scopeOrName}/${name}` : scopeOrName));
  }
  return [...dirs].filter((d) => existsSync(join(d, 'package.json'))).sort();
}

/** "Copyright (c) 2017 Joshua Wise" lines from a package's licence files; its author otherwise. */
function holders(dir, manifest) {
  const author = (typeof manifest.author === 'string' ? manifest.author : manifest.author?.name) ?? `the ${manifest.name} authors`;
  const lines = new Set();
  for (const file of readdirSync(dir).filter((f) => /^(LICEN[CS]E|COPYING|NOTICE|CopyrightNotice)/i.test(f))) {
    for (const line of readFileSync(join(dir, file), 'utf8').split(/\r?\n/)) {
      // A notice starts with a year or a (c) sign; "Copyright License" and "[yyyy]" are licence text.
      const m = /^\s*[*#/]*\s*Copyright\s+(\(c\)\s*|\(C\)\s*|©\s*)?(.*)$/.exec(line);
      if (!m || !(m[1] || /^\d{4}/.test(m[2])) || m[2].includes('[yyyy]')) continue;
      const holder = m[2].trim().replaceAll('&lt;', '<').replaceAll('&gt;', '>');
      lines.add(/[A-Za-z]/.test(holder) ? holder : `${holder} ${author}`.trim());
    }
  }
  return lines.size ? [...lines] : [author];
}

function licenceOf(manifest) {
  const spdx = typeof manifest.license === 'string' ? manifest.license : manifest.license?.type;
  const name = DEP5_NAME[spdx];
  if (!name) throw new Error(`${manifest.name}: licence ${JSON.stringify(spdx)} has no text in packaging/debian/copyright-licences`);
  return name;
}

const field = (name, values) => `${name}: ${values[0]}${values.slice(1).map((v) => `\n ${v}`).join('')}`;

export function debianCopyright(root, packageDirs) {
  const texts = readFileSync(join(root, 'packaging/debian/copyright-licences'), 'utf8').trim();
  const paragraphs = [
    [
      'Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/',
      'Upstream-Name: implant-scan',
      'Comment: A native package built by packaging/build-deb.mjs from the repository and its',
      ' node_modules. The Files patterns below are paths in that source tree; the npm packages',
      ' are bundled into /usr/lib/implant-scan/*.mjs or shipped in /usr/lib/implant-scan/node_modules.',
    ].join('\n'),
    'Files: *\nCopyright: 2025-2026 Implant Scan maintainers\nLicense: Apache-2.0',
    [
      'Files: protocol/udi/gs1/ai-table.generated.ts',
      'Copyright: GS1 AISBL',
      ' the BWIPP and Zint projects',
      'License: Apache-2.0',
      'Comment: Generated from the GS1 Barcode Syntax Dictionary.',
    ].join('\n'),
  ];
  const seen = new Set();
  for (const dir of packageDirs) {
    const rel = relative(root, dir);
    if (seen.has(rel)) continue;
    seen.add(rel);
    const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
    paragraphs.push(`Files: ${rel}/*\n${field('Copyright', holders(dir, manifest))}\nLicense: ${licenceOf(manifest)}`);
  }
  // better-sqlite3's binary has SQLite compiled in.
  if (seen.has('node_modules/better-sqlite3')) paragraphs.push('Files: node_modules/better-sqlite3/deps/sqlite3/*\nCopyright: none: the SQLite authors dedicate SQLite to the public domain\nLicense: public-domain');
  return `${paragraphs.join('\n\n')}\n\n${texts}\n`;
}
