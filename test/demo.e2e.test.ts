// The whole chain, as `npm start` runs it, in a child process: a scan written to the demo's stdin
// goes through the simulated scanner's pseudo-terminal (socat: without it these tests fail), the
// gateway, the aedes broker, the uplink and the national service; its order code appears on the
// station page, and the registry API answers it. A wristband personnummer goes nowhere. Piped
// input with --exit-on-eof is scanned in full before the demo exits, and the demo cleans up its
// temporary folder, also when `npm start`'s process group is signalled.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildCli } from './built-cli.test-support.ts';

const ROOT = join(import.meta.dirname, '..');
// A product of the (fictional) sample catalogue the demo's national service uses.
const GTIN_SCAN = ']d201073999900010921729013110LOT-42\x1d21SER-7';

interface Ready {
  stationUrl: string;
  brokerUrl: string;
  registryUrl: string;
  registryToken: string;
  scannerDevice: string;
  dataDir: string;
}

let demo: ChildProcessWithoutNullStreams;
let ready: Ready;
let stderr = '';

beforeAll(async () => {
  demo = spawn(process.execPath, [await buildCli(), 'demo', '--log-level', 'info'], { cwd: ROOT });
  demo.stderr.on('data', (c: Buffer) => void (stderr += c.toString()));
  const lines = createInterface({ input: demo.stdout });
  ready = await new Promise<Ready>((resolve, reject) => {
    lines.once('line', (line) => (line.startsWith('ready ') ? resolve(JSON.parse(line.slice(6)) as Ready) : reject(new Error(`unexpected first line: ${line}`))));
    demo.once('exit', (code) => reject(new Error(`demo exited with ${code}:\n${stderr}`)));
  });
}, 60_000);

afterAll(async () => {
  if (demo && demo.exitCode === null) {
    const exited = new Promise((r) => demo.once('exit', r));
    demo.kill('SIGTERM');
    await exited;
  }
});

interface StationScan {
  scanId: string | null;
  status: string;
  orderCode: string | null;
  productName: string | null;
  reason: { code: string } | null;
  udi: { di: string; lot: string; serial: string } | null;
}

async function scans(): Promise<StationScan[]> {
  const res = await fetch(new URL('/api/scans', ready.stationUrl));
  expect(res.status).toBe(200);
  return (await res.json()) as StationScan[];
}

/** Polls the station page's API until `pick` finds something (a bounded wait, not a timing assertion). */
async function until<T>(pick: (s: StationScan[]) => T | undefined, what: string, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = pick(await scans());
    if (found !== undefined) return found;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; demo stderr:\n${stderr.slice(-4000)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('the demo chain, scanner to registry', () => {
  it('scans through a real pseudo-terminal made by socat', () => {
    expect(stderr).not.toContain('no simulated scanner');
    expect(realpathSync(ready.scannerDevice)).toMatch(/^\/dev\/pts\/\d+$/);
  });

  it('prints every URL in its ready line', () => {
    expect(ready).toMatchObject({ stationUrl: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+/), brokerUrl: expect.stringMatching(/^mqtt:\/\/127\.0\.0\.1:\d+/), registryUrl: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+/) });
    expect(ready.registryToken.length).toBeGreaterThanOrEqual(20);
  });

  it('a scan gets an order code on the station page, and the registry API answers it', async () => {
    demo.stdin.write(`${GTIN_SCAN}\n`);
    const scan = await until((s) => s.find((x) => x.udi?.serial === 'SER-7' && x.orderCode !== null), 'an order code');
    expect(scan).toMatchObject({ status: 'receipted', udi: { di: '07399990001092', lot: 'LOT-42' }, productName: expect.stringContaining('Höftstam') });

    const unauthorised = await fetch(new URL(`/v1/orders/${scan.orderCode}`, ready.registryUrl));
    expect(unauthorised.status).toBe(401);
    const res = await fetch(new URL(`/v1/orders/${scan.orderCode}`, ready.registryUrl), { headers: { authorization: `Bearer ${ready.registryToken}` } });
    expect(res.status).toBe(200);
    const body = JSON.stringify(await res.json());
    expect(body).toContain('07399990001092');
    expect(body).toContain('Exempel Ortopedi AB');
    expect(body).toContain('LOT-42');
    expect(body).toContain('SER-7');

    const fhir = await fetch(new URL(`/v1/orders/${scan.orderCode}`, ready.registryUrl), { headers: { authorization: `Bearer ${ready.registryToken}`, accept: 'application/fhir+json' } });
    expect(fhir.status).toBe(200);
    const bundle = (await fhir.json()) as { resourceType: string; entry: { resource: { resourceType: string; lotNumber?: string } }[] };
    expect(bundle.resourceType).toBe('Bundle');
    expect(bundle.entry[0]?.resource).toMatchObject({ resourceType: 'Device', lotNumber: 'LOT-42' });
  });

  it('refuses a wristband personnummer, and nothing of it is logged or stored anywhere', async () => {
    demo.stdin.write('19121212-1212\n');
    await until((s) => s.find((x) => x.status === 'refused' && x.reason?.code === 'personal-id'), 'the refusal');
    expect(stderr).not.toMatch(/1212121212|121212-1212/);
    const files: string[] = [];
    const walk = (dir: string) => {
      // Regular files only: the scanner's device links lead to a pseudo-terminal, whose read blocks.
      for (const e of readdirSync(dir, { withFileTypes: true })) {
        if (e.isDirectory()) walk(join(dir, e.name));
        else if (e.isFile()) files.push(join(dir, e.name));
      }
    };
    walk(ready.dataDir);
    expect(files.length).toBeGreaterThan(0);
    for (const f of files) expect(readFileSync(f).toString('latin1'), f).not.toMatch(/121212-?1212/);
  });
});

