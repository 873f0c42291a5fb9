// `implant-scan parse` as a user runs it — a whole process, scans from a file on stdin, one JSON
// per scan into a file — beside the GS1 engine's JS build doing the same in its own process and
// a `node -e` floor that only cuts lines and writes a fixed JSON line per scan. Each process runs
// on a small and a large corpus (the same scans repeated); the per-scan cost is the slope
// (time(large) − time(small)) ÷ (large − small), so start-up and module loading cancel.

import { execFileSync, spawn } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ENGINE_CHILD_FLAG } from './parser-engine-child.ts';

const CLI = 'bin/implant-scan.mjs';
// The I/O floor: lines cut as our CLI cuts them, a constant JSON line of about our size per scan.
const FLOOR = `const line = JSON.stringify({ ok: true, scheme: 'gs1', symbology: ']d2', elements: [], udi: { di: '09506000134352', lot: 'LOT-4a', serial: 'X9', expiry: '2029-03-31', manufactured: null }, errors: [] }) + '\\n';
(async () => { for await (const c of process.stdin) { const t = c.toString('latin1'); let out = ''; for (let i = t.indexOf('\\n'); i !== -1; i = t.indexOf('\\n', i + 1)) out += line; if (!process.stdout.write(out)) await new Promise((r) => process.stdout.once('drain', r)); } })();`;

export interface ProcessCase {
  id: string;
  name: string;
  /** The executable: node (with a -r preload that reports its CPU time) unless given. */
  command?: string;
  args: string[];
}

export interface ProcessFigure {
  id: string;
  name: string;
  /** Median spawn → exit (wall) and CPU time of the process, ms, for each corpus size. */
  medianWallMs: Record<string, number>;
  medianCpuMs: Record<string, number>;
  /** µs per scan: the slope between the two corpus sizes, of wall time and of CPU time. */
  wallUsPerScan: number;
  cpuUsPerScan: number;
  /** Lines written for the large corpus (must equal its scans). */
  linesOut: number;
}

export interface ProcessResult {
  sizes: [number, number];
  rounds: number;
  figures: ProcessFigure[];
}

/** The compiled driver of the engine's C build (baselines/gs1-engine-native.c), if given. */
export const GS1_ENGINE_NATIVE_ENV = 'GS1_ENGINE_NATIVE';

export function processCases(enginePresent: boolean, native: string | undefined): ProcessCase[] {
  const cases: ProcessCase[] = [
    { id: 'implant-scan-parse', name: `node ${CLI} parse`, args: [CLI, 'parse'] },
    { id: 'node-e-floor', name: 'node -e (cut lines, write a fixed JSON line)', args: ['-e', FLOOR] },
  ];
  // This bundle (dist/bench.mjs) plays the engine's process (parser-engine-child.ts).
  if (enginePresent) cases.push({ id: 'gs1-engine-process', name: 'GS1 Syntax Engine (pure JS), validate + HRI JSON', args: [process.argv[1]!, ENGINE_CHILD_FLAG] });
  if (native !== undefined) cases.push({ id: 'gs1-engine-native-process', name: 'GS1 Syntax Engine (native C), validate + HRI JSON', command: native, args: [] });
  return cases;
}

// Each child writes its CPU time (user + system, µs) to fd 3 as it exits: on a machine shared with
// other jobs, CPU time says more about the work than wall time, which includes waiting for a core.
const CPU_PRELOAD = `process.on('exit', () => { const u = process.cpuUsage(); require('fs').writeSync(3, String(u.user + u.system)); });`;

interface Timing {
  wallMs: number;
  cpuMs: number;
}

function timeProcess(preload: string, c: ProcessCase, inputPath: string, outputPath: string): Promise<Timing> {
  return c.command === undefined ? timeNode(preload, c.args, inputPath, outputPath) : timeNative(c.command, c.args, inputPath, outputPath);
}

/** A native process: its CPU time from /usr/bin/time's report (user + system seconds) in a file. */
async function timeNative(command: string, args: string[], inputPath: string, outputPath: string): Promise<Timing> {
  const report = `${outputPath}.time`;
  const t = await timeSpawn('/usr/bin/time', ['-f', '%U %S', '-o', report, command, ...args], inputPath, outputPath, () => 0);
  return { wallMs: t.wallMs, cpuMs: readFileSync(report, 'utf8').trim().split(/\s+/).reduce((sum, x) => sum + Number(x) * 1000, 0) };
}

