// The GS1 engine's JS build as a whole process, the way `implant-scan parse` runs: scans on stdin,
// one per line, one JSON per scan on stdout ({"ok":true,"hri":[…]} or {"ok":false,"error":"…"}).
// The parser suite spawns it as `node dist/bench.mjs --parser-engine-child` (GS1_ENGINE_JS set) to
// time the engine per scan over corpus sizes, beside our CLI. Lines are cut as our CLI cuts them
// (one latin1 string per chunk) and each scan is handed in the form the engine reads
// (parser-inputs.ts), so only validation and serialising differ.

import { once } from 'node:events';
import { loadGs1Engine } from './baselines/gs1-engine.ts';
import { engineInput } from './parser-inputs.ts';

export const ENGINE_CHILD_FLAG = '--parser-engine-child';

export async function runEngineChild(): Promise<number> {
  const loaded = await loadGs1Engine();
  if ('skipped' in loaded) {
    process.stderr.write(`${loaded.skipped}\n`);
    return 2;
  }
  const e = loaded.engine;
  const answer = (line: string): string => {
    const text = line.endsWith('\r') ? line.slice(0, -1) : line;
    const x = engineInput(text);
    if (x === null) return '{"ok":false,"error":"not GS1"}\n';
    const ok = x.api === 'scanData' ? e.scanData(x.text) : e.aiDataStr(x.text);
    return `${JSON.stringify(ok ? { ok, hri: e.hri() } : { ok, error: e.errorMessage() })}\n`;
  };
  let pending = '';
  for await (const chunk of process.stdin) {
    const text = pending + (chunk as Buffer).toString('latin1');
    let out = '';
    let start = 0;
    for (let nl = text.indexOf('\n'); nl !== -1; nl = text.indexOf('\n', start)) {
      out += answer(text.slice(start, nl));
      start = nl + 1;
    }
    pending = text.slice(start);
    if (out.length > 0 && !process.stdout.write(out)) await once(process.stdout, 'drain');
  }
  if (pending.length > 0) process.stdout.write(answer(pending));
  return 0;
}
