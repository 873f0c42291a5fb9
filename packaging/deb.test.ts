// The Debian packages as hospital IT gets them (this machine's architecture; other ones are in
// deb-foreign.test.ts): built by packaging/build-deb.mjs, inspected with dpkg-deb and lintian (no
// error or warning), extracted and run without the repository's node_modules; and the systemd
// units' hardening (plus `systemd-analyze verify` where it can run).
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { provisionFleet } from '../provisioning/fleet.ts';
import { createSiteCa, importCa } from '../provisioning/pki.ts';
import { debianArchitectureOfElf } from './elf.ts';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const LIB = 'usr/lib/implant-scan';
const GS1_SCAN = ']d2' + '0109506000134352' + '17290131' + '10AB-123' + '\x1d' + '21S12345';
const hasDpkgDeb = spawnSync('dpkg-deb', ['--version']).status === 0;
if (!hasDpkgDeb) console.warn('packaging/deb.test.ts: dpkg-deb not found; skipping the .deb tests (run them on Debian/Ubuntu)');
const hasLintian = spawnSync('lintian', ['--version']).status === 0;
if (!hasLintian) console.warn('packaging/deb.test.ts: lintian not found; skipping the lintian check (apt-get install lintian; CI installs it)');
const UNITS = readdirSync(join(root, 'packaging/systemd')).sort();

/** Paths in a .deb, as installed ("/usr/bin/implant-scan"). */
function contents(deb: string): string[] {
  return execFileSync('dpkg-deb', ['-c', deb], { encoding: 'utf8' })
    .split('\n')
    .filter(Boolean)
    .map((line) => line.slice(line.indexOf('./') + 1));
}

/** The environment of a process that must not find the repository's modules. */
function isolatedEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  delete env.NODE_PATH;
  delete env.NODE_OPTIONS;
  return env;
}

