// The CLI's entry as a user runs it (bin/implant-scan.mjs → dist/, as `npm ci` built it: run
// `npm run build` after changing the sources): --version, and how a failure reads.
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, symlinkSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..');
const BIN = join(ROOT, 'bin', 'implant-scan.mjs');

function cli(args: string[], env: NodeJS.ProcessEnv = process.env): { stdout: string; stderr: string; status: number | null } {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd: ROOT, env, input: '', encoding: 'utf8', timeout: 60_000 });
  return { stdout: r.stdout, stderr: r.stderr, status: r.status };
}

describe('implant-scan', () => {
  it('--version prints the package version', () => {
    const { version } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };
    expect(cli(['--version'])).toEqual({ stdout: `${version}\n`, stderr: '', status: 0 });
  });

  it('a command that fails says which and what to do on at most two lines, without a stack', () => {
    // `sim` with no socat on the PATH: only node is there.
    const bin = join(ROOT, 'node_modules', '.cache', `no-socat-${process.pid}`);
    mkdirSync(bin, { recursive: true });
    try {
      symlinkSync(process.execPath, join(bin, 'node'));
    } catch {
      // left by an earlier run of this process id
    }
    const { stderr, status } = cli(['sim'], { ...process.env, PATH: bin });
    expect(status).toBe(1);
    expect(stderr).toMatch(/^implant-scan sim: cannot start socat \(apt-get install socat\)/);
    expect(stderr.trimEnd().split('\n').length).toBeLessThanOrEqual(2);
    expect(stderr).not.toMatch(/\n\s+at /);
  });

  it('with --log-level debug the stack names the TypeScript source lines', () => {
    const { stderr, status } = cli(['demo', '--data-dir', join(ROOT, 'no-such-folder'), '--log-level', 'debug']);
    expect(status).toBe(1);
    expect(stderr).toMatch(/^implant-scan demo: --data-dir .* is not a folder/);
    expect(stderr).toMatch(/\n\s+at .*cli\/demo\.ts:\d+:\d+/);
  });

  it('a command that fails after starting some of its parts still exits', async () => {
    const busy = createServer();
    await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve));
    try {
      // The broker and the national service's database start; then the national port is taken.
      const child = spawn(process.execPath, [BIN, 'demo', '--national-port', String((busy.address() as AddressInfo).port)], { cwd: ROOT });
      let stderr = '';
      child.stderr.on('data', (c: Buffer) => void (stderr += c.toString()));
      child.stdin.end();
      const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
      expect(code).toBe(1);
      expect(stderr).toMatch(/^implant-scan demo: listen EADDRINUSE/);
    } finally {
      busy.close();
    }
  }, 60_000);

  it('an unknown command prints the usage and exits 2', () => {
    const { stderr, status } = cli(['frobnicate']);
    expect(status).toBe(2);
    expect(stderr).toContain("implant-scan: unknown command 'frobnicate'");
  });
});
