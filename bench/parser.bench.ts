// Suite "parser": protocol/udi parse() on a corpus of UDI scans, against the official GS1 Barcode
// Syntax Engine's pure-JS build (when GS1_ENGINE_JS points at it) and gs1-barcode-parser-mod, in
// this process, on the same scans. Reports µs/scan (median and p99 over rounds), scans/s, the
// ratio baseline time / our time, how many scans each side judged valid and where they disagree,
// and the heap each one allocates and retains.

import { parse, type ParseResult } from '../protocol/udi/index.ts';
import type { CorpusItem } from '../firmware-sim/corpus.ts';
import { modError, modParse, modValidates } from './baselines/gs1-barcode-parser-mod.ts';
import { loadGs1Engine, type Gs1Engine } from './baselines/gs1-engine.ts';
import { compare, heapFigure, ratio, type Case, type HeapFigure, type Measurement } from './measure.ts';
import { parserWorkloads, type Workload } from './parser-corpus.ts';
import { GS1_ENGINE_NATIVE_ENV, measureProcesses, nativeInProcess, processCases, type ProcessResult } from './parser-process.ts';
import { engineInput, modInput, type EngineInput } from './parser-inputs.ts';
import type { Suite, SuiteContext, SuiteReport } from './suite.ts';
import { formatBytes, formatNumber, renderTable, type Cell } from './table.ts';

/** The target: at least this many times faster than the engine doing the same validation. */
const TARGET_VS_ENGINE = 3;
const HEAP_REPEATS = 100;
const SAMPLES_PER_CLASS = 10;

const OURS = 'implant-scan parse()';
const OURS_VALIDATES =
  'full AI validation: GS1 Syntax Dictionary formats, check digits, dates, all linters, req/ex/repeat rules; plus the personal-id guard, "no GTIN, no product", and UDI extraction (elements, DI/lot/serial, ISO dates)';

/** A baseline as the suite sees it: which scans it can take, one round over them, one verdict. */
interface Baseline {
  id: string;
  name: string;
  validates: string;
  /** The baseline's input for a scan, or null when it cannot read that kind of code. */
  input: (text: string) => unknown;
  /** Makes a round over prepared inputs; returns something derived from the work. */
  round: (inputs: unknown[]) => () => unknown;
  /** Untimed: the verdict and, when refused, why. */
  verdict: (input: unknown) => { valid: boolean; error: string | null };
  /** Error codes of ours that this baseline does not check at all: disagreements they explain. */
  unchecked: ReadonlySet<string>;
  /** Whether agreement is reported (a variant doing the same validation as another is not). */
  agreement: boolean;
}

function engineBaselines(e: Gs1Engine): Baseline[] {
  const call = (x: EngineInput): boolean => (x.api === 'scanData' ? e.scanData(x.text) : e.aiDataStr(x.text));
  const unchecked = new Set(['not-a-product', 'personal-id']);
  const validates = `the same checks, configured as: ${e.configuration.join('; ')}`;
  return [
    {
      id: 'gs1-engine',
      name: 'GS1 Syntax Engine, validate',
      validates: `${validates}. Timed: setScanData/setAIdataStr only (the verdict, no data read back)`,
      input: engineInput,
      round: (inputs) => {
        const xs = inputs as EngineInput[];
        return () => {
          let ok = 0;
          for (let i = 0; i < xs.length; i++) if (call(xs[i]!)) ok++;
          return ok;
        };
      },
      verdict: (x) => {
        const valid = call(x as EngineInput);
        return { valid, error: valid ? null : e.errorMessage() };
      },
      unchecked,
      agreement: true,
    },
    {
      id: 'gs1-engine-hri',
      name: 'GS1 Syntax Engine, validate + HRI',
      validates: 'as above, plus reading the elements back (getHRI), closer to what parse() returns',
      input: engineInput,
      round: (inputs) => {
        const xs = inputs as EngineInput[];
        return () => {
          let n = 0;
          for (let i = 0; i < xs.length; i++) if (call(xs[i]!)) n += e.hri().length;
          return n;
        };
      },
      verdict: (x) => ({ valid: call(x as EngineInput), error: null }),
      unchecked,
      agreement: false,
    },
  ];
}