/** The demo with `input` piped in and --exit-on-eof: its stdout lines, stderr and exit code. */
async function pipedDemo(input: string, args: string[] = []): Promise<{ lines: string[]; stderr: string; code: number | null }> {
  const child = spawn(process.execPath, [await buildCli(), 'demo', '--exit-on-eof', ...args], { cwd: ROOT });
  let out = '';
  let err = '';
  child.stdout.on('data', (c: Buffer) => void (out += c.toString()));
  child.stderr.on('data', (c: Buffer) => void (err += c.toString()));
  child.stdin.end(input);
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  return { lines: out.split('\n').filter(Boolean), stderr: err, code };
}

const readyOf = (lines: string[]): Ready => JSON.parse(lines[0]!.replace(/^ready /, '')) as Ready;
const scanWithSerial = (serial: string): string => `]d201073999900010921729013110LOT-42\x1d21${serial}`;

describe('implant-scan demo --exit-on-eof', () => {
  it.each([1, 3, 1000])('gives each of %i piped lines its outcome before it exits, through the pseudo-terminal', async (n) => {
    // The last of several lines is a wristband, refused; the others are distinct scans.
    const input = Array.from({ length: n }, (_, i) => (n > 1 && i === n - 1 ? '19121212-1212' : scanWithSerial(`P${n}-${i}`)));
    const { lines, stderr: err, code } = await pipedDemo(input.join('\n') + '\n');
    expect(code, err).toBe(0);
    expect(lines[0]).toMatch(/^ready /);
    const ready = readyOf(lines);
    expect(ready.scannerDevice, 'the scanner was a pseudo-terminal').not.toBeNull();
    expect(err).not.toContain('no simulated scanner');
    const receipts = lines.filter((l) => l.startsWith('receipt ')).map((l) => JSON.parse(l.slice(8)) as { status: string; orderCode: string | null });
    const refused = lines.filter((l) => l.startsWith('refused '));
    expect(receipts).toHaveLength(n > 1 ? n - 1 : 1);
    for (const r of receipts) expect(r).toMatchObject({ status: 'accepted', orderCode: expect.stringMatching(/^[0-9A-Z]{8}$/) });
    expect(refused).toHaveLength(n > 1 ? 1 : 0);
    if (n > 1) expect(refused[0]).toContain('personal-id');
    expect(new Set(receipts.map((r) => r.orderCode)).size).toBe(receipts.length);
    // Its temporary data folder is gone.
    expect(existsSync(ready.dataDir)).toBe(false);
  }, 300_000);

  it('keeps a --data-dir it was given, and says so clearly when that folder is missing', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'implant-scan-demo-test-'));
    try {
      const kept = await pipedDemo(`${scanWithSerial('KEPT-1')}\n`, ['--data-dir', dir]);
      expect(kept.code, kept.stderr).toBe(0);
      expect(kept.lines.some((l) => l.startsWith('receipt '))).toBe(true);
      expect(existsSync(join(dir, 'national.sqlite'))).toBe(true);

      const missing = await pipedDemo('', ['--data-dir', join(dir, 'no-such-folder')]);
      expect(missing.code).toBe(1);
      expect(missing.lines).toEqual([]);
      expect(missing.stderr).toMatch(/^implant-scan demo: --data-dir \S+no-such-folder is not a folder; create it first/);
      expect(missing.stderr.trimEnd().split('\n').length).toBeLessThanOrEqual(2);
      expect(missing.stderr).not.toMatch(/\n\s+at /);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);
});

describe('npm start', () => {
  it.each(['SIGINT', 'SIGTERM'] as const)('stops on %s sent to its process group and removes its temporary folder', async (sig) => {
    // npm, the shell it starts and node share the group a terminal's Ctrl-C signals.
    const npm = spawn('npm', ['start', '--silent'], { cwd: ROOT, detached: true, stdio: ['pipe', 'pipe', 'pipe'] });
    let err = '';
    npm.stderr.on('data', (c: Buffer) => void (err += c.toString()));
    const first = await new Promise<string>((resolve, reject) => {
      createInterface({ input: npm.stdout }).once('line', resolve);
      npm.once('exit', (code) => reject(new Error(`npm start exited with ${code}:\n${err}`)));
    });
    const { dataDir } = JSON.parse(first.replace(/^ready /, '')) as Ready;
    expect(existsSync(dataDir)).toBe(true);
    const exited = new Promise<number | null>((resolve) => npm.once('exit', resolve));
    process.kill(-npm.pid!, sig);
    await exited;
    // Every process of the group has ended (kill(…, 0) fails once none is left)…
    for (;;) {
      try {
        process.kill(-npm.pid!, 0);
      } catch {
        break;
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    // …and the demo removed its folder before it ended.
    expect(existsSync(dataDir)).toBe(false);
  }, 120_000);
});
