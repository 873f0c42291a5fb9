// Suite "demo-chain": the whole chain as a user runs it, `implant-scan demo --exit-on-eof` (the
// built CLI: aedes, the simulated scanner on a real pty when socat is there, the gateway daemon,
// the uplink, the national service, all in one process) with N distinct scans piped in (20,000;
// quick: 2,000). Timed from the `ready` line (the first scan is written after it) until the
// process exits, i.e. every scan has its outcome. Every scan must come back as exactly one
// `receipt` line with status accepted and an order code, or the run fails. Peak RSS is the
// child's VmHWM, written to fd 3 as it exits.
// Baseline in the same run: the same lines piped through `implant-scan parse` (the CLI reading
// stdin and parsing each line, printing a JSON result): the floor of reading and parsing them in
// one process, with nothing stored or sent. Ratio: our scans/s ÷ the baseline's.
// Target: ≥ 5,000 scans/s, every scan receipted once.

import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { Suite } from './suite.ts';
import { formatNumber, renderTable } from './table.ts';

const CLI = 'bin/implant-scan.mjs';
const TARGET_SCANS_PER_SEC = 5000;
const PRELOAD = `process.on('exit', () => {
  const kb = /VmHWM:\\s+(\\d+)/.exec(require('fs').readFileSync('/proc/self/status', 'utf8'))[1];
  require('fs').writeSync(3, kb + '\\n');
});`;

/** Distinct valid GS1 scans of a catalogue product, as the scanner types them (AIM id, GS for FNC1). */
const scanLines = (n: number): string[] => Array.from({ length: n }, (_, i) => `]d201073999900010921729013110D${i}\x1d21S${i}`);

interface ChainRun {
  seconds: number;
  startSeconds: number;
  peakMB: number;
  receipts: Map<string, number>;
  notAccepted: number;
  refused: number;
}

/** Spawns `node -r preload args`, feeds `input` once `startWhen(line)` says so (or at once), collects stdout lines. */
function runCli(preload: string, args: string[], input: string, onLine: (line: string) => void, startWhen?: (line: string) => boolean) {
  return new Promise<{ seconds: number; startSeconds: number; peakMB: number }>((resolve, reject) => {
    const spawned = performance.now();
    const child = spawn(process.execPath, ['-r', preload, CLI, ...args], { stdio: ['pipe', 'pipe', 'ignore', 'pipe'] });
    let hwm = '';
    let t0 = spawned;
    let started = false;
    const start = () => {
      started = true;
      t0 = performance.now();
      child.stdin!.end(input);
    };
    child.stdio[3]!.on('data', (c: Buffer) => void (hwm += c.toString()));
    createInterface({ input: child.stdout! }).on('line', (line) => {
      if (!started && startWhen?.(line)) start();
      onLine(line);
    });
    if (!startWhen) start();
    child.once('error', reject);
    child.once('close', (code) => {
      const end = performance.now();
      if (code !== 0) reject(new Error(`implant-scan ${args.join(' ')} exited ${code}`));
      else resolve({ seconds: (end - t0) / 1000, startSeconds: (t0 - spawned) / 1000, peakMB: Number(hwm.trim()) / 1024 });
    });
  });
}

async function demoChain(preload: string, dataDir: string, lines: readonly string[]): Promise<ChainRun> {
  const receipts = new Map<string, number>();
  let notAccepted = 0;
  let refused = 0;
  const run = await runCli(
    preload,
    ['demo', '--exit-on-eof', '--data-dir', dataDir, '--log-level', 'warn'],
    lines.join('\n') + '\n',
    (line) => {
      if (line.startsWith('receipt ')) {
        const r = JSON.parse(line.slice(8)) as { scanId: string; status: string; orderCode: string | null };
        receipts.set(r.scanId, (receipts.get(r.scanId) ?? 0) + 1);
        if (r.status !== 'accepted' || r.orderCode === null) notAccepted++;
      } else if (line.startsWith('refused ')) refused++;
    },
    (line) => line.startsWith('ready '),
  );
  return { ...run, receipts, notAccepted, refused };
}

export const demoChainSuite: Suite = {
  name: 'demo-chain',
  description: 'implant-scan demo --exit-on-eof with 20,000 piped scans: scans/s and peak RSS, every scan receipted once; beside implant-scan parse on the same lines',
  async run(ctx) {
    if (!existsSync('dist/implant-scan.mjs')) return { notes: ['skip: dist/ is not built (node build.mjs)'], results: null };
    const n = ctx.quick ? 2000 : 20_000;
    const dir = mkdtempSync(join(tmpdir(), 'implant-scan-demo-chain-'));
    try {
      const preload = join(dir, 'peak-rss.cjs');
      writeFileSync(preload, PRELOAD);
      const lines = scanLines(n);
      mkdirSync(join(dir, 'demo'));
      const chain = await demoChain(preload, join(dir, 'demo'), lines);
      let parsed = 0;
      const parse = await runCli(preload, ['parse'], lines.join('\n') + '\n', () => void parsed++);
      const once = [...chain.receipts.values()].filter((c) => c === 1).length;
      if (chain.receipts.size !== n || once !== n || chain.notAccepted > 0 || chain.refused > 0) {
        throw new Error(`expected ${n} scans receipted once each, accepted: ${chain.receipts.size} with receipts, ${once} once, ${chain.notAccepted} not accepted, ${chain.refused} refused`);
      }
      if (parsed !== n) throw new Error(`implant-scan parse printed ${parsed} results for ${n} lines`);
      const rate = n / chain.seconds;
      const parseRate = n / parse.seconds;
      const met = rate >= TARGET_SCANS_PER_SEC;
      ctx.log(
        renderTable(
          ['case', 'seconds', 'scans/s', 'peak RSS MB'],
          [
            [`implant-scan demo --exit-on-eof, ${n.toLocaleString('en-US')} piped scans, ready → exit`, chain.seconds, Math.round(rate), chain.peakMB],
            [`implant-scan parse, the same lines, spawn → exit`, parse.seconds, Math.round(parseRate), parse.peakMB],
          ],
        ),
      );
      ctx.log(`demo ÷ parse: ${formatNumber(rate / parseRate)}× (the demo's start-up before ready: ${formatNumber(chain.startSeconds)} s, not timed)`);
      ctx.log(`target ≥ ${TARGET_SCANS_PER_SEC.toLocaleString('en-US')} scans/s, every scan receipted once: ${formatNumber(rate)} scans/s, ${once.toLocaleString('en-US')} receipted once — ${met ? 'met' : 'NOT met'}`);
      return {
        notes: [
          'One run each (a 20,000-scan chain is a long round), the demo first, on this machine with whatever else runs on it.',
          'The demo is the built CLI in one process: broker, scanner simulator (a socat pty when socat is installed, else straight to the gateway), gateway daemon, uplink and national service, each fsyncing its own journal or database in the demo’s data folder.',
          'Every scan is distinct (its own lot and serial), so no double-read refusal; each must come back as exactly one accepted receipt with an order code.',
          'Baseline: implant-scan parse on the same lines, timed from spawn (it has no ready line), so it includes its own start-up (~0.1 s).',
        ],
        results: { scans: n, seconds: chain.seconds, scansPerSec: rate, peakMB: chain.peakMB, startSeconds: chain.startSeconds, parseSeconds: parse.seconds, parseScansPerSec: parseRate, parsePeakMB: parse.peakMB, ratio: rate / parseRate, receiptedOnce: once, target: TARGET_SCANS_PER_SEC, met },
      };
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
};