const modBaseline: Baseline = {
  id: 'gs1-barcode-parser-mod',
  name: 'gs1-barcode-parser-mod',
  validates: modValidates,
  input: modInput,
  round: (inputs) => {
    const xs = inputs as string[];
    return () => {
      let ok = 0;
      for (let i = 0; i < xs.length; i++) if (modParse(xs[i]!) !== null) ok++;
      return ok;
    };
  },
  verdict: (x) => {
    const error = modError(x as string);
    return { valid: error === null, error };
  },
  unchecked: new Set([
    'bad-check-digit',
    'bad-value',
    'bad-charset',
    'missing-required-ai',
    'excluded-ai',
    'duplicate-ai',
    'not-a-product',
    'personal-id',
  ]),
  agreement: true,
};

function oursRound(texts: readonly string[]): () => unknown {
  return () => {
    let ok = 0;
    for (let i = 0; i < texts.length; i++) if (parse(texts[i]!).ok) ok++;
    return ok;
  };
}

interface Sample {
  kind: string;
  scan: string;
  ours: { ok: boolean; scheme: string; errors: string[] };
  baseline: { valid: boolean; error: string | null };
}

interface Agreement {
  scans: number;
  oursValid: number;
  baselineValid: number;
  agree: number;
  disagree: number;
  /** Disagreements where ours refuses only for reasons the baseline does not check. */
  explained: number;
  explainedBy: Record<string, number>;
  toInvestigate: number;
  samplesToInvestigate: Sample[];
  samplesExplained: Sample[];
}

/** Personal identity numbers are never echoed, not even synthetic ones in a result file. */
function shown(item: CorpusItem, r: ParseResult): string {
  return item.kind === 'personal-id' || r.scheme === 'personal-id' ? '[personal-id scan, not echoed]' : item.text;
}

function agreement(b: Baseline, items: readonly CorpusItem[], ours: readonly ParseResult[], inputs: readonly (unknown | null)[]): Agreement {
  const a: Agreement = {
    scans: 0,
    oursValid: 0,
    baselineValid: 0,
    agree: 0,
    disagree: 0,
    explained: 0,
    explainedBy: {},
    toInvestigate: 0,
    samplesToInvestigate: [],
    samplesExplained: [],
  };
  for (let i = 0; i < items.length; i++) {
    const input = inputs[i];
    if (input === null || input === undefined) continue;
    const r = ours[i]!;
    const v = b.verdict(input);
    a.scans++;
    if (r.ok) a.oursValid++;
    if (v.valid) a.baselineValid++;
    if (r.ok === v.valid) {
      a.agree++;
      continue;
    }
    a.disagree++;
    const codes = r.errors.map((e) => e.code);
    const sample: Sample = {
      kind: items[i]!.kind,
      scan: shown(items[i]!, r),
      ours: { ok: r.ok, scheme: r.scheme, errors: r.errors.map((e) => `${e.code}: ${e.message}`) },
      baseline: v,
    };
    if (!r.ok && codes.length > 0 && codes.every((c) => b.unchecked.has(c))) {
      a.explained++;
      for (const c of new Set(codes)) a.explainedBy[c] = (a.explainedBy[c] ?? 0) + 1;
      if (a.samplesExplained.length < SAMPLES_PER_CLASS) a.samplesExplained.push(sample);
    } else {
      a.toInvestigate++;
      if (a.samplesToInvestigate.length < SAMPLES_PER_CLASS) a.samplesToInvestigate.push(sample);
    }
  }
  return a;
}

interface Row {
  case: string;
  baseline: string | null;
  scans: number;
  measurement: Measurement;
  /** For a baseline: its median / our median on the same scans. */
  ratio: number | null;
}

interface WorkloadResult {
  name: string;
  description: string;
  scans: number;
  kinds: Record<string, { scans: number; oursValid: number; baselineValid: Record<string, number | null> }>;
  timing: Row[];
  agreement: Record<string, Agreement>;
  heap?: HeapFigure[];
}

