// Bundles the TypeScript sources with esbuild: the CLI (which is also the gateway bundle:
// one file, native addons external) and the benchmark runner.
import { build } from 'esbuild';
import { existsSync } from 'node:fs';

const common = {
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  sourcemap: true,
  // The gateway bundle must stay under 2 MB on the Pi; names are kept for readable stack traces.
  minify: true,
  keepNames: true,
  legalComments: 'linked',
  // Native addons and their loaders stay outside the bundle; npm installs them.
  external: ['serialport', '@serialport/*', 'better-sqlite3'],
  // esbuild's ESM output needs require() for CommonJS dependencies.
  banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
  logLevel: 'warning',
};

// Every command in one file, and the gateway daemon alone (what a theatre gateway runs).
await build({ ...common, entryPoints: { 'implant-scan': 'cli/main.ts', 'implant-scan-gateway': 'cli/gateway-main.ts' }, outdir: 'dist', outExtension: { '.js': '.mjs' } });
if (existsSync('bench/main.ts')) {
  await build({ ...common, entryPoints: { bench: 'bench/main.ts' }, outdir: 'dist', outExtension: { '.js': '.mjs' } });
}
