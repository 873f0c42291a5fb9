// `implant-scan sim` (cli/sim.ts) end to end: path on the first stdout line, stdin lines as scans.
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { SerialPort } from 'serialport';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { run, type SimIo } from '../cli/sim.ts';
import { waitFor } from './pty.ts';

let dir: string;
let port: SerialPort | null = null;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'firmware-sim-cli-'));
});

afterEach(async () => {
  const p = port;
  port = null;
  if (p?.isOpen) await new Promise<void>((r) => p.close(() => r()));
  rmSync(dir, { recursive: true, force: true });
});

function io(): SimIo & { out: () => string; err: () => string; stdin: PassThrough } {
  const stdin = new PassThrough();
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (c: Buffer) => (out += c.toString()));
  stderr.on('data', (c: Buffer) => (err += c.toString()));
  return { stdin, stdout, stderr, out: () => out, err: () => err };
}

it('prints the device path, sends each stdin line as a scan with the chosen settings, ends at EOF', async () => {
  const t = io();
  const done = run(['--dir', dir, '--no-aim', '--fnc1', 'sub:^', '--terminator', 'CRLF', '--prefix', '\\x02'], t);
  await waitFor(() => t.out().includes('\n'), 'the device path');
  const path = t.out().split('\n')[0]!;
  expect(path).toBe(join(dir, 'scanner'));
  port = new SerialPort({ path, baudRate: 9600, autoOpen: false });
  await new Promise<void>((resolve, reject) => port!.open((e) => (e ? reject(e) : resolve())));
  const chunks: Buffer[] = [];
  port.on('data', (c: Buffer) => chunks.push(c));
  t.stdin.write(']d2010950600013435217290131<GS>10AB-123\n');
  t.stdin.write('\n');
  t.stdin.write(']C101\\x1d2\r\n');
  const want = '\x02010950600013435217290131^10AB-123\r\n' + '\x0201^2\r\n';
  await waitFor(() => Buffer.concat(chunks).length >= want.length, 'both scans');
  expect(Buffer.concat(chunks).toString('latin1')).toBe(want);
  t.stdin.end();
  expect(await done).toBe(0);
  expect(existsSync(path)).toBe(false);
});

it.each([
  [['--fnc1', 'tab'], /--fnc1 must be gs, drop or sub:STRING/],
  [['--terminator', 'ETX'], /--terminator must be one of CR, LF, CRLF, TAB, none/],
  [['--profile', 'acme'], /--profile must be one of honeywell, zebra, datalogic/],
  [['--delay-ms', '1.5'], /--delay-ms takes a whole number/],
  [['--prefix', '\\q'], /bad escape/],
  [['--bogus'], /Unknown option/],
])('%j is a usage error (2)', async (argv, message) => {
  const t = io();
  expect(await run([...argv, '--dir', dir], t)).toBe(2);
  expect(t.err()).toMatch(message);
  expect(t.out()).toBe('');
});

it('a bad script fails with its line number, and unplugs', async () => {
  const t = io();
  const script = join(dir, 'bad.scn');
  writeFileSync(script, 'scan A\nexplode\n');
  expect(await run(['--dir', dir, '--script', script], t)).toBe(1);
  expect(t.err()).toMatch(/scenario line 2: unknown step 'explode'/);
  expect(existsSync(join(dir, 'scanner'))).toBe(false);
});

it('--help', async () => {
  const t = io();
  expect(await run(['--help'], t)).toBe(0);
  expect(t.out()).toMatch(/^usage: implant-scan sim/);
});