function timeNode(preload: string, args: string[], inputPath: string, outputPath: string): Promise<Timing> {
  return timeSpawn(process.execPath, ['-r', preload, ...args], inputPath, outputPath, (text) => Number(text) / 1000);
}

/** spawn → close of a process with stdin from a file and stdout into one; it reports CPU time on fd 3. */
function timeSpawn(command: string, args: string[], inputPath: string, outputPath: string, cpuMs: (fd3: string) => number): Promise<Timing> {
  return new Promise((resolve, reject) => {
    const stdin = openSync(inputPath, 'r');
    const stdout = openSync(outputPath, 'w');
    const t0 = performance.now();
    const child = spawn(command, args, { stdio: [stdin, stdout, 'inherit', 'pipe'] });
    closeSync(stdin);
    closeSync(stdout);
    let cpu = '';
    child.stdio[3]!.on('data', (c: Buffer) => void (cpu += c.toString()));
    child.once('error', reject);
    child.once('close', (code) => {
      const wallMs = performance.now() - t0;
      if (code !== 0) reject(new Error(`${command} ${args[0]} exited ${code}`));
      else resolve({ wallMs, cpuMs: cpuMs(cpu) });
    });
  });
}

const median = (xs: readonly number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

function countLines(path: string): number {
  const b = readFileSync(path);
  let n = 0;
  for (let i = b.indexOf(10); i !== -1; i = b.indexOf(10, i + 1)) n++;
  return n;
}

/** Times every case on `texts` repeated to each size, in rotation, `rounds` times. */
export async function measureProcesses(cases: readonly ProcessCase[], texts: readonly string[], sizes: [number, number], rounds: number): Promise<ProcessResult> {
  const dir = mkdtempSync(join(tmpdir(), 'implant-scan-parse-process-'));
  try {
    const inputs = sizes.map((n, k) => {
      const path = join(dir, `scans-${k}.txt`);
      const lines: string[] = [];
      for (let i = 0; i < n; i++) lines.push(texts[i % texts.length]!);
      writeFileSync(path, `${lines.join('\n')}\n`, 'latin1');
      return path;
    });
    const out = join(dir, 'out.jsonl');
    const preload = join(dir, 'cpu-time.cjs');
    writeFileSync(preload, CPU_PRELOAD);
    const runs = cases.map(() => sizes.map((): Timing[] => []));
    for (const c of cases) await timeProcess(preload, c, inputs[0]!, out); // warm the file cache
    for (let r = 0; r < rounds; r++) {
      for (let k = 0; k < cases.length; k++) {
        const i = (r + k) % cases.length;
        for (let s = 0; s < sizes.length; s++) runs[i]![s]!.push(await timeProcess(preload, cases[i]!, inputs[s]!, out));
      }
    }
    const figures: ProcessFigure[] = [];
    for (let i = 0; i < cases.length; i++) {
      await timeProcess(preload, cases[i]!, inputs[1]!, out);
      const wall = runs[i]!.map((t) => median(t.map((x) => x.wallMs)));
      const cpu = runs[i]!.map((t) => median(t.map((x) => x.cpuMs)));
      const slope = (ms: number[]): number => ((ms[1]! - ms[0]!) * 1000) / (sizes[1] - sizes[0]);
      figures.push({
        id: cases[i]!.id,
        name: cases[i]!.name,
        medianWallMs: { [sizes[0]]: wall[0]!, [sizes[1]]: wall[1]! },
        medianCpuMs: { [sizes[0]]: cpu[0]!, [sizes[1]]: cpu[1]! },
        wallUsPerScan: slope(wall),
        cpuUsPerScan: slope(cpu),
        linesOut: countLines(out),
      });
    }
    return { sizes, rounds, figures };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The native engine in process: its driver's own timing (--time), median and best µs/scan over rounds. */
export function nativeInProcess(native: string, texts: readonly string[], rounds: number): { case: string; medianUsPerScan: number; minUsPerScan: number }[] {
  const input = `${texts.join('\n')}\n`;
  const out = execFileSync(native, ['--time', String(rounds)], { input: Buffer.from(input, 'latin1'), encoding: 'utf8' });
  return out.trim().split('\n').map((l) => JSON.parse(l) as { case: string; medianUsPerScan: number; minUsPerScan: number });
}
