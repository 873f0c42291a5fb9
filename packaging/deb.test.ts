// The Debian package as hospital IT gets it: built by packaging/build-deb.mjs, inspected with
// dpkg-deb, extracted and run without the repository's node_modules; and the systemd units'
// hardening (plus `systemd-analyze verify` where it can run).
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const LIB = 'usr/lib/implant-scan';
const GS1_SCAN = ']d2' + '0109506000134352' + '17290131' + '10AB-123' + '\x1d' + '21S12345';
const hasDpkgDeb = spawnSync('dpkg-deb', ['--version']).status === 0;
if (!hasDpkgDeb) console.warn('packaging/deb.test.ts: dpkg-deb not found; skipping the .deb tests (run them on Debian/Ubuntu)');

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
  let extracted: string;
  let control: string;

  beforeAll(() => {
    work = mkdtempSync(join(tmpdir(), 'implant-scan-deb-test-'));
    deb = execFileSync(process.execPath, ['packaging/build-deb.mjs', '--out', work], { cwd: root, encoding: 'utf8', timeout: 240_000 }).trim();
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
    expect(info).toMatch(/^ Maintainer: .+$/m);
    expect(info).toMatch(/^ Description: .+$/m);
  });

  it('has executable, syntactically valid maintainer scripts that never enable or start a service', () => {
    for (const script of ['postinst', 'prerm', 'postrm']) {
      const path = join(control, script);
      expect(statSync(path).mode & 0o111, `${script} executable`).toBe(0o111);
      expect(spawnSync('sh', ['-n', path]).status, `${script} parses`).toBe(0);
      expect(readFileSync(path, 'utf8')).toMatch(/^#!\/bin\/sh\nset -e\n/);
    }
    const postinst = readFileSync(join(control, 'postinst'), 'utf8');
    expect(postinst).toContain('adduser --system --group --no-create-home');
    expect(postinst).toContain('implant-scan dialout');
    expect(postinst).toContain('udevadm control --reload-rules || true');
    expect(postinst).toContain('systemctl daemon-reload || true');
    expect(postinst).not.toMatch(/systemctl (enable|start)|--now/);
    expect(readFileSync(join(control, 'conffiles'), 'utf8')).toContain('/etc/implant-scan/gateway.json.example\n');
  });

  it('lists the bundle, the wrapper, the units, the udev rule and the native binaries', () => {
    const paths = execFileSync('dpkg-deb', ['-c', deb], { encoding: 'utf8' })
      .split('\n')
      .filter(Boolean)
      .map((line) => line.slice(line.indexOf('./') + 1));
    for (const path of [
      `/${LIB}/implant-scan.mjs`,
      `/${LIB}/implant-scan-gateway.mjs`,
      `/${LIB}/LEGAL.txt`,
      '/usr/bin/implant-scan',
      '/lib/systemd/system/implant-scan-gateway.service',
      '/lib/systemd/system/implant-scan-uplink.service',
      '/lib/udev/rules.d/99-implant-scanner.rules',
      '/etc/implant-scan/gateway.json.example',
    ]) {
      expect(paths).toContain(path);
    }
    expect(paths.some((p) => p.startsWith(`/${LIB}/node_modules/@serialport/bindings-cpp/`) && p.endsWith('.node'))).toBe(true);
    expect(paths.some((p) => p.startsWith(`/${LIB}/node_modules/better-sqlite3/`) && p.endsWith('.node'))).toBe(true);
    // Production files only: no C++ sources, build intermediates, install-time tools or other platforms.
    expect(paths.filter((p) => /\/(deps|obj\.target|prebuild-install|node-addon-api)\/|\.(cpp|h|d\.ts)$|win32|darwin-/.test(p) && !p.endsWith('.js'))).toEqual([]);
    expect(readFileSync(join(extracted, 'usr/bin/implant-scan'), 'utf8')).toContain('exec /usr/bin/node /usr/lib/implant-scan/implant-scan.mjs "$@"');
    expect(statSync(join(extracted, 'usr/bin/implant-scan')).mode & 0o755).toBe(0o755);
  });

  it('runs the packaged bundle with only the package’s own node_modules', () => {
    const cwd = mkdtempSync(join(work, 'cwd-'));
    const result = spawnSync(process.execPath, [join(extracted, LIB, 'implant-scan.mjs'), 'parse'], { cwd, env: isolatedEnv(), input: `${GS1_SCAN}\n`, encoding: 'utf8', timeout: 30_000 });
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    expect(result.stdout).toContain('"ok":true');
    expect(result.stdout).toContain('"serial":"S12345"');
    // The shipped example configuration is valid.
    const check = spawnSync(process.execPath, [join(extracted, LIB, 'implant-scan-gateway.mjs'), '--check', '--config', join(extracted, 'etc/implant-scan/gateway.json.example')], { cwd, env: isolatedEnv(), encoding: 'utf8' });
    expect(check.stderr).toBe('');
    expect(check.status).toBe(0);
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

  const hasAnalyze = spawnSync('systemd-analyze', ['--version']).status === 0;
  it.skipIf(!hasAnalyze)('passes systemd-analyze verify (skipped where systemd-analyze is absent)', (ctx) => {
    // Units are verified under their own names in a scratch directory; any diagnostic that names a
    // line of ours is a real mistake, while a failure without one is this environment's limit.
    const dir = mkdtempSync(join(tmpdir(), 'implant-scan-units-'));
    try {
      const units = ['implant-scan-gateway.service', 'implant-scan-uplink.service'].map((u) => {
        mkdirSync(dir, { recursive: true });
        copyFileSync(join(root, 'packaging/systemd', u), join(dir, u));
        return join(dir, u);
      });
      const result = spawnSync('systemd-analyze', ['verify', '--man=no', ...units], { encoding: 'utf8', timeout: 60_000 });
      const output = `${result.stdout ?? ''}${result.stderr ?? ''}`;
      expect(output.split('\n').filter((l) => /implant-scan-(gateway|uplink)\.service(:\d+)?:/.test(l))).toEqual([]);
      if (result.status !== 0) {
        console.warn(`systemd-analyze verify cannot run here (exit ${result.status}): ${output.trim().split('\n')[0] ?? ''}`);
        ctx.skip();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
