// The theatre gateway package for a Raspberry Pi, built on this (other) machine:
// `node packaging/build-deb.mjs --arch arm64|armhf`. Each package is lintian-clean, carries
// serialport's prebuilt binding for its architecture only (every .node an ELF for it) and nothing
// of the server package. gateway-qemu.test.ts runs the arm64 one under emulation.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { debianArchitectureOfElf } from './elf.ts';

const root = join(import.meta.dirname, '..');
const LIB = 'usr/lib/implant-scan';
const { version } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string };
const host = spawnSync('dpkg', ['--print-architecture'], { encoding: 'utf8' }).stdout?.trim();
const hasLintian = spawnSync('lintian', ['--version']).status === 0;

const TARGETS = [
  { arch: 'arm64', triplet: 'aarch64-linux-gnu', prebuilds: 'linux-arm64' },
  { arch: 'armhf', triplet: 'arm-linux-gnueabihf', prebuilds: 'linux-arm' },
].filter((t) => t.arch !== host);

for (const { arch, triplet, prebuilds } of TARGETS) {
  const canBuild = host !== undefined && spawnSync(`${triplet}-strip`, ['--version']).status === 0;
  if (!canBuild) console.warn(`packaging/deb-foreign.test.ts: ${arch} skipped: needs dpkg and ${triplet}-strip (apt-get install binutils-${triplet}; .ci/run installs it)`);

  describe.skipIf(!canBuild)(`the ${arch} gateway package, built on ${host}`, () => {
    let work: string;
    let deb: string;
    let extracted: string;
    beforeAll(() => {
      work = mkdtempSync(join(tmpdir(), `implant-scan-deb-${arch}-`));
      const built = spawnSync(process.execPath, ['packaging/build-deb.mjs', '--arch', arch, '--no-sourcemap', '--out', work], { cwd: root, encoding: 'utf8', timeout: 240_000 });
      expect(built.status, built.stderr).toBe(0);
      // Only the gateway: the server package needs better-sqlite3 compiled for that machine.
      expect(built.stdout).toBe(`${join(work, `implant-scan-gateway_${version}_${arch}.deb`)}\n`);
      expect(built.stderr).toContain(`implant-scan (the server package) is not built for ${arch}`);
      deb = built.stdout.trim();
      extracted = join(work, 'root');
      execFileSync('dpkg-deb', ['-x', deb, extracted]);
    }, 300_000);
    afterAll(() => {
      if (work) rmSync(work, { recursive: true, force: true });
    });

    it(`is for ${arch}, depends on any nodejs from 20 (Debian 13's) and on the libraries its binding links`, () => {
      const info = execFileSync('dpkg-deb', ['-I', deb], { encoding: 'utf8' });
      expect(info).toMatch(/^ Package: implant-scan-gateway$/m);
      expect(info).toContain(` Architecture: ${arch}\n`);
      expect(info).toMatch(/^ Depends: nodejs \(>= 20\), .*\blibc6\b.*\blibstdc\+\+6\b/m);
    });

    it(`carries serialport's ${prebuilds} glibc binding and every .node in it is an ELF for ${arch}, stripped`, () => {
      const files = execFileSync('dpkg-deb', ['-c', deb], { encoding: 'utf8' }).split('\n').map((l) => l.slice(l.indexOf('./') + 1));
      const binaries = files.filter((p) => p.endsWith('.node'));
      expect(binaries.length).toBeGreaterThan(0);
      expect(binaries.every((b) => b.startsWith(`/${LIB}/node_modules/@serialport/bindings-cpp/prebuilds/${prebuilds}/`) && b.endsWith('.glibc.node')), binaries.join(' ')).toBe(true);
      for (const binary of binaries) {
        expect(debianArchitectureOfElf(join(extracted, binary)), binary).toBe(arch);
        expect(execFileSync('readelf', ['-S', '-W', join(extracted, binary)], { encoding: 'utf8' }), binary).not.toMatch(/\.symtab|\.debug_|\.comment/);
      }
      expect(files.filter((p) => /better-sqlite3|\/build\/|implant-scan\.mjs$|\/chunks\//.test(p))).toEqual([]);
      for (const path of [`/${LIB}/implant-scan-gateway.mjs`, '/usr/bin/implant-scan-gateway', '/lib/systemd/system/implant-scan-gateway.service', '/lib/udev/rules.d/99-implant-scanner.rules']) expect(files).toContain(path);
    });

    it.skipIf(!hasLintian)('passes lintian with no error or warning', () => {
      const result = spawnSync('lintian', ['--no-cfg', deb], { encoding: 'utf8', timeout: 240_000 });
      expect(result.stdout.split('\n').filter((l) => /^[EW]: /.test(l))).toEqual([]);
      expect(result.stderr).not.toMatch(/^(E|W): |error/im);
    }, 300_000);
  });
}