function runWorkload(ctx: SuiteContext, w: Workload, baselines: readonly Baseline[], withHeap: boolean): WorkloadResult {
  const texts = w.items.map((i) => i.text);
  const ours = texts.map((t) => parse(t));
  const n = texts.length;

  // Our parser on the whole workload, and on each smaller subset a baseline reads, so that every
  // ratio compares the same scans.
  const cases: Case[] = [{ name: OURS, ops: n, run: oursRound(texts) }];
  const oursCaseFor = new Map<string, number>([[`all`, 0]]);
  const plan: { b: Baseline; inputs: (unknown | null)[]; oursIndex: number; caseIndex: number; scans: number }[] = [];
  for (const b of baselines) {
    const inputs = texts.map((t) => b.input(t));
    const idx = inputs.flatMap((x, i) => (x === null ? [] : [i]));
    if (idx.length === 0) continue;
    const key = idx.length === n ? 'all' : idx.join(',');
    let oursIndex = oursCaseFor.get(key);
    if (oursIndex === undefined) {
      oursIndex = cases.length;
      oursCaseFor.set(key, oursIndex);
      cases.push({ name: `${OURS} on the ${idx.length} scans ${b.name.split(',')[0]} reads`, ops: idx.length, run: oursRound(idx.map((i) => texts[i]!)) });
    }
    const taken = idx.map((i) => inputs[i]);
    plan.push({ b, inputs, oursIndex, caseIndex: cases.length, scans: idx.length });
    cases.push({ name: b.name, ops: idx.length, run: b.round(taken) });
  }

  const ms = compare(cases, ctx.measure);
  const timing: Row[] = cases.map((c, i) => {
    const p = plan.find((x) => x.caseIndex === i);
    return {
      case: c.name,
      baseline: p?.b.id ?? null,
      scans: c.ops,
      measurement: ms[i]!,
      ratio: p ? ratio(ms[i]!, ms[p.oursIndex]!) : null,
    };
  });

  const agree: Record<string, Agreement> = {};
  for (const p of plan) if (p.b.agreement) agree[p.b.id] = agreement(p.b, w.items, ours, p.inputs);

  const kinds: WorkloadResult['kinds'] = {};
  w.items.forEach((item, i) => {
    const k = (kinds[item.kind] ??= { scans: 0, oursValid: 0, baselineValid: {} });
    k.scans++;
    if (ours[i]!.ok) k.oursValid++;
    for (const p of plan) {
      if (!p.b.agreement) continue;
      const input = p.inputs[i];
      const prev = k.baselineValid[p.b.id] ?? null;
      if (input === null || input === undefined) {
        k.baselineValid[p.b.id] = prev;
        continue;
      }
      k.baselineValid[p.b.id] = (prev ?? 0) + (p.b.verdict(input).valid ? 1 : 0);
    }
  });

  const result: WorkloadResult = { name: w.name, description: w.description, scans: n, kinds, timing, agreement: agree };
  if (withHeap) {
    const repeats = ctx.quick ? 5 : HEAP_REPEATS;
    result.heap = cases.filter((_, i) => i === 0 || plan.some((p) => p.caseIndex === i)).map((c) => heapFigure(c, repeats));
  }
  printWorkload(ctx, result, plan.map((p) => p.b));
  return result;
}

function printWorkload(ctx: SuiteContext, r: WorkloadResult, baselines: readonly Baseline[]): void {
  ctx.log(`\n-- workload "${r.name}": ${r.description}`);
  ctx.log(
    renderTable(
      ['case', 'scans', 'µs/scan p50', 'µs/scan p99', 'µs/scan best', 'scans/s', 'ours faster ×'],
      r.timing.map((t): Cell[] => [
        t.case,
        t.scans,
        t.measurement.medianUsPerOp,
        t.measurement.p99UsPerOp,
        t.measurement.minUsPerOp,
        t.measurement.opsPerSec,
        t.ratio === null ? null : `${formatNumber(t.ratio)}×`,
      ]),
    ),
  );
  const agreeing = baselines.filter((b) => r.agreement[b.id] !== undefined);
  if (agreeing.length > 0) {
    ctx.log('\nverdicts (valid scans) by kind:');
    ctx.log(
      renderTable(
        ['kind', 'scans', OURS, ...agreeing.map((b) => b.name)],
        Object.entries(r.kinds).map(([kind, k]): Cell[] => [kind, k.scans, k.oursValid, ...agreeing.map((b) => k.baselineValid[b.id] ?? null)]),
      ),
    );
    ctx.log('\nagreement with our verdict:');
    ctx.log(
      renderTable(
        ['baseline', 'scans read', 'ours valid', 'its valid', 'agree', 'disagree', 'explained', 'to investigate'],
        agreeing.map((b): Cell[] => {
          const a = r.agreement[b.id]!;
          return [b.name, a.scans, a.oursValid, a.baselineValid, a.agree, a.disagree, a.explained, a.toInvestigate];
        }),
      ),
    );
    for (const b of agreeing) {
      const a = r.agreement[b.id]!;
      const by = Object.entries(a.explainedBy).map(([c, k]) => `${c} ${k}`).join(', ');
      if (a.explained > 0) ctx.log(`  ${b.name}: explained = ours refuses for what it does not check (${by})`);
    }
  }
  if (r.heap) {
    ctx.log(`\nheap, ${r.heap[0]?.ops.toLocaleString('en-US')} parses (the corpus ${ctx.quick ? 5 : HEAP_REPEATS}×):`);
    ctx.log(
      renderTable(
        ['case', 'allocated / scan', 'heap Δ before GC', 'retained heap Δ', 'retained external Δ'],
        r.heap.map((h): Cell[] => [
          h.name,
          formatBytes(h.allocatedBytesPerOp),
          formatBytes(h.heapUsedDeltaBeforeGcBytes),
          formatBytes(h.retainedHeapDeltaBytes),
          formatBytes(h.retainedExternalDeltaBytes),
        ]),
      ),
    );
  }
}

