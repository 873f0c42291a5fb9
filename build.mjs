// Bundles the TypeScript sources with esbuild into dist/:
//   implant-scan.mjs          the CLI; each command is its own chunk under dist/chunks/, loaded by
//                             cli/main.ts's import() only when that command runs (start-up of
//                             `implant-scan parse` stays close to a bare `node`)
//   implant-scan-gateway.mjs  the theatre daemon alone, one file (what the systemd unit runs)
//   bench.mjs                 the benchmark runner
import { build } from 'esbuild';
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const common = {
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  // Read only when source maps are on (bin/ turns them on for --log-level debug): stacks name .ts lines.
  sourcemap: true,
  // Whitespace and syntax minified, names left as written: stack traces stay readable, and no
  // keepNames helper runs each time a closure is made (that cost the gateway ~20 % of its CPU per
  // scan in a burst). The gateway bundle must stay under 2 MB on the Pi.
  minifyWhitespace: true,
  minifySyntax: true,
  legalComments: 'linked',
  // Native addons and their loaders stay outside the bundle; npm installs them.
  external: ['serialport', '@serialport/*', 'better-sqlite3'],
  // esbuild's ESM output needs require() for CommonJS dependencies (each chunk gets its own).
  banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
  outdir: 'dist',
  outExtension: { '.js': '.mjs' },
  logLevel: 'warning',
};

rmSync('dist/chunks', { recursive: true, force: true }); // chunks of an earlier build have other hashes
await build({ ...common, entryPoints: { 'implant-scan': 'cli/main.ts' }, splitting: true, chunkNames: 'chunks/[name]-[hash]', legalComments: 'external' });
// One licence file for the CLI, as for the other bundles (the .deb ships it as LEGAL.txt).
const legal = readdirSync('dist/chunks').filter((f) => f.endsWith('.LEGAL.txt'));
writeFileSync('dist/implant-scan.mjs.LEGAL.txt', [...new Set(legal.flatMap((f) => readFileSync(join('dist/chunks', f), 'utf8').split('\n\n')))].join('\n\n'));
for (const f of legal) rmSync(join('dist/chunks', f));
await build({ ...common, entryPoints: { 'implant-scan-gateway': 'cli/gateway-main.ts' } });
if (existsSync('bench/main.ts')) await build({ ...common, entryPoints: { bench: 'bench/main.ts' } });
