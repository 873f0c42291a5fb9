// Builds the Debian packages (npm run package:deb) into dist/:
//   implant-scan-gateway_<version>_<arch>.deb  a theatre's gateway: its bundle, serialport (no
//       better-sqlite3), its unit, the udev rule; for this machine or, with --arch, another one
//       (serialport's prebuilt binding for that architecture from node_modules)
//   implant-scan_<version>_<arch>.deb          a server's everything (CLI, uplink, broker and CRL
//       units, the gateway too): only for this machine, whose node_modules built better-sqlite3
//   implant-scan-sourcemap_<version>_all.deb   the bundles' source maps (unless --no-sourcemap)
// Native binaries are stripped; maintainer scripts, copyright, changelog and manual pages come
// from packaging/debian/.
//   node packaging/build-deb.mjs [--arch amd64|arm64|armhf] [--out DIR] [--no-sourcemap]   → prints each .deb's path
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, relative, sep } from 'node:path';
import { bundledPackages, debianCopyright } from './copyright.mjs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const { values: opts } = parseArgs({ options: { out: { type: 'string' }, 'no-sourcemap': { type: 'boolean' }, arch: { type: 'string' } } });
const outDir = opts.out ?? join(root, 'dist');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const hostArch = execFileSync('dpkg', ['--print-architecture'], { encoding: 'utf8' }).trim();
const arch = opts.arch ?? hostArch;
// dpkg's architecture → Node's process.arch (serialport's prebuilds/linux-<arch>/) and the GNU
// triplet of the binutils that strip its binaries (binutils-<triplet>, where it is not this machine).
const ARCHES = { amd64: { node: 'x64', triplet: 'x86_64-linux-gnu' }, arm64: { node: 'arm64', triplet: 'aarch64-linux-gnu' }, armhf: { node: 'arm', triplet: 'arm-linux-gnueabihf' } };
const target = ARCHES[arch] ?? fail(`--arch ${arch}: one of ${Object.keys(ARCHES).join(', ')}`);
const foreign = arch !== hostArch;
const LIB = 'usr/lib/implant-scan';

// Native modules stay outside the bundle (build.mjs `external`); these are the roots of what we copy.
const GATEWAY_ROOTS = ['serialport', ...readdirSync(join(root, 'node_modules/@serialport')).map((n) => `@serialport/${n}`)];
const SERVER_ROOTS = [...GATEWAY_ROOTS, 'better-sqlite3'];
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

/** The runtime dependency closure of ROOTS: package directories, nested copies included. */
function closure(roots) {
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
  for (const name of roots) visit(resolvePackage(name, root) ?? fail(`node_modules/${name} is missing: run npm ci`));
  return [...found].sort();
}

function fail(message) {
  throw new Error(message);
}

// Only production files: no C/C++ sources (src/ and deps/ of a native module only: debug's src/
// is its JavaScript), build intermediates, type declarations or docs; prebuilt binaries for the
// target only (glibc: Debian). For another architecture, what npm compiled here (build/) is useless.
const NATIVE_SOURCES = new Set(['src', 'deps']);
const SKIP_DIRS = new Set(['node_modules', 'test', 'tests', '__tests__', 'docs', 'example', 'examples', 'benchmark', '.github', 'obj', 'obj.target', '.deps']);
const SKIP_FILE = /(\.d\.[cm]?ts|\.ts|\.map|\.md|\.gypi?|\.[ao]|\.mk|\.musl\.node|^Makefile|^\.npmignore|^tsconfig.*\.json|^test_extension\.node)$/i;
const commandLineTools = (pkgDir) => {
  const { bin } = JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8'));
  return new Set(Object.values(typeof bin === 'string' ? { bin } : (bin ?? {})).map((p) => join(p)));
};
const compiledHere = (pkgDir) => existsSync(join(pkgDir, 'build/Release')) && readdirSync(join(pkgDir, 'build/Release')).some((f) => f.endsWith('.node'));
function keep(src, pkgDir) {
  const rel = relative(pkgDir, src);
  if (rel === '') return true;
  const parts = rel.split(sep);
  const name = parts.at(-1);
  const isDir = statSync(src).isDirectory();
  if (isDir && (SKIP_DIRS.has(name) || (parts.length === 1 && NATIVE_SOURCES.has(name) && existsSync(join(pkgDir, 'binding.gyp'))))) return false;
  if (parts[0] === 'prebuilds' && parts.length >= 2 && parts[1] !== `linux-${target.node}`) return false;
  if (parts[0] === 'build' && foreign) return false;
  // node-gyp-build loads build/Release first: a prebuilt copy beside it would be a second binary.
  if (parts[0] === 'prebuilds' && !foreign && compiledHere(pkgDir)) return false;
  if (parts[0] === 'build' && !isDir && !name.endsWith('.node')) return false;
  if (name.startsWith('.')) return false;
  if (commandLineTools(pkgDir).has(rel)) return false; // a package's `bin` scripts: nothing here runs them
  return isDir || /^(LICEN[CS]E|COPYING|NOTICE)/i.test(name) || !SKIP_FILE.test(name);
}