describe.skipIf(!hasDpkgDeb)('the .deb', () => {
  let work: string;
  let deb: string;
  let gatewayDeb: string;
  let sourcemapDeb: string;
  let extracted: string;
  let control: string;

  beforeAll(() => {
    work = mkdtempSync(join(tmpdir(), 'implant-scan-deb-test-'));
    const debs = execFileSync(process.execPath, ['packaging/build-deb.mjs', '--out', work], { cwd: root, encoding: 'utf8', timeout: 240_000 }).trim().split('\n');
    const named = (name: string): string => debs.find((d) => basename(d).startsWith(`${name}_`)) ?? '';
    [deb, gatewayDeb, sourcemapDeb] = [named('implant-scan'), named('implant-scan-gateway'), named('implant-scan-sourcemap')];
    extracted = join(work, 'root');
    control = join(work, 'DEBIAN');
    execFileSync('dpkg-deb', ['-x', deb, extracted]);
    execFileSync('dpkg-deb', ['-e', deb, control]);
  }, 300_000);
  afterAll(() => {
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('is named and described by package.json and this machine', () => {
    const { version } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string };
    const arch = execFileSync('dpkg', ['--print-architecture'], { encoding: 'utf8' }).trim();
    expect(deb.endsWith(`implant-scan_${version}_${arch}.deb`)).toBe(true);
    const info = execFileSync('dpkg-deb', ['-I', deb], { encoding: 'utf8' });
    expect(info).toMatch(/^ Package: implant-scan$/m);
    expect(info).toContain(` Version: ${version}\n`);
    expect(info).toContain(` Architecture: ${arch}\n`);
    expect(info).toMatch(/^ Depends: nodejs \(>= 20\)/m);
    expect(info).toContain(` Maintainer: ${process.env.DEB_MAINTAINER ?? 'Implant Scan maintainers <maintainers@implant-scan.invalid>'}\n`);
    expect(info).toMatch(/^ Depends: .*\blibc6\b/m);
    expect(info).toMatch(/^ Description: .+$/m);
  });

  it('has executable, syntactically valid maintainer scripts that use deb-systemd-helper and never enable or start a service', () => {
    for (const script of ['postinst', 'prerm', 'postrm', 'config']) {
      const path = join(control, script);
      expect(statSync(path).mode & 0o111, `${script} executable`).toBe(0o111);
      expect(spawnSync('sh', ['-n', path]).status, `${script} parses`).toBe(0);
      const text = readFileSync(path, 'utf8');
      expect(text).toMatch(/^#!\/bin\/sh\n(#.*\n)*set -e\n/);
      // lintian's maintainer-script-calls-systemctl: only daemon-reload may call systemctl.
      expect(text.split('\n').filter((l) => /^\s*systemctl\b/.test(l) && !l.includes('daemon-reload'))).toEqual([]);
      expect(text).not.toMatch(/deb-systemd-invoke (start|restart)|--now/);
      const units = /^UNITS="(.*)"$/m.exec(text)?.[1];
      if (script !== 'config') expect(units?.split(' ').sort(), `${script} handles every shipped unit`).toEqual(UNITS);
    }
    const postinst = readFileSync(join(control, 'postinst'), 'utf8');
    expect(postinst).toContain('adduser --system --group --no-create-home');
    expect(postinst).toContain('implant-scan dialout');
    expect(postinst).toContain('deb-systemd-invoke try-restart $UNITS');
    expect(postinst).toContain('chown root:implant-scan "$f"');
    expect(postinst).toContain('chmod 0750 "$ETC"');
    expect(postinst).toContain('BROKER_ETC=/etc/mosquitto/implant-scan');
    expect(readFileSync(join(control, 'postrm'), 'utf8')).toContain('db_input high implant-scan/purge-keys');
    expect(readFileSync(join(control, 'templates'), 'utf8')).toMatch(/^Template: implant-scan\/purge-keys\nType: boolean\nDefault: false\n/);
    expect(readFileSync(join(control, 'conffiles'), 'utf8')).toBe('/etc/implant-scan/gateway.json.example\n/etc/implant-scan/uplink.env.example\n');
  });

  it.skipIf(!hasLintian)('passes lintian with no error or warning (all three packages)', () => {
    const result = spawnSync('lintian', ['--no-cfg', deb, gatewayDeb, sourcemapDeb], { encoding: 'utf8', timeout: 240_000 });
    const tags = result.stdout.split('\n').filter((l) => /^[EW]: /.test(l));
    expect(tags).toEqual([]);
    expect(result.stderr).not.toMatch(/^(E|W): |error/im);
  }, 300_000);

  it('lists the bundles, the wrapper, its manual page, the units, the udev rule, copyright and changelog; source maps only in the -sourcemap package', () => {
    const paths = contents(deb);
    for (const path of [
      `/${LIB}/implant-scan.mjs`,
      `/${LIB}/implant-scan-gateway.mjs`,
      '/usr/bin/implant-scan',
      '/usr/share/man/man1/implant-scan.1.gz',
      ...UNITS.map((u) => `/lib/systemd/system/${u}`),
      '/lib/udev/rules.d/99-implant-scanner.rules',
      '/etc/implant-scan/gateway.json.example',
      '/usr/share/doc/implant-scan/copyright',
      '/usr/share/doc/implant-scan/changelog.gz',
      '/usr/share/doc/implant-scan/implant-scan.mjs.LEGAL.txt',
    ]) {
      expect(paths).toContain(path);
    }
    expect(paths.filter((p) => p.endsWith('.map'))).toEqual([]);
    const maps = contents(sourcemapDeb).filter((p) => p.endsWith('.map'));
    expect(maps.filter((p) => !p.includes('/chunks/')).sort()).toEqual([`/${LIB}/implant-scan-gateway.mjs.map`, `/${LIB}/implant-scan.mjs.map`]);
    // The CLI's command chunks (build.mjs) ship beside it, each one's map in the -sourcemap package.
    const chunks = paths.filter((p) => p.startsWith(`/${LIB}/chunks/`) && p.endsWith('.mjs'));
    expect(chunks.length).toBeGreaterThan(5);
    expect(maps.filter((p) => p.includes('/chunks/')).sort()).toEqual(chunks.map((c) => `${c}.map`).sort());
    // Production files only: no C++ sources, build intermediates, install-time tools, other platforms or CLIs.
    expect(paths.filter((p) => /\/(deps|obj\.target|prebuild-install|node-addon-api)\/|\.(cpp|h|d\.ts)$|win32|darwin-|node-gyp-build\/bin\.js/.test(p) && !p.endsWith('.js'))).toEqual([]);
    expect(readFileSync(join(extracted, 'usr/bin/implant-scan'), 'utf8')).toContain('exec /usr/bin/node /usr/lib/implant-scan/implant-scan.mjs "$@"');
    expect(statSync(join(extracted, 'usr/bin/implant-scan')).mode & 0o755).toBe(0o755);
    const changelog = gunzipSync(readFileSync(join(extracted, 'usr/share/doc/implant-scan/changelog.gz'))).toString();
    const { version } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string };
    expect(changelog.split('\n')[0]).toBe(`implant-scan (${version}) unstable; urgency=medium`);
  });

  it('ships one stripped, non-executable binary per native module', () => {
    const binaries = contents(deb).filter((p) => p.endsWith('.node'));
    expect(binaries.filter((p) => p.includes('/@serialport/bindings-cpp/'))).toHaveLength(1);
    expect(binaries.filter((p) => p.includes('/better-sqlite3/'))).toHaveLength(1);
    expect(binaries).toHaveLength(2);
    const arch = execFileSync('dpkg', ['--print-architecture'], { encoding: 'utf8' }).trim();
    for (const binary of binaries) {
      expect(debianArchitectureOfElf(join(extracted, binary)), binary).toBe(arch);
      const sections = execFileSync('readelf', ['-S', '-W', join(extracted, binary)], { encoding: 'utf8' });
      expect(sections, binary).not.toMatch(/\.symtab|\.debug_|\.comment/);
      expect(statSync(join(extracted, binary)).mode & 0o777, binary).toBe(0o644);
    }
  });

  it('has a machine-readable copyright with a paragraph and a licence text for every shipped and bundled package', () => {
    const copyright = readFileSync(join(extracted, 'usr/share/doc/implant-scan/copyright'), 'utf8');
    const paragraphs = copyright.split('\n\n');
    expect(paragraphs[0]).toMatch(/^Format: https:\/\/www\.debian\.org\/doc\/packaging-manuals\/copyright-format\/1\.0\/\n/);
    const files = new Map(paragraphs.filter((p) => p.startsWith('Files: ')).map((p) => [p.split('\n')[0]!.slice('Files: '.length), /^License: (.+)$/m.exec(p)?.[1]]));
    expect(files.get('*')).toBe('Apache-2.0');
    const shipped = execFileSync('find', [join(extracted, LIB, 'node_modules'), '-name', 'package.json', '-not', '-path', '*/build/*'], { encoding: 'utf8' })
      .split('\n')
      .filter(Boolean)
      .map((p) => dirname(p.slice(join(extracted, LIB).length + 1)))
      .filter((d) => /node_modules\/(@[^/]+\/)?[^/@]+$/.test(d));
    for (const dir of shipped) expect(files.has(`${dir}/*`), dir).toBe(true);
    for (const bundled of ['pino', 'mqtt', 'zod', 'protobufjs', '@peculiar/x509']) expect(files.has(`node_modules/${bundled}/*`), bundled).toBe(true);
    const texts = new Set(paragraphs.filter((p) => p.startsWith('License: ')).map((p) => p.split('\n')[0]!.slice('License: '.length)));
    for (const licence of new Set(files.values())) expect(texts.has(licence!), licence).toBe(true);
    expect(copyright).toContain('/usr/share/common-licenses/Apache-2.0');
  });

  it('runs the packaged bundle with only the package’s own node_modules', () => {
    const cwd = mkdtempSync(join(work, 'cwd-'));
    const result = spawnSync(process.execPath, [join(extracted, LIB, 'implant-scan.mjs'), 'parse'], { cwd, env: isolatedEnv(), input: `${GS1_SCAN}\n`, encoding: 'utf8', timeout: 30_000 });
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    expect(result.stdout).toContain('"ok":true');
    expect(result.stdout).toContain('"serial":"S12345"');
    // The shipped example passes the schema; --check then names each file it cannot open.
    const check = spawnSync(process.execPath, [join(extracted, LIB, 'implant-scan-gateway.mjs'), '--check', '--config', join(extracted, 'etc/implant-scan/gateway.json.example')], { cwd, env: isolatedEnv(), encoding: 'utf8' });
    expect(check.stderr).not.toContain('problem');
    expect(check.stderr).toContain('implant-scan gateway: broker.tls.key /etc/implant-scan/gateway.key: ');
    expect(check.status).toBe(78);
  });

  it('has a gateway package for theatres: the daemon, serialport, its unit and the udev rule, no better-sqlite3 or other command, and it runs from its own files', () => {
    const { version } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string };
    const arch = execFileSync('dpkg', ['--print-architecture'], { encoding: 'utf8' }).trim();
    const info = execFileSync('dpkg-deb', ['-I', gatewayDeb], { encoding: 'utf8' });
    expect(info).toMatch(/^ Package: implant-scan-gateway$/m);
    expect(info).toContain(` Architecture: ${arch}\n`);
    expect(info).toMatch(/^ Depends: nodejs \(>= 20\), .*\blibc6\b/m);
    expect(info).toMatch(/^ Conflicts: implant-scan$/m);
    // A server's implant-scan holds the gateway too: it stands in for this package.
    expect(execFileSync('dpkg-deb', ['-I', deb], { encoding: 'utf8' })).toContain(` Provides: implant-scan-gateway (= ${version})\n`);
    const paths = contents(gatewayDeb);
    for (const path of [
      `/${LIB}/implant-scan-gateway.mjs`,
      '/usr/bin/implant-scan-gateway',
      '/usr/share/man/man1/implant-scan-gateway.1.gz',
      '/lib/systemd/system/implant-scan-gateway.service',
      '/lib/udev/rules.d/99-implant-scanner.rules',
      '/etc/implant-scan/gateway.json.example',
    ]) {
      expect(paths).toContain(path);
      expect(contents(deb), 'the server package holds the gateway too').toContain(path);
    }
    expect(paths).toContain('/usr/share/doc/implant-scan-gateway/copyright');
    expect(paths.filter((p) => /better-sqlite3|bindings\/|file-uri-to-path|\/implant-scan\.mjs$|\/chunks\/|uplink|mosquitto|-crl\./.test(p))).toEqual([]);
    const gateway = join(work, 'gateway');
    execFileSync('dpkg-deb', ['-x', gatewayDeb, gateway]);
    execFileSync('dpkg-deb', ['-e', gatewayDeb, join(work, 'gateway-DEBIAN')]);
    const binaries = paths.filter((p) => p.endsWith('.node'));
    expect(binaries).toHaveLength(1);
    for (const binary of binaries) expect(debianArchitectureOfElf(join(gateway, binary)), binary).toBe(arch);
    expect(readFileSync(join(gateway, 'usr/share/doc/implant-scan-gateway/copyright'), 'utf8')).not.toContain('better-sqlite3');
    // Its maintainer scripts handle its one unit; its debconf question is its own.
    for (const script of ['postinst', 'prerm', 'postrm']) expect(readFileSync(join(work, 'gateway-DEBIAN', script), 'utf8')).toContain('\nUNITS="implant-scan-gateway.service"\n');
    expect(readFileSync(join(work, 'gateway-DEBIAN', 'templates'), 'utf8')).toMatch(/^Template: implant-scan-gateway\/purge-keys\n/);
    const bundle = join(gateway, LIB, 'implant-scan-gateway.mjs');
    const cwd = mkdtempSync(join(work, 'cwd-'));
    expect(execFileSync(process.execPath, [bundle, '--version'], { cwd, env: isolatedEnv(), encoding: 'utf8' })).toBe(`${version}\n`);
    const check = spawnSync(process.execPath, [bundle, '--check', '--config', join(gateway, 'etc/implant-scan/gateway.json.example')], { cwd, env: isolatedEnv(), encoding: 'utf8' });
    expect(check.stderr).toContain('implant-scan gateway: broker.tls.key /etc/implant-scan/gateway.key: ');
    expect(check.status).toBe(78);
    const probe = `const r = require('node:module').createRequire(${JSON.stringify(bundle)});
      console.log(typeof r('@serialport/bindings-cpp').autoDetect().list, r.resolve('serialport'));`;
    expect(execFileSync(process.execPath, ['-e', probe], { cwd, env: isolatedEnv(), encoding: 'utf8' })).toBe(`function ${join(gateway, LIB, 'node_modules/serialport/dist/index.js')}\n`);
  });

  it('loads both native modules from inside the package', () => {
    const probe = `const r = require('node:module').createRequire(${JSON.stringify(join(extracted, LIB, 'implant-scan.mjs'))});
      const Database = r('better-sqlite3'); const db = new Database(':memory:');
      const row = db.prepare('select 41 + 1 as n').get(); db.close();
      const { autoDetect } = r('@serialport/bindings-cpp');
      console.log(JSON.stringify({ n: row.n, binding: typeof autoDetect().list, sqlite: r.resolve('better-sqlite3'), serial: r.resolve('serialport') }));`;
    const out = JSON.parse(execFileSync(process.execPath, ['-e', probe], { cwd: work, env: isolatedEnv(), encoding: 'utf8' })) as Record<string, unknown>;
    expect(out).toMatchObject({ n: 42, binding: 'function' });
    expect(String(out.sqlite).startsWith(join(extracted, LIB, 'node_modules'))).toBe(true);
    expect(String(out.serial).startsWith(join(extracted, LIB, 'node_modules'))).toBe(true);
  });
});