async function run(ctx: SuiteContext): Promise<SuiteReport> {
  const notes: string[] = [];
  const validates: Record<string, string> = { [OURS]: OURS_VALIDATES };
  const baselines: Baseline[] = [];

  const loaded = await loadGs1Engine();
  let engine: Record<string, unknown> = { skipped: null };
  if ('skipped' in loaded) {
    ctx.log(`skip: ${loaded.skipped}`);
    notes.push(loaded.skipped);
    engine = { skipped: loaded.skipped };
  } else {
    const e = loaded.engine;
    baselines.push(...engineBaselines(e));
    engine = { path: e.path, build: e.build, sha256: e.sha256, version: e.version, configuration: e.configuration };
    ctx.log(`GS1 Barcode Syntax Engine ${e.version}, ${e.build}, from ${e.path}`);
  }
  baselines.push(modBaseline);
  for (const b of baselines) validates[b.name] = b.validates;

  ctx.log('\nwhat each side validates:');
  for (const [name, what] of Object.entries(validates)) ctx.log(`  ${name}: ${what}`);

  const corpus = parserWorkloads(ctx.quick);
  const workloads = corpus.map((w, i) => runWorkload(ctx, w, baselines, i === 0));

  const headline = workloads[0]?.timing.find((t) => t.baseline === 'gs1-engine');
  let target: Record<string, unknown>;
  if (headline?.ratio != null) {
    const met = headline.ratio >= TARGET_VS_ENGINE;
    target = { wanted: `≥ ${TARGET_VS_ENGINE}× faster than the GS1 engine (validate) on "${workloads[0]!.name}"`, measured: headline.ratio, met };
    ctx.log(`\ntarget: ≥ ${TARGET_VS_ENGINE}× faster than the GS1 engine doing the same validation: ${formatNumber(headline.ratio)}× — ${met ? 'met' : 'NOT met'}`);
  } else {
    target = { wanted: `≥ ${TARGET_VS_ENGINE}× faster than the GS1 engine (validate)`, measured: null, met: null };
    ctx.log(`\ntarget: ≥ ${TARGET_VS_ENGINE}× faster than the GS1 engine: not measured (engine skipped)`);
  }
  const whole = await wholeProcess(ctx, corpus[0]!, baselines.some((b) => b.id === 'gs1-engine'), workloads[0]?.timing.find((t) => t.baseline === null)?.measurement);
  notes.push('ratio = baseline median µs/scan ÷ our median µs/scan on the same scans (> 1: ours is faster)');
  notes.push('p99 is over rounds (each round times the whole workload once)');
  notes.push('"explained" disagreements: ours refuses only for reasons the baseline does not check (e.g. the personal-id guard, a code without a GTIN)');

  return { notes, results: { validates, engine, target, workloads, wholeProcess: whole } };
}

