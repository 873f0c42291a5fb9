// `implant-scan sim`: a simulated scanner on a real pseudo-terminal, for a gateway or a terminal to open.
//   implant-scan sim --terminator CRLF --dir /tmp/sim
//   /tmp/sim/scanner                                  ← first stdout line: the path to open
//   ]d2010950600013435217290131<GS>10AB-123           ← each stdin line is one scan
//   implant-scan sim --script faults.scn --seed 7      ← or play a scenario (firmware-sim/scenario.ts)

import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { PROFILES, type ProfileName, type ScannerSettings, type TerminatorName, TERMINATOR_BYTES } from '../firmware-sim/profiles.ts';
import { runScenario, unescape } from '../firmware-sim/scenario.ts';
import { startSimulator } from '../firmware-sim/simulator.ts';
import { commandLine } from './args.ts';

const HELP = `usage: implant-scan sim [options] [< scans.txt]

Starts a simulated USB scanner on a pseudo-terminal (socat) and prints the device path to open as
the first line of stdout. Then each stdin line is sent as one scan, or --script is played.
In scans, prefix and suffix: <GS> or \\x1d for FNC1, \\xHH for any byte, \\r \\n \\t \\\\.

  --profile NAME     honeywell | zebra | datalogic (USB-CDC: AIM id, FNC1 as GS, CR; default honeywell)
  --no-aim           strip the AIM symbology identifier (]d2, ]C1, …)
  --fnc1 MODE        gs | drop | sub:STRING (send STRING instead of GS, e.g. sub:^)
  --terminator T     CR | LF | CRLF | TAB | none
  --prefix S         sent before each scan
  --suffix S         sent after each scan, before the terminator
  --trickle          one byte per write
  --delay-ms N       pause between bytes when trickling (default: one character time at 9600 baud)
  --dir DIR          where the device link is made (default: a new temporary directory)
  --script FILE      play a scenario file instead of reading stdin, then exit
  --seed N           seed for the random parts of faults (default 1)
`;

export interface SimIo {
  stdin: NodeJS.ReadableStream;
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
}

class UsageError extends Error {}

export async function run(argv: string[], io: SimIo = process): Promise<number> {
  const args = commandLine(
    'sim',
    argv,
    {
      profile: { type: 'string' },
      'no-aim': { type: 'boolean' },
      fnc1: { type: 'string' },
      terminator: { type: 'string' },
      prefix: { type: 'string' },
      suffix: { type: 'string' },
      trickle: { type: 'boolean' },
      'delay-ms': { type: 'string' },
      dir: { type: 'string' },
      script: { type: 'string' },
      seed: { type: 'string' },
    },
    HELP,
    io,
  );
  if ('exit' in args) return args.exit;
  const { values } = args;
  let profile: ProfileName;
  let settings: Partial<ScannerSettings>;
  let seed: number;
  try {
    profile = oneOf(values.profile ?? 'honeywell', Object.keys(PROFILES), '--profile') as ProfileName;
    settings = {};
    if (values['no-aim']) settings.aim = false;
    if (values.fnc1 !== undefined) settings.fnc1 = fnc1(values.fnc1);
    if (values.terminator !== undefined) settings.terminator = oneOf(values.terminator, Object.keys(TERMINATOR_BYTES), '--terminator') as TerminatorName;
    if (values.prefix !== undefined) settings.prefix = text(values.prefix);
    if (values.suffix !== undefined) settings.suffix = text(values.suffix);
    if (values.trickle) settings.trickle = true;
    if (values['delay-ms'] !== undefined) settings.interCharDelayMs = whole(values['delay-ms'], '--delay-ms');
    seed = values.seed === undefined ? 1 : whole(values.seed, '--seed');
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    io.stderr.write(`implant-scan sim: ${e.message}\n`);
    return 2;
  }
  const script = values.script === undefined ? null : await readFile(values.script, 'utf8');
  const dir = values.dir ?? (await mkdtemp(join(tmpdir(), 'implant-scan-sim-')));
  const sim = await startSimulator({ dir, profile, settings, seed });
  io.stdout.write(sim.stablePath + '\n');
  try {
    if (script !== null) {
      await runScenario(sim, script);
      return 0;
    }
    const lines = createInterface({ input: io.stdin, crlfDelay: Infinity });
    for await (const line of lines) {
      if (line.length === 0) continue;
      try {
        await sim.send(text(line));
      } catch (e) {
        io.stderr.write(`implant-scan sim: ${(e as Error).message}\n`);
      }
    }
    return 0;
  } catch (e) {
    io.stderr.write(`implant-scan sim: ${(e as Error).message}\n`);
    return 1;
  } finally {
    await sim.close();
  }
}

function oneOf(value: string, allowed: readonly string[], option: string): string {
  if (!allowed.includes(value)) throw new UsageError(`${option} must be one of ${allowed.join(', ')}, not '${value}'`);
  return value;
}

function fnc1(value: string): ScannerSettings['fnc1'] {
  if (value === 'gs' || value === 'drop') return value;
  if (value.startsWith('sub:') && value.length > 4) return { substitute: text(value.slice(4)) };
  throw new UsageError(`--fnc1 must be gs, drop or sub:STRING, not '${value}'`);
}

function whole(value: string, option: string): number {
  if (!/^\d{1,9}$/.test(value)) throw new UsageError(`${option} takes a whole number, not '${value}'`);
  return Number(value);
}

function text(value: string): string {
  return unescape(value, (detail) => {
    throw new UsageError(detail);
  });
}
