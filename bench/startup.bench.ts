// Start-up of the CLI as a user runs it: `node bin/implant-scan.mjs parse` with one scan on stdin,
// from spawn() to exit, and its peak RSS, beside `node -e 0` in the same rounds (targets: within
// 1.5× of its time, peak RSS ≤ 50 MB). `--version` shows what the entry alone costs: every
// command is a chunk loaded only when run (build.mjs), so parse never loads MQTT, SQLite or pino.
//
// Peak RSS is VmHWM, which each child writes to fd 3 as it exits (a small -r preload, the same for
// every case, so it adds alike to all).

import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Suite } from './suite.ts';
import { renderTable } from './table.ts';

const CLI = 'bin/implant-scan.mjs';
const SCAN = ']d201073999900010921729013110LOT-42\x1d21SER-7\n';
const TARGET_TIME_RATIO = 1.5;
const TARGET_RSS_MB = 50;

const PRELOAD = `process.on('exit', () => {
  const kb = /VmHWM:\\s+(\\d+)/.exec(require('fs').readFileSync('/proc/self/status', 'utf8'))[1];
  require('fs').writeSync(3, kb + '\\n');
});`;

interface Run {
  ms: number;
  peakMB: number;
}

/** spawn() → exit of `node -r preload ...args`, stdin given, and the child's peak RSS. */
function timeRun(preload: string, args: string[], input: string): Promise<Run> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(process.execPath, ['-r', preload, ...args], { stdio: ['pipe', 'ignore', 'inherit', 'pipe'] });
    let hwm = '';
    child.stdio[3]!.on('data', (c: Buffer) => void (hwm += c.toString()));
    child.stdin!.end(input);
    child.once('error', reject);
    child.once('close', (code) => {
      const ms = performance.now() - t0;
      if (code !== 0) reject(new Error(`node ${args.join(' ')} exited ${code}`));
      else resolve({ ms, peakMB: Number(hwm.trim()) / 1024 });
    });
  });
}

const median = (xs: readonly number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const max = (xs: readonly number[]): number => Math.max(...xs);

export const startupSuite: Suite = {
  name: 'startup',
  description: 'implant-scan parse (one scan): spawn → exit and peak RSS, beside node -e 0 (targets ≤ 1.5×, ≤ 50 MB)',
  async run(ctx) {
    if (!existsSync('dist/implant-scan.mjs')) return { notes: ['skip: dist/ is not built (node build.mjs)'], results: null };
    const rounds = ctx.measure.rounds ?? (ctx.quick ? 5 : 30);
    const dir = mkdtempSync(join(tmpdir(), 'implant-scan-startup-'));
    const preload = join(dir, 'peak-rss.cjs');
    writeFileSync(preload, PRELOAD);
    const cases = [
      { name: 'node -e 0 (floor)', args: ['-e', '0'], input: '' },
      { name: `node ${CLI} --version (the entry alone)`, args: [CLI, '--version'], input: '' },
      { name: `node ${CLI} parse, one scan`, args: [CLI, 'parse'], input: SCAN },
    ];
    const runs: Run[][] = cases.map(() => []);
    try {
      for (const c of cases) await timeRun(preload, c.args, c.input); // warm the file cache
      // In rotation, so that what else runs on the machine hits every case alike.
      for (let r = 0; r < rounds; r++) {
        for (let k = 0; k < cases.length; k++) {
          const i = (r + k) % cases.length;
          runs[i]!.push(await timeRun(preload, cases[i]!.args, cases[i]!.input));
        }
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    const figures = cases.map((c, i) => {
      const ms = runs[i]!.map((x) => x.ms);
      const mb = runs[i]!.map((x) => x.peakMB);
      return { name: c.name, medianMs: median(ms), maxMs: max(ms), medianPeakMB: median(mb), maxPeakMB: max(mb) };
    });
    const floor = figures[0]!;
    const parse = figures[2]!;
    const timeRatio = parse.medianMs / floor.medianMs;
    const rssRatio = parse.medianPeakMB / floor.medianPeakMB;
    ctx.log(
      renderTable(
        ['spawn → exit', 'median ms', 'max ms', 'peak RSS MB (median)', 'max MB', 'time ÷ node -e 0', 'RSS ÷ node -e 0'],
        figures.map((f) => [f.name, f.medianMs, f.maxMs, f.medianPeakMB, f.maxPeakMB, f.medianMs / floor.medianMs, f.medianPeakMB / floor.medianPeakMB]),
      ),
    );
    const timeMet = timeRatio <= TARGET_TIME_RATIO;
    const rssMet = parse.maxPeakMB <= TARGET_RSS_MB;
    ctx.log(`parse: ${timeRatio.toFixed(2)}× the time of node -e 0 (target ≤ ${TARGET_TIME_RATIO}×: ${timeMet ? 'met' : 'not met'}); peak RSS ${parse.maxPeakMB.toFixed(1)} MB at most (target ≤ ${TARGET_RSS_MB} MB: ${rssMet ? 'met' : 'not met'})`);
    return {
      notes: [`${rounds} rounds in rotation; times include Node's own start-up; peak RSS is the child's VmHWM`],
      results: { rounds, cases: figures, parse: { timeRatio, rssRatio, timeMet, rssMet, targetTimeRatio: TARGET_TIME_RATIO, targetRssMB: TARGET_RSS_MB } },
    };
  },
};
