// The benchmark runner behind `npm run bench` (bundled to dist/bench.mjs by build.mjs).
//
//   node --expose-gc dist/bench.mjs              every suite
//   node --expose-gc dist/bench.mjs parser       one suite (several names: several suites)
//   node --expose-gc dist/bench.mjs --list       the suites and what they measure
//   options: --rounds N   timed rounds per case   --quick   smoke run, figures not for quoting
//            --out FILE   JSON result file (default bench/results/latest.json, gitignored)
//
// Each suite prints readable tables; the runner adds the machine and writes every figure to the
// JSON file so that it can be quoted. A new suite: write bench/<name>.bench.ts exporting a
// `Suite` (bench/suite.ts) and add it to `suites` below.

import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { arch, cpus, platform, totalmem } from 'node:os';
import { dirname, resolve } from 'node:path';
import { defaultMeasureOptions, gcAvailable, type MeasureOptions } from './measure.ts';
import { brokerSuite } from './broker.bench.ts';
import { demoChainSuite } from './demo-chain.bench.ts';
import { gatewaySuite } from './gateway.bench.ts';
import { mqttSuite } from './mqtt.bench.ts';
import { nationalSuite } from './national.bench.ts';
import { outboxSuite } from './outbox.bench.ts';
import { uplinkSuite } from './uplink.bench.ts';
import { parserSuite } from './parser.bench.ts';
import { ENGINE_CHILD_FLAG, runEngineChild } from './parser-engine-child.ts';
import { piBudgetSuite } from './pi-budget.bench.ts';
import { startupSuite } from './startup.bench.ts';
import type { Suite, SuiteContext, SuiteReport } from './suite.ts';

const suites: readonly Suite[] = [parserSuite, startupSuite, mqttSuite, outboxSuite, gatewaySuite, nationalSuite, uplinkSuite, demoChainSuite, brokerSuite, piBudgetSuite];

interface Args {
  names: string[];
  list: boolean;
  quick: boolean;
  rounds: number | null;
  out: string;
}

function usage(): string {
  return [
    'usage: node --expose-gc dist/bench.mjs [suite ...] [--rounds N] [--quick] [--out FILE] [--list]',
    'suites:',
    ...suites.map((s) => `  ${s.name.padEnd(12)} ${s.description}`),
  ].join('\n');
}

function parseArgs(argv: readonly string[]): Args {
  const args: Args = { names: [], list: false, quick: false, rounds: null, out: 'bench/results/latest.json' };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--list') args.list = true;
    else if (a === '--quick') args.quick = true;
    else if (a === '--rounds' || a === '--out') {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${a} needs a value`);
      if (a === '--out') args.out = v;
      else {
        const n = Number(v);
        if (!Number.isInteger(n) || n < 1) throw new Error(`--rounds needs a positive integer, not ${v}`);
        args.rounds = n;
      }
    } else if (a === '--help' || a === '-h') args.list = true;
    else if (a.startsWith('-')) throw new Error(`unknown option ${a}`);
    else args.names.push(a);
  }
  return args;
}

function gitCommit(): string | null {
  try {
    const head = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim() !== '';
    return dirty ? `${head}+uncommitted` : head;
  } catch {
    return null;
  }
}

function machine(): Record<string, unknown> {
  const c = cpus();
  return {
    node: process.version,
    v8: process.versions.v8,
    platform: `${platform()} ${arch()}`,
    cpu: c[0]?.model.trim() ?? 'unknown',
    cores: c.length,
    memoryGiB: Math.round((totalmem() / 1024 ** 3) * 10) / 10,
    exposeGc: gcAvailable(),
  };
}

async function main(): Promise<number> {
  let args: Args;
  try {
    args = parseArgs(process.argv.slice(2));
  } catch (e) {
    console.error(`${(e as Error).message}\n${usage()}`);
    return 2;
  }
  if (args.list) {
    console.log(usage());
    return 0;
  }
  const unknown = args.names.filter((n) => !suites.some((s) => s.name === n));
  if (unknown.length > 0) {
    console.error(`unknown suite ${unknown.join(', ')}\n${usage()}`);
    return 2;
  }
  const selected = args.names.length === 0 ? suites : suites.filter((s) => args.names.includes(s.name));

  const measure: Partial<MeasureOptions> = {};
  if (args.quick) Object.assign(measure, { rounds: 5, warmupRounds: 2, warmupMs: 50 });
  if (args.rounds !== null) measure.rounds = args.rounds;

  const env = machine();
  console.log(`implant-scan benchmarks · node ${env.node} · ${env.cpu} × ${env.cores} · ${env.platform}`);
  if (!gcAvailable()) console.log('note: run with node --expose-gc (npm run bench does) for GC-fair rounds and the heap figures');
  if (args.quick) console.log('note: --quick run: fewer rounds and a smaller corpus, not for quoting');
  console.log(`rounds per case: ${measure.rounds ?? defaultMeasureOptions.rounds}`);

  const reports: Record<string, SuiteReport & { description: string; seconds: number }> = {};
  for (const suite of selected) {
    console.log(`\n== ${suite.name}: ${suite.description}`);
    const ctx: SuiteContext = { log: (t) => console.log(t), measure, quick: args.quick };
    const t0 = performance.now();
    const report = await suite.run(ctx);
    const seconds = Math.round((performance.now() - t0) / 100) / 10;
    reports[suite.name] = { description: suite.description, seconds, ...report };
    console.log(`(${suite.name}: ${seconds} s)`);
  }

  const out = resolve(process.cwd(), args.out);
  const doc = {
    generatedAt: new Date().toISOString(),
    commit: gitCommit(),
    machine: env,
    quick: args.quick,
    measure: { ...defaultMeasureOptions, ...measure },
    suites: reports,
  };
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, `${JSON.stringify(doc, null, 2)}\n`);
  console.log(`\nresults written to ${out}`);
  return 0;
}

// The parser suite times the GS1 engine as a whole process by running this bundle in that role.
process.exitCode = process.argv[2] === ENGINE_CHILD_FLAG ? await runEngineChild() : await main();
