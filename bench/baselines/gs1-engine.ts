// Baseline: the official GS1 Barcode Syntax Engine (github.com/gs1/gs1-syntax-engine), its pure-JS
// build — the C library compiled by Emscripten with WASM=0 (wasm2js), shipped as the single file
// docs/demo/gs1encoder-wasm.mjs. It is never part of this repository: a developer brings it with
// the organisation's fetch and points GS1_ENGINE_JS at it (bench/README.md). Without it the
// benchmark says so and skips this baseline.
//
// The engine is driven through its C API with cwrap, exactly as its own JS wrapper
// (docs/demo/gs1encoder.mjs) does, minus the wrapper's exceptions: that is the cheapest way to use
// it, so the ratio against it errs on the engine's side.

import { createHash } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

export const GS1_ENGINE_ENV = 'GS1_ENGINE_JS';
const ENGINE_FILE = 'gs1encoder-wasm.mjs';

/** The part of an Emscripten module that the engine's build exports and we use. */
interface EmscriptenModule {
  cwrap: (name: string, returns: string | null, args: string[]) => (...a: (number | string)[]) => unknown;
  _malloc: (bytes: number) => number;
  _free: (ptr: number) => void;
  getValue: (ptr: number, type: string) => number;
  setValue: (ptr: number, value: number, type: string) => void;
  UTF8ToString: (ptr: number) => string;
}

// enum gs1_encoder_validations (gs1encoders.h)
const V_MUTEX_AIS = 0;
const V_REQUISITE_AIS = 1;
const V_REPEATED_AIS = 2;
const V_DIGSIG_SERIAL_KEY = 3;
const V_UNKNOWN_AI_NOT_DL_ATTR = 4;

export interface Gs1Engine {
  /** Absolute path of the module file. */
  path: string;
  /** 'pure JS (wasm2js)' or 'WebAssembly' — what the file is. */
  build: string;
  /** sha256 of the module file, to say exactly which build was measured. */
  sha256: string;
  /** gs1_encoder_getVersion(). */
  version: string;
  /** What the engine was set to check, one setting a line, read back from the engine. */
  configuration: string[];
  /** gs1_encoder_setScanData: AIM-prefixed scan data ("]d2…", "]C1…", "]Q1https://…"). */
  scanData: (text: string) => boolean;
  /** gs1_encoder_setAIdataStr: the bracketed form "(01)…(10)…". */
  aiDataStr: (text: string) => boolean;
  /** The HRI of the data last accepted, one "(AI) value" a line: the engine's element list. */
  hri: () => string[];
  /** gs1_encoder_getErrMsg: why the last call was refused. */
  errorMessage: () => string;
}

export type EngineLoad = { engine: Gs1Engine } | { skipped: string };

/** Where GS1_ENGINE_JS points: the module file, a folder holding it, or the wrapper beside it. */
export function resolveEnginePath(value: string): string {
  let p = resolve(value);
  if (existsSync(p) && statSync(p).isDirectory()) p = join(p, ENGINE_FILE);
  else if (basename(p) === 'gs1encoder.mjs') p = join(dirname(p), ENGINE_FILE);
  return p;
}

export async function loadGs1Engine(env: NodeJS.ProcessEnv = process.env): Promise<EngineLoad> {
  const value = env[GS1_ENGINE_ENV];
  if (value === undefined || value === '') {
    return {
      skipped: `${GS1_ENGINE_ENV} is not set: the GS1 Barcode Syntax Engine baseline is skipped (bench/README.md says how to get ${ENGINE_FILE}).`,
    };
  }
  const path = resolveEnginePath(value);
  if (!existsSync(path)) {
    return { skipped: `${GS1_ENGINE_ENV}=${value}: no ${ENGINE_FILE} there, the GS1 Barcode Syntax Engine baseline is skipped.` };
  }
  const bytes = readFileSync(path);
  const build = bytes.includes('isWasm2js') ? 'pure JS (wasm2js)' : 'WebAssembly';
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  const imported = (await import(pathToFileURL(path).href)) as { default?: unknown };
  if (typeof imported.default !== 'function') {
    return { skipped: `${path} does not export the Emscripten factory (createGS1encoderModule); baseline skipped.` };
  }
  const m = (await (imported.default as () => Promise<unknown>)()) as EmscriptenModule;
  return { engine: configure(m, path, build, sha256) };
}

