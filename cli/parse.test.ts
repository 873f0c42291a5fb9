// `implant-scan parse` as a user runs it: the built CLI in a child process, stdin to stdout.
import { execFileSync, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildCli } from '../test/built-cli.test-support.ts';

const GS = '\x1d';
const LABEL = ']d2' + '0109506000134352' + '17290131' + '10AB-123' + GS + '21S12345';

let cli: string;
beforeAll(async () => {
  cli = await buildCli();
});

function runParse(input: string | Buffer, args: string[] = []): { stdout: string; status: number } {
  try {
    const stdout = execFileSync(process.execPath, [cli, 'parse', ...args], { input, encoding: 'utf8' });
    return { stdout, status: 0 };
  } catch (e) {
    const err = e as { stdout: string; status: number };
    return { stdout: err.stdout, status: err.status };
  }
}

const lines = (s: string) => s.trimEnd().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);

describe('implant-scan parse', () => {
  it('writes one JSON object per line in the documented shape', () => {
    const out = lines(runParse(`${LABEL}\r\n19121212-1212\nhello\n+A999123457`).stdout);
    expect(out).toHaveLength(4);
    expect(Object.keys(out[0]!)).toEqual(['ok', 'scheme', 'symbology', 'elements', 'udi', 'errors']);
    expect(out[0]).toMatchObject({ ok: true, scheme: 'gs1', symbology: ']d2', udi: { di: '09506000134352', lot: 'AB-123', serial: 'S12345', expiry: '2029-01-31', manufactured: null } });
    expect(out[1]).toMatchObject({ ok: false, scheme: 'personal-id' });
    expect(JSON.stringify(out[1])).not.toContain('1212');
    expect(out[2]).toMatchObject({ ok: false, scheme: 'unknown', errors: [{ code: 'unrecognised' }] });
    expect(out[3]).toMatchObject({ ok: true, scheme: 'hibc' });
  });

  it('gives the plain reason by default and the precise message with --verbose', () => {
    const cut = ']d201095060001343\n';
    expect(lines(runParse(cut).stdout)[0]).toMatchObject({ ok: false, errors: [{ code: 'truncated', message: 'The barcode was read incompletely — scan again.' }] });
    expect(lines(runParse(cut, ['--verbose']).stdout)[0]).toMatchObject({ ok: false, errors: [{ code: 'truncated', message: expect.stringMatching(/^\(01\) .*14 characters/) }] });
  });

  it('reads a line split over many chunks as one scan', async () => {
    const child = spawn(process.execPath, [cli, 'parse'], { stdio: ['pipe', 'pipe', 'inherit'] });
    let stdout = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    for (const ch of `${LABEL}\r\n${LABEL}\n`) {
      child.stdin.write(ch);
      await new Promise((r) => setImmediate(r));
    }
    child.stdin.end();
    await new Promise((r) => child.on('exit', r));
    expect(lines(stdout).map((o) => o.ok)).toEqual([true, true]);
  });

  it('keeps empty lines, so output line n answers input line n', () => {
    const out = lines(runParse(`\n${LABEL}\n\n`).stdout);
    expect(out.map((o) => o.ok)).toEqual([false, true, false]);
  });

  it('reads bytes that are not UTF-8 and reports them', () => {
    const out = lines(runParse(Buffer.concat([Buffer.from(']d20109506000134352' + '10AB'), Buffer.from([0xc3, 0x28, 0xff]), Buffer.from('\n')])).stdout);
    expect(out[0]).toMatchObject({ ok: false, scheme: 'gs1', errors: [{ code: 'bad-charset' }] });
  });

  it('reports a 1 MiB line without a terminator as too long, and goes on', () => {
    const out = lines(runParse('7'.repeat(1 << 20) + '\n' + LABEL + '\n').stdout);
    expect(out[0]).toMatchObject({ ok: false, errors: [{ code: 'too-long' }] });
    expect(out[1]).toMatchObject({ ok: true });
  });

  it('accepts a configured FNC1 substitute and refuses bad options', () => {
    expect(lines(runParse(LABEL.replace(GS, '^') + '\n', ['--gs-substitute', '^']).stdout)[0]).toMatchObject({ ok: true });
    expect(runParse('', ['--gs-substitute', 'ab']).status).toBe(2);
    expect(runParse('', ['--frobnicate']).status).toBe(2);
  });

  // Its memory and start-up figures are in the startup benchmark (bench/startup.bench.ts).
  it('streams 200,000 lines, with back-pressure on both sides', async () => {
    const total = 200_000;
    const child = spawn(process.execPath, [cli, 'parse'], { stdio: ['pipe', 'pipe', 'inherit'] });
    const rl = createInterface({ input: child.stdout });
    let received = 0;
    let okCount = 0;
    const done = new Promise<void>((resolve) => {
      rl.on('line', (l) => {
        received++;
        if (l.startsWith('{"ok":true')) okCount++;
        if (received === total) resolve();
      });
    });
    const batch = (LABEL + '\n').repeat(1000);
    for (let sent = 0; sent < total; sent += 1000) {
      if (!child.stdin.write(batch)) await new Promise((r) => child.stdin.once('drain', r));
    }
    await done;
    child.stdin.end();
    await new Promise((r) => child.on('exit', r));
    expect(okCount).toBe(total);
  });
});
