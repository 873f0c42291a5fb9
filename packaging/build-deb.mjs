// Builds dist/implant-scan_<version>_<arch>.deb (npm run package:deb): the esbuild bundle, the
// native runtime modules from node_modules (built for THIS machine, hence its dpkg architecture),
// a /usr/bin wrapper, the systemd units, the udev rule and example configs.
//   node packaging/build-deb.mjs [--out DIR] [--no-sourcemap]     → prints the .deb's path
import { execFileSync } from 'node:child_process';
import { chmodSync, cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const { values: opts } = parseArgs({ options: { out: { type: 'string' }, 'no-sourcemap': { type: 'boolean' } } });
const outDir = opts.out ?? join(root, 'dist');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const arch = execFileSync('dpkg', ['--print-architecture'], { encoding: 'utf8' }).trim();
const LIB = 'usr/lib/implant-scan';

// Native modules stay outside the bundle (build.mjs `external`); these are the roots of what we copy.
const ROOTS = ['serialport', 'better-sqlite3', ...readdirSync(join(root, 'node_modules/@serialport')).map((n) => `@serialport/${n}`)];
// better-sqlite3 lists prebuild-install in `dependencies`, but it only runs at `npm install` (to fetch
// the binary); lib/ never requires it. Its closure (tar-fs, simple-get, …) would be dead weight.
// node-addon-api is C++ headers for compiling @serialport/bindings-cpp.
const INSTALL_ONLY = new Set(['prebuild-install', 'node-addon-api']);

if (!existsSync(join(root, 'dist/implant-scan.mjs')) || !existsSync(join(root, 'dist/implant-scan-gateway.mjs'))) execFileSync(process.execPath, ['build.mjs'], { cwd: root, stdio: 'inherit' });

/** Node's lookup: <dir>/node_modules/<name>, then each parent's, up to the repository root. */
function resolvePackage(name, fromDir) {
  for (let d = fromDir; ; d = dirname(d)) {
    const candidate = join(d, 'node_modules', name);
    if (existsSync(join(candidate, 'package.json'))) return candidate;
    if (d === root || d === dirname(d)) return null;
  }
}

/** The runtime dependency closure: package directories, nested copies included. */
function closure() {
  const found = new Set();
  const visit = (dir) => {
    if (found.has(dir)) return;
    found.add(dir);
    const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
    const optional = manifest.optionalDependencies ?? {};
    for (const name of Object.keys({ ...manifest.dependencies, ...optional })) {
      if (INSTALL_ONLY.has(name)) continue;
      const dep = resolvePackage(name, dir);
      if (dep) visit(dep);
      else if (!(name in optional)) throw new Error(`${relative(root, dir)} needs ${name}, which is not in node_modules: run npm ci`);
    }
  };
  for (const name of ROOTS) visit(resolvePackage(name, root) ?? fail(`node_modules/${name} is missing: run npm ci`));
  return [...found].sort();
}

function fail(message) {
  throw new Error(message);
}

// Only production files: no C/C++ sources (src/ and deps/ of a native module only: debug's src/
// is its JavaScript), build intermediates, type declarations or docs; prebuilt binaries for this
// platform only (glibc: Debian).
const NATIVE_SOURCES = new Set(['src', 'deps']);
const SKIP_DIRS = new Set(['node_modules', 'test', 'tests', '__tests__', 'docs', 'example', 'examples', 'benchmark', '.github', 'obj', 'obj.target', '.deps']);
const SKIP_FILE = /(\.d\.[cm]?ts|\.ts|\.map|\.md|\.gypi?|\.[ao]|\.mk|\.musl\.node|^Makefile|^\.npmignore|^tsconfig.*\.json|^test_extension\.node)$/i;
function keep(src, pkgDir) {
  const rel = relative(pkgDir, src);
  if (rel === '') return true;
  const parts = rel.split(sep);
  const name = parts.at(-1);
  const isDir = statSync(src).isDirectory();
  if (isDir && (SKIP_DIRS.has(name) || (parts.length === 1 && NATIVE_SOURCES.has(name) && existsSync(join(pkgDir, 'binding.gyp'))))) return false;
  if (parts[0] === 'prebuilds' && parts.length >= 2 && parts[1] !== `linux-${process.arch}`) return false;
  if (parts[0] === 'build' && !isDir && !name.endsWith('.node')) return false;
  if (name.startsWith('.')) return false;
  return isDir || /^(LICEN[CS]E|COPYING|NOTICE)/i.test(name) || !SKIP_FILE.test(name);
}

const staging = mkdtempSync(join(tmpdir(), 'implant-scan-deb-'));
try {
  const put = (path, content, mode = 0o644) => {
    mkdirSync(dirname(join(staging, path)), { recursive: true });
    writeFileSync(join(staging, path), content, { mode });
    chmodSync(join(staging, path), mode);
  };
  const copy = (from, to) => put(to, readFileSync(join(root, from)));

  copy('dist/implant-scan.mjs', `${LIB}/implant-scan.mjs`);
  // The CLI's commands are chunks it imports when run (build.mjs).
  for (const f of readdirSync(join(root, 'dist/chunks'))) if (f.endsWith('.mjs') || (f.endsWith('.mjs.map') && !opts['no-sourcemap'])) copy(`dist/chunks/${f}`, `${LIB}/chunks/${f}`);
  copy('dist/implant-scan-gateway.mjs', `${LIB}/implant-scan-gateway.mjs`);
  if (!opts['no-sourcemap'] && existsSync(join(root, 'dist/implant-scan.mjs.map'))) copy('dist/implant-scan.mjs.map', `${LIB}/implant-scan.mjs.map`);
  if (existsSync(join(root, 'dist/implant-scan.mjs.LEGAL.txt'))) copy('dist/implant-scan.mjs.LEGAL.txt', `${LIB}/LEGAL.txt`);
  // The bundle's bare imports (better-sqlite3, serialport) resolve from /usr/lib/implant-scan/node_modules.
  const natives = [];
  for (const dir of closure()) {
    cpSync(dir, join(staging, LIB, relative(root, dir)), { recursive: true, filter: (src) => keep(src, dir) });
    if (existsSync(join(dir, 'binding.gyp'))) natives.push(dir);
  }
  execFileSync('find', [join(staging, LIB, 'node_modules'), '-type', 'd', '-empty', '-delete']); // left by the filter
  // Every root loads from the staged tree alone, native binaries included (a missing file or a
  // binary for another machine fails here, not on the Pi).
  const probe = `const r = require('node:module').createRequire(${JSON.stringify(join(staging, LIB, 'probe.js'))});
    for (const m of ${JSON.stringify(ROOTS)}) r(m);
    new (r('better-sqlite3'))(':memory:').close();`;
  execFileSync(process.execPath, ['-e', probe], { cwd: staging, env: { ...process.env, NODE_PATH: '' }, stdio: 'inherit' });

  put('usr/bin/implant-scan', '#!/bin/sh\n# Implant Scan CLI (see implant-scan --help).\nexec /usr/bin/node /usr/lib/implant-scan/implant-scan.mjs "$@"\n', 0o755);
  for (const unit of ['implant-scan-gateway.service', 'implant-scan-uplink.service']) copy(`packaging/systemd/${unit}`, `lib/systemd/system/${unit}`);
  copy('hw/udev/99-implant-scanner.rules', 'lib/udev/rules.d/99-implant-scanner.rules');
  copy('packaging/README.md', 'usr/share/doc/implant-scan/README.md');
  // gateway/README.md's example; every other field has a default (gateway/config.ts).
  const gatewayExample = {
    site: 'sahlgrenska',
    theatre: 'or-7',
    gateway: 'gw-or7',
    dataDir: '/var/lib/implant-scan',
    scanner: { path: '/dev/implant-scanner', baudRate: 9600 },
    broker: { url: 'mqtts://broker.hospital.local:8883', tls: { ca: '/etc/implant-scan/ca.pem', cert: '/etc/implant-scan/gw.pem', key: '/etc/implant-scan/gw.key' } },
    indicator: { driver: 'none' },
  };
  put('etc/implant-scan/gateway.json.example', `${JSON.stringify(gatewayExample, null, 2)}\n`);
  put(
    'etc/implant-scan/uplink.env.example',
    `# Copy to /etc/implant-scan/uplink.env for implant-scan-uplink.service (see implant-scan uplink --help).
SITE=sahlgrenska
BROKER=mqtts://broker.hospital.local:8883
NATIONAL=https://national.example/
# Extra options, split on spaces, e.g. --token-file /etc/implant-scan/national.token --tls-ca … --log-level info
UPLINK_OPTS=
`,
  );

  const conffiles = ['/etc/implant-scan/gateway.json.example', '/etc/implant-scan/uplink.env.example'];
  const installedKiB = Math.ceil(Number(execFileSync('du', ['-sk', '--exclude=DEBIAN', staging], { encoding: 'utf8' }).split('\t')[0]));
  put(
    'DEBIAN/control',
    `Package: implant-scan
Version: ${pkg.version}
Architecture: ${arch}
Maintainer: ${process.env.DEB_MAINTAINER ?? 'Implant Scan maintainers <implant-scan@localhost>'}
Depends: nodejs (>= 20), adduser
Recommends: udev, systemd
Section: misc
Priority: optional
Installed-Size: ${installedKiB}
Description: Implant Scan: implant package barcode to national registry
 The theatre gateway daemon (scanner, local outbox, hospital broker), the hospital
 uplink to the national service, and the implant-scan command-line tool.
 Services are installed disabled: write /etc/implant-scan/gateway.json, then
 systemctl enable --now implant-scan-gateway.
`,
  );
  put('DEBIAN/conffiles', conffiles.join('\n') + '\n');
  const script = (body) => `#!/bin/sh\nset -e\n${body}\nexit 0\n`;
  put(
    'DEBIAN/postinst',
    script(`if [ "$1" = configure ]; then
  if ! getent passwd implant-scan >/dev/null; then
    adduser --system --group --no-create-home --home /nonexistent --quiet implant-scan
  fi
  if getent group dialout >/dev/null && ! id -nG implant-scan | grep -qw dialout; then
    adduser --quiet implant-scan dialout
  fi
  if command -v udevadm >/dev/null; then
    udevadm control --reload-rules || true
    udevadm trigger --subsystem-match=tty --action=change || true
  fi
  if [ -d /run/systemd/system ]; then
    systemctl daemon-reload || true
    # Never enabled or started here (hospital IT does that after writing the config); an upgrade
    # restarts only what is already running, so it runs the new code.
    if [ -n "$2" ]; then systemctl try-restart implant-scan-gateway.service implant-scan-uplink.service || true; fi
  fi
fi`),
    0o755,
  );
  put(
    'DEBIAN/prerm',
    script(`if [ "$1" = remove ] && [ -d /run/systemd/system ]; then
  systemctl stop implant-scan-gateway.service implant-scan-uplink.service || true
  systemctl disable implant-scan-gateway.service implant-scan-uplink.service || true
fi`),
    0o755,
  );
  // The user and /var/lib/implant-scan* stay, even on purge: the outbox may hold unsent scans.
  put(
    'DEBIAN/postrm',
    script(`case "$1" in
  remove|purge)
    if [ -d /run/systemd/system ]; then systemctl daemon-reload || true; fi
    if command -v udevadm >/dev/null; then udevadm control --reload-rules || true; fi
    ;;
esac`),
    0o755,
  );

  // Predictable modes whatever the umask or node_modules held (the staging root itself is 0700).
  execFileSync('chmod', ['-R', 'u+rwX,go+rX,go-w', staging]);
  mkdirSync(outDir, { recursive: true });
  const deb = join(outDir, `implant-scan_${pkg.version}_${arch}.deb`);
  execFileSync('dpkg-deb', ['--build', '--root-owner-group', staging, deb], { stdio: ['ignore', 'ignore', 'inherit'] });
  const files = execFileSync('dpkg-deb', ['-c', deb], { encoding: 'utf8' }).split('\n').filter((l) => l.startsWith('-')).length;
  process.stderr.write(`${basename(deb)}: ${(statSync(deb).size / 1024).toFixed(0)} KiB, ${files} files, ${natives.length} native modules\n`);
  process.stdout.write(`${deb}\n`);
} finally {
  rmSync(staging, { recursive: true, force: true });
}
