// The outbox against real process death and a real write limit: a child process writes scans and
// reports which are durable; it is killed with SIGKILL mid-burst, or runs under `ulimit -f` so the
// kernel refuses its writes (EFBIG, as a full disk refuses them with ENOSPC).
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Outbox } from './outbox.ts';

let work: string;
let writer: string;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'outbox-crash-'));
  writer = join(work, 'journal-writer.mjs');
  await build({ entryPoints: [join(import.meta.dirname, 'journal-writer.test-support.ts')], bundle: true, platform: 'node', format: 'esm', outfile: writer, logLevel: 'error' });
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

interface Promised {
  appended: Set<string>;
  retired: Set<string>;
  errors: string[];
}

function parse(stdout: string): Promised {
  const p: Promised = { appended: new Set(), retired: new Set(), errors: [] };
  // A line cut by the kill is not a promise: only whole lines count.
  for (const line of stdout.split('\n').slice(0, -1)) {
    const [kind, value] = line.split(' ') as [string, string];
    if (kind === 'A') p.appended.add(value);
    else if (kind === 'R') p.retired.add(value);
    else if (kind === 'E') p.errors.push(value);
  }
  return p;
}

function runWriter(command: string, args: string[], killAfterLines: number | null): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      out += chunk;
      if (killAfterLines !== null && out.split('\n').length > killAfterLines) child.kill('SIGKILL');
    });
    child.on('error', reject);
    child.on('exit', () => resolve(out));
  });
}

describe('outbox durability against the real kernel', () => {
  it.each([40, 400, 1500])('kill -9 after about %i acknowledgements loses no acknowledged scan and revives no retired one', async (lines) => {
    const dir = join(work, `kill-${lines}`);
    const promised = parse(await runWriter(process.execPath, [writer, dir], lines));
    expect(promised.appended.size).toBeGreaterThan(0);

    const outbox = await Outbox.open({ dir, segmentBytes: 8192 });
    const pending = new Set([...outbox.pending()].map((p) => p.id));
    // The writer retires s(i-6) right after it reports s(i) (i a multiple of 3): a retire that was
    // under way when the kill came may have reached the disk without being reported.
    const retiring = (id: string) => {
      const i = Number(id.slice(1)) + 6;
      return i % 3 === 0 && promised.appended.has(`s${i}`);
    };
    for (const id of promised.appended) {
      if (!promised.retired.has(id) && !retiring(id)) expect(pending.has(id), `${id} was acknowledged`).toBe(true);
    }
    expect([...promised.appended].filter((id) => !promised.retired.has(id) && retiring(id) && !pending.has(id)).length).toBeLessThanOrEqual(1);
    for (const id of promised.retired) expect(pending.has(id), `${id} was retired`).toBe(false);
    // Nothing appears that was never written, and every payload is whole.
    for (const p of outbox.pending()) {
      const i = Number(p.id.slice(1));
      expect([...p.payload]).toEqual(Array(64).fill(i % 251));
    }
    await outbox.close();
  });

  it('when the kernel refuses writes (file size limit) the scan is refused, stored ones survive, and nothing torn is left', async () => {
    const dir = join(work, 'limit');
    // bash's ulimit -f counts 1024-byte blocks, for each file: 4 KiB is half a segment.
    const out = await runWriter('bash', ['-c', `ulimit -f 4 && exec "${process.execPath}" "${writer}" "${dir}"`], null);
    const promised = parse(out);
    expect(promised.errors.length).toBe(50);
    expect(new Set(promised.errors)).toEqual(new Set(['EFBIG']));
    expect(promised.appended.size).toBeGreaterThan(0);

    const outbox = await Outbox.open({ dir, segmentBytes: 8192 });
    expect(outbox.recovery.tornBytes).toBe(0);
    const pending = new Set([...outbox.pending()].map((p) => p.id));
    for (const id of promised.appended) if (!promised.retired.has(id)) expect(pending.has(id)).toBe(true);
    await outbox.close();
  });
});