function configure(m: EmscriptenModule, path: string, build: string, sha256: string): Gs1Engine {
  const fn = <T>(name: string, returns: string | null, args: string[]) => m.cwrap(name, returns, args) as (...a: (number | string)[]) => T;
  const getVersion = fn<string>('gs1_encoder_getVersion', 'string', []);
  const initEx = fn<number>('gs1_encoder_init_ex', 'number', ['number', 'number']);
  const getErrMsg = fn<string>('gs1_encoder_getErrMsg', 'string', ['number']);
  const setScanData = fn<number>('gs1_encoder_setScanData', 'number', ['number', 'string']);
  const setAIdataStr = fn<number>('gs1_encoder_setAIdataStr', 'number', ['number', 'string']);
  const getHRI = fn<number>('gs1_encoder_getHRI', 'number', ['number', 'number']);
  const setPermitUnknownAIs = fn<number>('gs1_encoder_setPermitUnknownAIs', 'number', ['number', 'number']);
  const getPermitUnknownAIs = fn<number>('gs1_encoder_getPermitUnknownAIs', 'number', ['number']);
  const setPermitZs = fn<number>('gs1_encoder_setPermitZeroSuppressedGTINinDLuris', 'number', ['number', 'number']);
  const getPermitZs = fn<number>('gs1_encoder_getPermitZeroSuppressedGTINinDLuris', 'number', ['number']);
  const setValidation = fn<number>('gs1_encoder_setValidationEnabled', 'number', ['number', 'number', 'number']);
  const getValidation = fn<number>('gs1_encoder_getValidationEnabled', 'number', ['number', 'number']);

  // gs1_encoder_init_ex(NULL, &opts) with default flags: the embedded AI table, generated from the
  // GS1 Barcode Syntax Dictionary. opts layout on wasm32: six 4-byte fields (struct_size, flags,
  // status*, msgBuf*, msgBufSize, syntaxDictionary*), as in the engine's own wrapper.
  const W = 4;
  const MSG = 256;
  const opts = m._malloc(6 * W);
  const msg = m._malloc(MSG);
  const status = m._malloc(W);
  m.setValue(msg, 0, 'i8');
  m.setValue(status, 0, 'i32');
  m.setValue(opts, 6 * W, 'i32');
  m.setValue(opts + W, 0, 'i32');
  m.setValue(opts + 2 * W, status, 'i32');
  m.setValue(opts + 3 * W, msg, 'i32');
  m.setValue(opts + 4 * W, MSG, 'i32');
  m.setValue(opts + 5 * W, 0, 'i32');
  const ctx = initEx(0, opts);
  const initMessage = m.UTF8ToString(msg);
  m._free(opts);
  m._free(msg);
  m._free(status);
  if (ctx === 0) throw new Error(`GS1 engine failed to initialise: ${initMessage || 'unknown error'}`);

  // The same checks as our parser: every AI known (no unknown AIs), mandatory associations (req),
  // unknown AIs refused as Digital Link attributes, full GTIN-14 in Digital Link paths. Mutual
  // exclusion (ex), repeated AIs and the digital-signature rule are locked on in the engine; its
  // linters (check digits, dates, character sets, code lists …) are always on.
  const must = (ok: unknown, what: string): void => {
    if (!ok) throw new Error(`GS1 engine refused ${what}: ${getErrMsg(ctx)}`);
  };
  must(setPermitUnknownAIs(ctx, 0), 'permitUnknownAIs=false');
  must(setPermitZs(ctx, 0), 'permitZeroSuppressedGTINinDLuris=false');
  must(setValidation(ctx, V_REQUISITE_AIS, 1), 'RequisiteAIs=on');
  must(setValidation(ctx, V_UNKNOWN_AI_NOT_DL_ATTR, 1), 'UnknownAInotDLattr=on');
  const on = (v: number): string => (getValidation(ctx, v) ? 'on' : 'OFF');
  const configuration = [
    'AI table: embedded (GS1 Barcode Syntax Dictionary compiled into the build)',
    'linters (check digits, dates, character sets, code lists, …): always on',
    `permitUnknownAIs: ${getPermitUnknownAIs(ctx) ? 'yes' : 'no'}`,
    `permitZeroSuppressedGTINinDLuris: ${getPermitZs(ctx) ? 'yes' : 'no'}`,
    `validations: MutexAIs (ex) ${on(V_MUTEX_AIS)}, RequisiteAIs (req) ${on(V_REQUISITE_AIS)}, RepeatedAIs ${on(V_REPEATED_AIS)}, DigSigSerialKey ${on(V_DIGSIG_SERIAL_KEY)}, UnknownAInotDLattr ${on(V_UNKNOWN_AI_NOT_DL_ATTR)}`,
  ];

  const hriOut = m._malloc(W); // char*** out-parameter of gs1_encoder_getHRI, allocated once
  return {
    path,
    build,
    sha256,
    version: getVersion(),
    configuration,
    scanData: (text) => setScanData(ctx, text) !== 0,
    aiDataStr: (text) => setAIdataStr(ctx, text) !== 0,
    hri: () => {
      const n = getHRI(ctx, hriOut);
      const list = m.getValue(hriOut, 'i32');
      const out = new Array<string>(n);
      for (let i = 0; i < n; i++) out[i] = m.UTF8ToString(m.getValue(list + i * W, 'i32'));
      return out;
    },
    errorMessage: () => getErrMsg(ctx),
  };
}
