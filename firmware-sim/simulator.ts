// A simulated USB barcode scanner on a real pseudo-terminal, with scripted faults.
//   const sim = await startSimulator({ dir: '/tmp/sim', profile: 'honeywell', settings: { terminator: 'CRLF' }, seed: 7 });
//   new SerialPort({ path: sim.stablePath, baudRate: 9600 });   // what the gateway opens
//   await sim.send(']d2010950600013435217290131\x1d10AB-123');   // → ']d2…' GS '10AB-123' CR LF
//   await sim.sendAll([a, b, c]);                                   // three scans in one write
//   await sim.fault({ kind: 'double-read', text: ']d2…', gapMs: 20 });
//   await sim.unplug(); await sim.replug();   // a new /dev/pts node behind the same stablePath
//   await sim.close();
//
// Bytes go through encodeScan (profiles.ts), so every setting applies to every scan and fault.
// Faults that invent data (noise, burst, personal-id) draw from a PRNG seeded with `seed`: the same
// seed and the same calls give the same bytes.

import { join } from 'node:path';
import { personalId } from './corpus.ts';
import { type Prng, prng } from './prng.ts';
import { charDelayMs, encodeScan, PROFILES, type ProfileName, type ScannerSettings, TERMINATOR_BYTES } from './profiles.ts';
import { plugPty, type PtyPair } from './pty.ts';

export type Fault =
  | { kind: 'double-read'; text: string; gapMs: number }
  | { kind: 'partial'; text: string; keep: number }
  | { kind: 'noise'; text: string; flips: number }
  | { kind: 'burst'; bytes: number }
  | { kind: 'invalid-utf8' }
  | { kind: 'personal-id' }
  | { kind: 'unplug' }
  | { kind: 'replug' }
  | { kind: 'trickle'; text: string };

export interface SimulatorOptions {
  dir: string;
  /** The stable link is `dir/<name>`. Default 'scanner'. */
  name?: string;
  profile?: ProfileName;
  settings?: Partial<ScannerSettings>;
  seed?: number;
}

export interface Simulator {
  /** The path a gateway opens; it survives unplug/replug (a udev-style symlink). */
  readonly stablePath: string;
  /** The current /dev/pts/N behind stablePath. */
  readonly devicePath: string;
  readonly settings: Readonly<ScannerSettings>;
  readonly plugged: boolean;
  /** One scan through the settings (encodeScan), trickled if settings.trickle. */
  send(text: string): Promise<void>;
  /** Several scans back to back in one write (a piped file, not a hand): each through the settings. */
  sendAll(texts: readonly string[]): Promise<void>;
  /** Bytes as they are, in one write: no settings applied. */
  sendRaw(bytes: Uint8Array): Promise<void>;
  fault(f: Fault): Promise<void>;
  unplug(): Promise<void>;
  replug(): Promise<void>;
  close(): Promise<void>;
}

/** Bytes that are not UTF-8: a lone continuation byte, a truncated sequence, 0xFE/0xFF. */
export const INVALID_UTF8 = Uint8Array.from([0x30, 0x31, 0x80, 0xc3, 0x28, 0xe2, 0x82, 0xfe, 0xff, 0x41]);

const BURST_ALPHABET = Buffer.from('0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz-./+$%', 'latin1');

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export async function startSimulator(opts: SimulatorOptions): Promise<Simulator> {
  const name = opts.name ?? 'scanner';
  const stablePath = join(opts.dir, name);
  const writerPath = join(opts.dir, `${name}-writer`);
  const settings: ScannerSettings = { ...PROFILES[opts.profile ?? 'honeywell'], ...opts.settings };
  const random = prng(opts.seed ?? 1);
  let pty: PtyPair | null = await plugPty({ stablePath, writerPath });
  let lastDevice = pty.devicePath;
  let closed = false;

  const live = (): PtyPair => {
    if (closed) throw new Error('the simulator is closed');
    if (!pty) throw new Error('the scanner is unplugged');
    return pty;
  };
  const write = async (bytes: Uint8Array, trickle = settings.trickle): Promise<void> => {
    const p = live();
    if (!trickle) return p.write(bytes);
    const delay = charDelayMs(settings);
    for (let i = 0; i < bytes.length; i++) {
      if (i > 0) await sleep(delay);
      await p.write(bytes.subarray(i, i + 1));
    }
  };
  const encode = (text: string): Buffer => encodeScan(text, settings);

  const sim: Simulator = {
    stablePath,
    get devicePath() {
      return lastDevice;
    },
    settings,
    get plugged() {
      return pty !== null;
    },
    send: (text) => write(encode(text)),
    sendAll: (texts) => write(Buffer.concat(texts.map(encode))),
    sendRaw: (bytes) => live().write(bytes),
    async fault(f) {
      switch (f.kind) {
        case 'double-read':
          await write(encode(f.text));
          await sleep(f.gapMs);
          return write(encode(f.text));
        case 'partial':
          return write(encode(f.text).subarray(0, f.keep));
        case 'noise':
          return write(flipBits(encode(f.text), f.flips, TERMINATOR_BYTES[settings.terminator].length, random));
        case 'burst':
          return live().write(burst(f.bytes, random));
        case 'invalid-utf8':
          return write(Buffer.concat([Buffer.from(settings.prefix, 'latin1'), INVALID_UTF8, Buffer.from(settings.suffix + TERMINATOR_BYTES[settings.terminator], 'latin1')]));
        case 'personal-id':
          // A patient wristband: Code 128 (AIM ]C0), not GS1.
          return write(encode(']C0' + personalId(random)));
        case 'unplug':
          return sim.unplug();
        case 'replug':
          return sim.replug();
        case 'trickle':
          return write(encode(f.text), true);
      }
    },
    async unplug() {
      const p = pty;
      pty = null;
      await p?.unplug();
    },
    async replug() {
      if (closed) throw new Error('the simulator is closed');
      await sim.unplug();
      pty = await plugPty({ stablePath, writerPath, avoid: lastDevice });
      lastDevice = pty.devicePath;
    },
    async close() {
      await sim.unplug();
      closed = true;
    },
  };
  return sim;
}

/** `flips` distinct bits flipped in `bytes`, the last `keepTail` bytes (the terminator) untouched. */
export function flipBits(bytes: Uint8Array, flips: number, keepTail: number, random: Prng): Buffer {
  const out = Buffer.from(bytes);
  const bits = Math.max(0, out.length - keepTail) * 8;
  const chosen = new Set<number>();
  while (chosen.size < Math.min(flips, bits)) chosen.add(random.int(0, bits - 1));
  for (const bit of chosen) out[bit >> 3]! ^= 1 << (bit & 7);
  return out;
}

/** `n` printable bytes with no terminator among them: a scanner stuck sending. */
export function burst(n: number, random: Prng): Buffer {
  const out = Buffer.alloc(n);
  for (let i = 0; i < n; i++) out[i] = BURST_ALPHABET[random.int(0, BURST_ALPHABET.length - 1)]!;
  return out;
}