/** `implant-scan parse` as a process against the engine's process (parser-process.ts). */
async function wholeProcess(
  ctx: SuiteContext,
  w: Workload,
  enginePresent: boolean,
  oursInProcess: Measurement | undefined,
): Promise<ProcessResult & { nativeInProcess: ReturnType<typeof nativeInProcess> | null; target: Record<string, unknown> }> {
  const sizes: [number, number] = ctx.quick ? [2_000, 20_000] : [10_000, 100_000];
  const rounds = Math.min(ctx.measure.rounds ?? 10, ctx.quick ? 3 : 10);
  const native = process.env[GS1_ENGINE_NATIVE_ENV] || undefined;
  const texts = w.items.map((i) => i.text);
  let nativeFigures: ReturnType<typeof nativeInProcess> | null = null;
  if (native === undefined) ctx.log(`\nskip: ${GS1_ENGINE_NATIVE_ENV} is not set: no native engine baseline (bench/README.md says how to build it)`);
  else {
    nativeFigures = nativeInProcess(native, texts, ctx.measure.rounds ?? 30);
    ctx.log(`\nGS1 Syntax Engine, native C (${native}), in process on "${w.name}":`);
    const rows = nativeFigures.map((f): Cell[] => [f.case, f.medianUsPerScan, f.minUsPerScan]);
    // Ours beside it, from the in-process rounds above: the target is parse() at or below native.
    if (oursInProcess !== undefined) rows.push([`${OURS} (above)`, oursInProcess.medianUsPerOp, oursInProcess.minUsPerOp]);
    ctx.log(renderTable(['case', 'µs/scan p50', 'µs/scan best'], rows));
    const hri = nativeFigures.find((f) => f.case === 'validate + HRI');
    if (oursInProcess !== undefined && hri !== undefined) {
      const vsNative = hri.minUsPerScan / oursInProcess.minUsPerOp;
      ctx.log(`target: parse() at or below native C (validate + HRI), best rounds: ${formatNumber(vsNative)}× — ${vsNative >= 1 ? 'met' : 'NOT met'}`);
    }
  }
  const r = await measureProcesses(processCases(enginePresent, native), texts, sizes, rounds);
  const ours = r.figures[0]!;
  const engine = r.figures.find((f) => f.id === 'gs1-engine-process');
  ctx.log(`\n-- whole process on "${w.name}": stdin file → one JSON per scan → file; µs/scan = slope between ${sizes[0].toLocaleString('en-US')} and ${sizes[1].toLocaleString('en-US')} scans, medians of ${rounds} rounds`);
  const [a, b] = sizes.map((n) => n.toLocaleString('en-US'));
  ctx.log(
    renderTable(
      ['process', `wall ms, ${a}`, `wall ms, ${b}`, 'wall µs/scan', `CPU ms, ${a}`, `CPU ms, ${b}`, 'CPU µs/scan', 'lines out', 'ours faster × (wall / CPU)'],
      r.figures.map((f): Cell[] => [
        f.name,
        f.medianWallMs[sizes[0]]!,
        f.medianWallMs[sizes[1]]!,
        f.wallUsPerScan,
        f.medianCpuMs[sizes[0]]!,
        f.medianCpuMs[sizes[1]]!,
        f.cpuUsPerScan,
        f.linesOut,
        f === ours ? null : `${formatNumber(f.wallUsPerScan / ours.wallUsPerScan)}× / ${formatNumber(f.cpuUsPerScan / ours.cpuUsPerScan)}×`,
      ]),
    ),
  );
  const wall = engine === undefined ? null : engine.wallUsPerScan / ours.wallUsPerScan;
  const cpu = engine === undefined ? null : engine.cpuUsPerScan / ours.cpuUsPerScan;
  const met = wall === null || cpu === null ? null : wall >= TARGET_VS_ENGINE && cpu >= TARGET_VS_ENGINE;
  ctx.log(
    wall === null || cpu === null
      ? `target: whole process ≥ ${TARGET_VS_ENGINE}× the GS1 engine's process: not measured (engine skipped)`
      : `target: whole process ≥ ${TARGET_VS_ENGINE}× the GS1 engine's process: ${formatNumber(wall)}× wall, ${formatNumber(cpu)}× CPU — ${met ? 'met' : 'NOT met'}`,
  );
  return { ...r, nativeInProcess: nativeFigures, target: { wanted: `whole process ≥ ${TARGET_VS_ENGINE}× the GS1 engine's JS build as a process (slope, wall and CPU)`, measured: { wall, cpu }, met } };
}

export const parserSuite: Suite = {
  name: 'parser',
  description: 'protocol/udi parse() on a UDI scan corpus vs the GS1 Syntax Engine (pure JS) and gs1-barcode-parser-mod',
  run,
};