type Unit = Map<string, string[]>; // "Section.Key" → values, in order (keys may repeat)

function readUnit(name: string): Unit {
  const unit: Unit = new Map();
  let section = '';
  for (const raw of readFileSync(join(root, 'packaging/systemd', name), 'utf8').split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue;
    const header = /^\[(.+)\]$/.exec(line);
    if (header) {
      section = header[1]!;
      continue;
    }
    const eq = line.indexOf('=');
    const key = `${section}.${line.slice(0, eq).trim()}`;
    unit.set(key, [...(unit.get(key) ?? []), line.slice(eq + 1).trim()]);
  }
  return unit;
}

const one = (unit: Unit, key: string): string | undefined => unit.get(`Service.${key}`)?.at(-1);

describe('systemd units', () => {
  const COMMON: Record<string, string> = {
    User: 'implant-scan',
    Group: 'implant-scan',
    Restart: 'on-failure',
    NoNewPrivileges: 'yes',
    ProtectSystem: 'strict',
    ProtectHome: 'yes',
    PrivateTmp: 'yes',
    ProtectKernelTunables: 'yes',
    ProtectKernelModules: 'yes',
    ProtectControlGroups: 'yes',
    LockPersonality: 'yes',
    RestrictAddressFamilies: 'AF_UNIX AF_INET AF_INET6',
    MemoryDenyWriteExecute: 'no',
  };

  it('runs the gateway as a hardened notify service with a watchdog', () => {
    const unit = readUnit('implant-scan-gateway.service');
    for (const [key, value] of Object.entries({ ...COMMON, Type: 'notify', NotifyAccess: 'all', WatchdogSec: '30', RestartPreventExitStatus: '78', StateDirectory: 'implant-scan' })) {
      expect(one(unit, key), key).toBe(value);
    }
    expect(one(unit, 'ExecStart')).toBe('/usr/bin/node --max-semi-space-size=2 --max-old-space-size=64 /usr/lib/implant-scan/implant-scan-gateway.mjs --config /etc/implant-scan/gateway.json');
    expect(unit.get('Service.ReadWritePaths')).toEqual(['/var/lib/implant-scan']);
    expect(one(unit, 'SupplementaryGroups')?.split(/\s+/)).toContain('dialout');
    expect(unit.get('Service.DeviceAllow')).toEqual(['/dev/implant-scanner rw', 'char-ttyACM rw', 'char-ttyUSB rw']);
    expect(unit.get('Service.PrivateDevices')).toBeUndefined(); // it would hide the scanner's tty
    expect(unit.get('Install.WantedBy')).toEqual(['multi-user.target']);
  });

  it('runs the uplink from its environment file with its own state directory', () => {
    const unit = readUnit('implant-scan-uplink.service');
    for (const [key, value] of Object.entries({ ...COMMON, Type: 'simple', EnvironmentFile: '/etc/implant-scan/uplink.env', StateDirectory: 'implant-scan-uplink' })) {
      expect(one(unit, key), key).toBe(value);
    }
    expect(one(unit, 'ExecStart')).toMatch(/^\/usr\/bin\/node \/usr\/lib\/implant-scan\/implant-scan\.mjs uplink --site \$\{SITE\} --broker \$\{BROKER\} --national \$\{NATIONAL\} --data-dir \/var\/lib\/implant-scan-uplink/);
    expect(unit.get('Service.ReadWritePaths')).toEqual(['/var/lib/implant-scan-uplink']);
    expect(unit.get('Service.SupplementaryGroups')).toBeUndefined();
  });

  it('runs Mosquitto as its own user with its own configuration and state', () => {
    const unit = readUnit('implant-scan-mosquitto.service');
    for (const [key, value] of Object.entries({ ...COMMON, User: 'mosquitto', Group: 'mosquitto', MemoryDenyWriteExecute: 'yes', Type: 'notify', StateDirectory: 'implant-scan-mosquitto', PrivateDevices: 'yes' })) {
      expect(one(unit, key), key).toBe(value);
    }
    expect(one(unit, 'ExecStart')).toBe('/usr/sbin/mosquitto -c /etc/mosquitto/implant-scan/mosquitto.conf');
    expect(one(unit, 'ExecReload')).toBe('/bin/kill -HUP $MAINPID');
    expect(unit.get('Install.WantedBy')).toEqual(['multi-user.target']);
  });

  it('re-issues the CRL daily on the CA host, as root without network, writing only the CA and broker folders', () => {
    const service = readUnit('implant-scan-crl.service');
    expect(one(service, 'Type')).toBe('oneshot');
    expect(one(service, 'ExecStart')).toBe('/usr/bin/node /usr/lib/implant-scan/implant-scan.mjs provision crl --ca /var/lib/implant-scan-ca');
    expect(one(service, 'ExecStartPost')).toContain('install -m 0644 /var/lib/implant-scan-ca/crl.pem /etc/mosquitto/implant-scan/crl.pem && systemctl try-reload-or-restart implant-scan-mosquitto.service');
    expect(service.get('Unit.ConditionPathExists')).toEqual(['/var/lib/implant-scan-ca']);
    expect(service.get('Service.ReadWritePaths')).toEqual(['/var/lib/implant-scan-ca -/etc/mosquitto/implant-scan']);
    for (const [key, value] of Object.entries({ ProtectSystem: 'strict', PrivateNetwork: 'yes', RestrictAddressFamilies: 'AF_UNIX', NoNewPrivileges: 'yes' })) expect(one(service, key), key).toBe(value);
    expect(service.get('Service.User')).toBeUndefined(); // the CA key is root's
    const timer = readUnit('implant-scan-crl.timer');
    expect(timer.get('Timer.OnCalendar')).toEqual(['daily']);
    expect(timer.get('Timer.Persistent')).toEqual(['true']);
    expect(timer.get('Install.WantedBy')).toEqual(['timers.target']);
  });

  it('ships an example gateway.json whose file names are those of a provisioned bundle', async () => {
    const out = mkdtempSync(join(tmpdir(), 'implant-scan-example-'));
    try {
      const site = await createSiteCa({ site: 'sahlgrenska', validDays: 60 });
      await provisionFleet({ ca: await importCa(site.certPem, site.keyPem), site: 'sahlgrenska', theatres: [{ theatre: 'or-7', gateway: 'gw-or7' }], broker: { url: 'mqtts://broker.hospital.local:8883', dnsNames: ['broker.hospital.local'] }, uplinks: [], out, validDays: 30 });
      const provisioned = JSON.parse(readFileSync(join(out, 'gateways/gw-or7/gateway.json'), 'utf8')) as { broker: unknown };
      const example = JSON.parse(readFileSync(join(root, 'packaging/gateway.json.example'), 'utf8')) as { broker: unknown };
      expect(example.broker).toEqual(provisioned.broker);
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  }, 60_000);

  const hasAnalyze = spawnSync('systemd-analyze', ['--version']).status === 0;
  it.skipIf(!hasAnalyze)('passes systemd-analyze verify (skipped where systemd-analyze is absent)', (ctx) => {
    // Units are verified under their own names in a scratch directory; any diagnostic that names a
    // line of ours is a real mistake, while a failure without one is this environment's limit.
    const dir = mkdtempSync(join(tmpdir(), 'implant-scan-units-'));
    try {
      const units = UNITS.map((u) => {
        mkdirSync(dir, { recursive: true });
        copyFileSync(join(root, 'packaging/systemd', u), join(dir, u));
        return join(dir, u);
      });
      const result = spawnSync('systemd-analyze', ['verify', '--man=no', ...units], { encoding: 'utf8', timeout: 60_000 });
      const output = `${result.stdout ?? ''}${result.stderr ?? ''}`;
      // Mosquitto is a Suggests: where it is not installed, its unit's command cannot be found.
      const mosquittoAbsent = spawnSync('test', ['-x', '/usr/sbin/mosquitto']).status !== 0;
      const ours = output.split('\n').filter((l) => /implant-scan-[a-z]+\.(service|timer)(:\d+)?:/.test(l) && !(mosquittoAbsent && l.includes('/usr/sbin/mosquitto')));
      expect(ours).toEqual([]);
      if (result.status !== 0) {
        console.warn(`systemd-analyze verify cannot run here (exit ${result.status}): ${output.trim().split('\n')[0] ?? ''}`);
        ctx.skip();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
