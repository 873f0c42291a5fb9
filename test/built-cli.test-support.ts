// The CLI bundled as users run it (esbuild, native addons external), for tests that start it as a
// child process. Each test file gets its own copy, so parallel files never read a half-written
// bundle; it lives under node_modules/ so the external addons resolve.
//   const cli = await buildCli();   spawn(process.execPath, [cli, 'gateway', '--config', file])
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { build } from 'esbuild';

const ROOT = join(import.meta.dirname, '..');
let built: Promise<string> | null = null;

export function buildCli(): Promise<string> {
  built ??= (async () => {
    const dir = join(ROOT, 'node_modules', '.cache', 'implant-scan-tests');
    await mkdir(dir, { recursive: true });
    const outfile = join(dir, `cli-${process.pid}.mjs`);
    await build({
      entryPoints: [join(ROOT, 'cli', 'main.ts')],
      outfile,
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      external: ['serialport', '@serialport/*', 'better-sqlite3'],
      banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
      logLevel: 'error',
    });
    return outfile;
  })();
  return built;
}
