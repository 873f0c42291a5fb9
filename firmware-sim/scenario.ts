// A tiny scenario language: one step a line, parsed whole before anything is sent.
//   await runScenario(sim, `
//     # a lot, then a double read, then the cable
//     scan ]d2010950600013435217290131<GS>10AB-123
//     wait 50
//     fault double-read ]d2010950600013435217290131 20
//     unplug
//     replug
//   `);
//
// Lines: `scan <text>` · `raw <bytes>` (sent as is, no terminator) · `wait <ms>` · `unplug` ·
// `replug` · `fault <kind> …` where kind is double-read <text> <gapMs> | partial <text> <keep> |
// noise <text> <flips> | burst <bytes> | invalid-utf8 | personal-id | trickle <text> | unplug | replug.
// `#` starts a comment line; blank lines are skipped. In <text>: `<GS>` or `\x1d` for FNC1, `\xHH`
// for any byte, `\r` `\n` `\t` `\\`. A text ends at the end of the line (spaces are data), except
// that the number after it is the last word. Any bad line → ScenarioError with its line number.

import type { Fault, Simulator } from './simulator.ts';

export class ScenarioError extends Error {
  constructor(
    readonly line: number,
    detail: string,
  ) {
    super(`scenario line ${line}: ${detail}`);
    this.name = 'ScenarioError';
  }
}

export type Step =
  | { line: number; kind: 'scan'; text: string }
  | { line: number; kind: 'raw'; bytes: Buffer }
  | { line: number; kind: 'wait'; ms: number }
  | { line: number; kind: 'fault'; fault: Fault };

const MAX_WAIT_MS = 600_000;
const MAX_BURST = 1 << 20;

export function parseScenario(source: string): Step[] {
  const steps: Step[] = [];
  source.split('\n').forEach((rawLine, i) => {
    const line = i + 1;
    const text = rawLine.replace(/\r$/, '').replace(/^[ \t]+/, '');
    if (text === '' || text.startsWith('#') || text.trim() === '') return;
    const space = text.indexOf(' ');
    const word = space === -1 ? text : text.slice(0, space);
    const rest = space === -1 ? '' : text.slice(space + 1);
    const fail = (detail: string): never => {
      throw new ScenarioError(line, detail);
    };
    switch (word) {
      case 'scan':
        steps.push({ line, kind: 'scan', text: unescape(needText(rest, 'scan', fail), fail) });
        return;
      case 'raw':
        steps.push({ line, kind: 'raw', bytes: Buffer.from(unescape(needText(rest, 'raw', fail), fail), 'latin1') });
        return;
      case 'wait':
        steps.push({ line, kind: 'wait', ms: number(rest.trim(), 'wait', MAX_WAIT_MS, fail) });
        return;
      case 'unplug':
      case 'replug':
        if (rest.trim() !== '') fail(`'${word}' takes no argument`);
        steps.push({ line, kind: 'fault', fault: { kind: word } });
        return;
      case 'fault':
        steps.push({ line, kind: 'fault', fault: parseFault(rest, fail) });
        return;
      default:
        fail(`unknown step '${word.slice(0, 40)}' (expected scan, raw, wait, fault, unplug, replug or # comment)`);
    }
  });
  return steps;
}

function parseFault(args: string, fail: (d: string) => never): Fault {
  const space = args.indexOf(' ');
  const kind = space === -1 ? args.trim() : args.slice(0, space);
  const rest = space === -1 ? '' : args.slice(space + 1);
  // "<text> <number>": the number is the last word, the text everything before it.
  const textAndNumber = (what: string, max: number): [string, number] => {
    const cut = rest.trimEnd().lastIndexOf(' ');
    if (cut <= 0) fail(`'fault ${kind}' needs a text and ${what}`);
    return [unescape(rest.slice(0, cut), fail), number(rest.slice(cut + 1).trim(), `${kind} ${what}`, max, fail)];
  };
  const noArgs = (): void => {
    if (rest.trim() !== '') fail(`'fault ${kind}' takes no argument`);
  };
  switch (kind) {
    case 'double-read': {
      const [text, gapMs] = textAndNumber('a gap in ms', MAX_WAIT_MS);
      return { kind, text, gapMs };
    }
    case 'partial': {
      const [text, keep] = textAndNumber('a byte count to keep', MAX_BURST);
      return { kind, text, keep };
    }
    case 'noise': {
      const [text, flips] = textAndNumber('a number of bit flips', MAX_BURST);
      return { kind, text, flips };
    }
    case 'burst':
      return { kind, bytes: number(rest.trim(), 'burst size', MAX_BURST, fail) };
    case 'trickle':
      return { kind, text: unescape(needText(rest, 'fault trickle', fail), fail) };
    case 'invalid-utf8':
    case 'personal-id':
    case 'unplug':
    case 'replug':
      noArgs();
      return { kind };
    default:
      return fail(`unknown fault '${kind.slice(0, 40)}' (expected double-read, partial, noise, burst, invalid-utf8, personal-id, trickle, unplug or replug)`);
  }
}

function needText(rest: string, what: string, fail: (d: string) => never): string {
  if (rest === '') fail(`'${what}' needs a text`);
  return rest;
}

function number(s: string, what: string, max: number, fail: (d: string) => never): number {
  if (!/^\d{1,9}$/.test(s)) fail(`${what}: '${s.slice(0, 20)}' is not a whole number`);
  const n = Number(s);
  if (n > max) fail(`${what}: ${n} is over the limit of ${max}`);
  return n;
}

/** `<GS>`, `\xHH`, `\r`, `\n`, `\t`, `\\` → characters (one byte each when sent). */
export function unescape(s: string, fail: (d: string) => never): string {
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (s.startsWith('<GS>', i)) {
      out += '\x1d';
      i += 3;
    } else if (c === '\\') {
      const e = s[i + 1];
      if (e === 'x' && /^[0-9a-fA-F]{2}$/.test(s.slice(i + 2, i + 4))) {
        out += String.fromCharCode(parseInt(s.slice(i + 2, i + 4), 16));
        i += 3;
      } else if (e === 'r' || e === 'n' || e === 't' || e === '\\') {
        out += e === 'r' ? '\r' : e === 'n' ? '\n' : e === 't' ? '\t' : '\\';
        i += 1;
      } else fail(`bad escape '${s.slice(i, i + 4)}' (use \\xHH, \\r, \\n, \\t, \\\\ or <GS>)`);
    } else if (c.charCodeAt(0) > 0xff) {
      fail(`character U+${c.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')} is not one byte; use \\xHH`);
    } else out += c;
  }
  return out;
}

export interface RunOptions {
  sleep?: (ms: number) => Promise<void>;
}

/** Parses the whole scenario (a bad line fails before anything is sent), then plays it. */
export async function runScenario(sim: Simulator, source: string, opts: RunOptions = {}): Promise<void> {
  const sleep = opts.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  for (const step of parseScenario(source)) {
    switch (step.kind) {
      case 'scan':
        await sim.send(step.text);
        break;
      case 'raw':
        await sim.sendRaw(step.bytes);
        break;
      case 'wait':
        await sleep(step.ms);
        break;
      case 'fault':
        await sim.fault(step.fault);
        break;
    }
  }
}