const MAINTAINER = process.env.DEB_MAINTAINER ?? 'Implant Scan maintainers <maintainers@implant-scan.invalid>';
const UNITS = readdirSync(join(root, 'packaging/systemd')).filter((u) => /\.(service|timer)$/.test(u)).sort();
const DEBIAN = join(root, 'packaging/debian');

const changelog = readFileSync(join(DEBIAN, 'changelog'), 'utf8');
const changelogVersion = /^implant-scan \(([^)]+)\)/.exec(changelog)?.[1];
if (changelogVersion !== pkg.version) fail(`packaging/debian/changelog's latest entry is ${changelogVersion}, package.json says ${pkg.version}: add an entry`);

/** A staging tree for one binary package, built into OUT/<name>_<version>_<arch>.deb. */
function stage(name) {
  const dir = mkdtempSync(join(tmpdir(), `${name}-deb-`));
  const put = (path, content, mode = 0o644) => {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), content, { mode });
    chmodSync(join(dir, path), mode);
  };
  const gzip = (path, content) => put(path, execFileSync('gzip', ['-9n'], { input: content }));
  const docs = (copyright) => {
    put(`usr/share/doc/${name}/copyright`, copyright);
    gzip(`usr/share/doc/${name}/changelog.gz`, changelog);
  };
  const build = (control) => {
    // Predictable modes whatever the umask or node_modules held (the staging root itself is 0700):
    // directories 0755, files 0644 unless put() made them executable.
    execFileSync('chmod', ['-R', 'u+rwX,go+rX,go-w', dir]);
    const files = execFileSync('find', ['.', '-path', './DEBIAN', '-prune', '-o', '-type', 'f', '-printf', '%P\\0'], { cwd: dir, encoding: 'utf8' }).split('\0').filter(Boolean).sort();
    put('DEBIAN/md5sums', files.length ? execFileSync('md5sum', ['--', ...files], { cwd: dir, encoding: 'utf8' }) : '');
    const installedKiB = Number(execFileSync('du', ['-sk', '--exclude=DEBIAN', dir], { encoding: 'utf8' }).split('\t')[0]);
    put('DEBIAN/control', `Package: ${name}\nVersion: ${pkg.version}\n${control.replace('\n', `\nMaintainer: ${MAINTAINER}\nInstalled-Size: ${installedKiB}\n`)}`);
    mkdirSync(outDir, { recursive: true });
    const arch = /^Architecture: (.+)$/m.exec(control)[1];
    const deb = join(outDir, `${name}_${pkg.version}_${arch}.deb`);
    execFileSync('dpkg-deb', ['--build', '--root-owner-group', dir, deb], { stdio: ['ignore', 'ignore', 'inherit'] });
    const count = execFileSync('dpkg-deb', ['-c', deb], { encoding: 'utf8' }).split('\n').filter((l) => l.startsWith('-')).length;
    process.stderr.write(`${basename(deb)}: ${(statSync(deb).size / 1024).toFixed(0)} KiB, ${count} files\n`);
    return deb;
  };
  return { name, dir, put, gzip, docs, build, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Debian packages for the libraries a native binary links (libc6, libstdc++6, …). Debian names a
 * library's package by its soname, the same on every architecture: this machine's own copy names it. */
function sharedLibraryPackages(binaries) {
  const cache = execFileSync('ldconfig', ['-p'], { encoding: 'utf8' });
  const packages = new Set();
  for (const binary of binaries) {
    // readelf (unlike objdump) reads every architecture's ELF.
    for (const [, soname] of execFileSync('readelf', ['-d', '-W', binary], { encoding: 'utf8' }).matchAll(/\(NEEDED\)\s+Shared library: \[(\S+)\]$/gm)) {
      // ldconfig -p: "\tlibc.so.6 (libc6,x86-64) => /lib/x86_64-linux-gnu/libc.so.6"
      const entry = cache.split('\n').find((l) => l.trim().startsWith(`${soname} (libc6`)) ?? fail(`${soname} (needed by ${basename(binary)}) is not installed`);
      const path = entry.split(' => ')[1].trim();
      // Merged /usr: dpkg may know the file under /lib rather than /usr/lib.
      const owner = [path, realpathSync(path)].flatMap((p) => [p, p.replace(/^\/usr\//, '/')]).map((p) => spawnSync('dpkg', ['-S', p], { encoding: 'utf8' })).find((r) => r.status === 0);
      packages.add((owner ?? fail(`no Debian package owns ${path}`)).stdout.split(':')[0]);
    }
  }
  return [...packages].sort();
}

/** Copies the closure of ROOTS into a stage's node_modules, strips its binaries (for the target) and
 * returns them; on this machine's architecture each root then loads from the staged tree alone. */
function shipModules(stage, roots) {
  const natives = [];
  for (const dir of closure(roots)) {
    cpSync(dir, join(stage.dir, LIB, relative(root, dir)), { recursive: true, filter: (src) => keep(src, dir) });
    if (existsSync(join(dir, 'binding.gyp'))) natives.push(relative(root, dir));
  }
  const nodeModules = join(stage.dir, LIB, 'node_modules');
  execFileSync('find', [nodeModules, '-type', 'd', '-empty', '-delete']); // left by the filter
  // Nothing under node_modules is run directly; a .node is dlopen()ed, which needs no x bit.
  execFileSync('find', [nodeModules, '-type', 'f', '-exec', 'chmod', '0644', '{}', '+']);
  const binaries = execFileSync('find', [nodeModules, '-name', '*.node', '-type', 'f'], { encoding: 'utf8' }).split('\n').filter(Boolean);
  for (const native of natives) {
    if (!binaries.some((b) => b.startsWith(join(stage.dir, LIB, native, sep)))) fail(`${native} has no binary for linux-${target.node} in node_modules (its prebuilds/ or, for this machine, build/Release/)`);
  }
  const strip = foreign ? `${target.triplet}-strip` : 'strip';
  if (spawnSync(strip, ['--version']).error) fail(`${strip} is missing: apt-get install binutils-${target.triplet.replace('x86_64', 'x86-64')}`);
  execFileSync(strip, ['--strip-unneeded', '--remove-section=.comment', '--remove-section=.note', ...binaries]);
  if (!foreign) {
    // A missing file or a binary for another machine fails here, not on the Pi. (Another
    // architecture's package is run under qemu by packaging/deb-foreign.test.ts.)
    const probe = `const r = require('node:module').createRequire(${JSON.stringify(join(stage.dir, LIB, 'probe.js'))});
      for (const m of ${JSON.stringify(roots)}) r(m);
      if (${roots.includes('better-sqlite3')}) new (r('better-sqlite3'))(':memory:').close();`;
    execFileSync(process.execPath, ['-e', probe], { cwd: stage.dir, env: { ...process.env, NODE_PATH: '' }, stdio: 'inherit' });
  }
  process.stderr.write(`${stage.name}: ${natives.length} native modules, ${binaries.length} binaries for ${arch}\n`);
  return binaries;
}

/** The copyright file of a package: every npm package bundled by its maps or shipped in its node_modules. */
const copyrightOf = (maps, roots) => debianCopyright(root, [...new Set([...maps.flatMap((m) => bundledPackages(root, join(root, m))), ...closure(roots)])].sort());

/** The maintainer scripts and debconf template, for a package that ships only UNITS. */
function maintainerScripts(stage, units) {
  const adapt = (text) => text.replace(/^UNITS=".*"$/m, `UNITS="${units.join(' ')}"`).replaceAll('implant-scan/purge-keys', `${stage.name}/purge-keys`);
  for (const script of ['postinst', 'prerm', 'postrm', 'config']) stage.put(`DEBIAN/${script}`, adapt(readFileSync(join(DEBIAN, script), 'utf8')), 0o755);
  stage.put('DEBIAN/templates', adapt(readFileSync(join(DEBIAN, 'templates'), 'utf8')));
}

/** What the gateway package holds, and the server package too: the daemon, its unit, the udev rule. */
function gatewayFiles(stage) {
  const bundle = 'implant-scan-gateway.mjs';
  stage.put(`${LIB}/${bundle}`, readFileSync(join(root, 'dist', bundle)));
  // The bundle's last comment names its LEGAL.txt; its licences are also in the copyright file.
  stage.put(`usr/share/doc/${stage.name}/${bundle}.LEGAL.txt`, readFileSync(join(root, `dist/${bundle}.LEGAL.txt`)));
  stage.put('usr/bin/implant-scan-gateway', '#!/bin/sh\n# Implant Scan theatre gateway (see implant-scan-gateway(1)).\nexec /usr/bin/node /usr/lib/implant-scan/implant-scan-gateway.mjs "$@"\n', 0o755);
  stage.gzip('usr/share/man/man1/implant-scan-gateway.1.gz', readFileSync(join(DEBIAN, 'implant-scan-gateway.1')));
  stage.put('lib/systemd/system/implant-scan-gateway.service', readFileSync(join(root, 'packaging/systemd/implant-scan-gateway.service')));
  stage.put('lib/udev/rules.d/99-implant-scanner.rules', readFileSync(join(root, 'hw/udev/99-implant-scanner.rules')));
  stage.put(`usr/share/doc/${stage.name}/README.md`, readFileSync(join(root, 'packaging/README.md')));
  stage.put('etc/implant-scan/gateway.json.example', readFileSync(join(root, 'packaging/gateway.json.example')));
}

const DESCRIPTION = `Description: implant package barcode to national registry
 Implant Scan reads implant package barcodes in the operating theatre and
 delivers them to the national implant registry.`;
const NO_SERVICE_ENABLED = ` .
 No service is enabled by the package: install a provisioned bundle in
 /etc/implant-scan, check it with implant-scan-gateway --check, then enable
 the unit.`;

// Every npm package in any bundle or command chunk (their source maps name them).
const ALL_MAPS = ['dist/implant-scan.mjs.map', 'dist/implant-scan-gateway.mjs.map', ...readdirSync(join(root, 'dist/chunks')).filter((f) => f.endsWith('.map')).map((f) => `dist/chunks/${f}`)];

const gateway = stage('implant-scan-gateway');
const server = stage('implant-scan');
const sourcemaps = stage('implant-scan-sourcemap');
try {
  const debs = [];
  gatewayFiles(gateway);
  const gatewayBinaries = shipModules(gateway, GATEWAY_ROOTS);
  gateway.docs(copyrightOf(['dist/implant-scan-gateway.mjs.map'], GATEWAY_ROOTS));
  maintainerScripts(gateway, ['implant-scan-gateway.service']);
  gateway.put('DEBIAN/conffiles', '/etc/implant-scan/gateway.json.example\n');
  debs.push(
    gateway.build(`Architecture: ${arch}
Source: implant-scan
Depends: nodejs (>= 20), adduser, debconf (>= 0.5) | debconf-2.0, ${sharedLibraryPackages(gatewayBinaries).join(', ')}
Recommends: udev, systemd
Suggests: implant-scan-sourcemap
Conflicts: implant-scan
Replaces: implant-scan
Section: misc
Priority: optional
${DESCRIPTION.replace('registry\n', 'registry - theatre gateway\n')}
 .
 This package holds only the theatre gateway daemon (scanner, parser,
 durable outbox, publication to the hospital broker): what a Raspberry Pi in
 each theatre runs. Servers install implant-scan, which holds it too.
${NO_SERVICE_ENABLED}
`),
  );

  if (foreign) {
    process.stderr.write(`implant-scan (the server package) is not built for ${arch}: it needs better-sqlite3 compiled for ${arch} (build it on such a machine)\n`);
  } else {
    gatewayFiles(server);
    server.put(`${LIB}/implant-scan.mjs`, readFileSync(join(root, 'dist/implant-scan.mjs')));
    server.put('usr/share/doc/implant-scan/implant-scan.mjs.LEGAL.txt', readFileSync(join(root, 'dist/implant-scan.mjs.LEGAL.txt')));
    // The CLI's commands are chunks it imports only when that command runs (build.mjs).
    for (const f of readdirSync(join(root, 'dist/chunks')).filter((f) => f.endsWith('.mjs'))) server.put(`${LIB}/chunks/${f}`, readFileSync(join(root, 'dist/chunks', f)));
    // The bundle's bare imports (better-sqlite3, serialport) resolve from /usr/lib/implant-scan/node_modules.
    const binaries = shipModules(server, SERVER_ROOTS);
    server.put('usr/bin/implant-scan', '#!/bin/sh\n# Implant Scan CLI (see implant-scan --help).\nexec /usr/bin/node /usr/lib/implant-scan/implant-scan.mjs "$@"\n', 0o755);
    server.gzip('usr/share/man/man1/implant-scan.1.gz', readFileSync(join(DEBIAN, 'implant-scan.1')));
    for (const unit of UNITS) server.put(`lib/systemd/system/${unit}`, readFileSync(join(root, 'packaging/systemd', unit)));
    server.docs(copyrightOf(ALL_MAPS, SERVER_ROOTS));
    server.put('etc/implant-scan/uplink.env.example', readFileSync(join(root, 'packaging/uplink.env.example')));
    maintainerScripts(server, UNITS);
    server.put('DEBIAN/conffiles', '/etc/implant-scan/gateway.json.example\n/etc/implant-scan/uplink.env.example\n');
    debs.push(
      server.build(`Architecture: ${arch}
Depends: nodejs (>= 20), adduser, debconf (>= 0.5) | debconf-2.0, ${sharedLibraryPackages(binaries).join(', ')}
Recommends: udev, systemd
Suggests: mosquitto, implant-scan-sourcemap
Conflicts: implant-scan-gateway
Replaces: implant-scan-gateway
Provides: implant-scan-gateway (= ${pkg.version})
Section: misc
Priority: optional
${DESCRIPTION}
 .
 This package holds the theatre gateway daemon (scanner, durable outbox,
 hospital broker), the hospital uplink to the national service, a unit for
 the hospital's Mosquitto broker, a daily revocation-list timer for the site
 CA, and the implant-scan command-line tool.
${NO_SERVICE_ENABLED}
`),
    );
  }

  if (!opts['no-sourcemap']) {
    for (const map of ['implant-scan.mjs.map', 'implant-scan-gateway.mjs.map']) sourcemaps.put(`${LIB}/${map}`, readFileSync(join(root, 'dist', map)));
    for (const f of readdirSync(join(root, 'dist/chunks')).filter((f) => f.endsWith('.mjs.map'))) sourcemaps.put(`${LIB}/chunks/${f}`, readFileSync(join(root, 'dist/chunks', f)));
    sourcemaps.docs(copyrightOf(ALL_MAPS, []));
    debs.push(
      sourcemaps.build(`Architecture: all
Source: implant-scan
Depends: implant-scan (= ${pkg.version}) | implant-scan-gateway (= ${pkg.version})
Section: misc
Priority: optional
Description: implant package barcode to national registry - source maps
 Source maps of the implant-scan bundles in /usr/lib/implant-scan, with the
 TypeScript sources they were built from: run node --enable-source-maps for
 stack traces that name the original files and lines.
`),
    );
  }
  process.stdout.write(debs.map((d) => `${d}\n`).join(''));
} finally {
  for (const s of [gateway, server, sourcemaps]) s.remove();
}
