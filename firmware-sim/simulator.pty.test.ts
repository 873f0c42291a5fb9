// The simulator against a real pseudo-terminal, read with serialport as the gateway reads it:
// exact bytes for each setting and each fault, unplug seen by the reader, replug on a new node.
import { closeSync, constants, existsSync, mkdtempSync, openSync, readSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SerialPort } from 'serialport';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parse } from '../protocol/udi/index.ts';
import type { ScannerSettings } from './profiles.ts';
import { waitFor } from './pty.ts';
import { runScenario } from './scenario.ts';
import { INVALID_UTF8, type Simulator, startSimulator } from './simulator.ts';

const SCAN = ']d2010950600013435217290131\x1d10AB-123\x1d21X9';
const latin1 = (s: string): Buffer => Buffer.from(s, 'latin1');

let dir: string;
const sims: Simulator[] = [];
const ports: SerialPort[] = [];

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'firmware-sim-'));
});

afterEach(async () => {
  await Promise.all(ports.splice(0).map((p) => new Promise<void>((r) => (p.isOpen ? p.close(() => r()) : r()))));
  await Promise.all(sims.splice(0).map((s) => s.close()));
  rmSync(dir, { recursive: true, force: true });
});

async function sim(settings: Partial<ScannerSettings> = {}, seed = 1): Promise<Simulator> {
  const s = await startSimulator({ dir, settings, seed, name: `scanner${sims.length}` });
  sims.push(s);
  return s;
}

interface Reader {
  port: SerialPort;
  chunks: Buffer[];
  bytes(): Buffer;
  /** Waits until at least n bytes have arrived and returns them all. */
  atLeast(n: number): Promise<Buffer>;
  events: string[];
}

/**
 * Waits until the port has seen the unplug. A pty whose master is gone is hung up: the kernel then
 * answers reads with 0 bytes (EOF), which @serialport/bindings-cpp retries forever instead of
 * reporting, so a reader that only reads sees the unplug only if its read raced the hang-up (EIO).
 * A write always fails (EIO) and closes the port: the probe a reader needs. See README.md.
 */
async function untilGone(r: Reader): Promise<void> {
  r.port.write(Buffer.from([0]), () => {});
  await waitFor(() => r.events.includes('close'), 'the port to close');
}

async function reader(path: string): Promise<Reader> {
  const port = new SerialPort({ path, baudRate: 9600, autoOpen: false });
  ports.push(port);
  await new Promise<void>((resolve, reject) => port.open((e) => (e ? reject(e) : resolve())));
  const chunks: Buffer[] = [];
  const events: string[] = [];
  port.on('data', (c: Buffer) => chunks.push(c));
  port.on('error', () => events.push('error'));
  port.on('close', () => events.push('close'));
  const bytes = () => Buffer.concat(chunks);
  return {
    port,
    chunks,
    events,
    bytes,
    async atLeast(n) {
      await waitFor(() => bytes().length >= n, `${n} bytes (have ${bytes().length}: ${JSON.stringify(bytes().toString('latin1'))})`);
      return bytes();
    },
  };
}

describe('settings, byte for byte', () => {
  it.each<[string, Partial<ScannerSettings>, string]>([
    ['the default profile', {}, SCAN + '\r'],
    ['aim off', { aim: false }, SCAN.slice(3) + '\r'],
    ['fnc1 as ^', { fnc1: { substitute: '^' } }, ']d2010950600013435217290131^10AB-123^21X9\r'],
    ['fnc1 dropped', { fnc1: 'drop' }, ']d201095060001343521729013110AB-12321X9\r'],
    ['LF', { terminator: 'LF' }, SCAN + '\n'],
    ['CRLF', { terminator: 'CRLF' }, SCAN + '\r\n'],
    ['TAB', { terminator: 'TAB' }, SCAN + '\t'],
    ['prefix and suffix', { prefix: '\x02', suffix: '\x03' }, '\x02' + SCAN + '\x03\r'],
  ])('%s', async (_name, settings, want) => {
    const s = await sim(settings);
    const r = await reader(s.stablePath);
    await s.send(SCAN);
    expect((await r.atLeast(want.length)).toString('hex')).toBe(latin1(want).toString('hex'));
  });

  it('terminator none: the bare data, and the next scan follows directly', async () => {
    const s = await sim({ terminator: 'none' });
    const r = await reader(s.stablePath);
    await s.send('ABC');
    await s.send('DEF');
    expect((await r.atLeast(6)).toString('latin1')).toBe('ABCDEF');
  });

  it('sendAll: each scan through the settings, back to back, as send would give them one by one', async () => {
    const s = await sim({ terminator: 'CRLF', fnc1: { substitute: '^' } });
    const r = await reader(s.stablePath);
    await s.sendAll([SCAN, ']d2ABC', ']C0XYZ']);
    const want = latin1(']d2010950600013435217290131^10AB-123^21X9\r\n]d2ABC\r\n]C0XYZ\r\n');
    expect((await r.atLeast(want.length)).toString('hex')).toBe(want.toString('hex'));
  });

  it('trickle: one byte per write, the same bytes', async () => {
    const s = await sim({ trickle: true, interCharDelayMs: 10 });
    const r = await reader(s.stablePath);
    await s.send(']d2ABCDEFGH');
    expect((await r.atLeast(12)).toString('latin1')).toBe(']d2ABCDEFGH\r');
    expect(r.chunks.length).toBeGreaterThan(1);
  });

  it('the stable path is a link to the current /dev/pts node', async () => {
    const s = await sim();
    expect(s.devicePath).toMatch(/^\/dev\/pts\/\d+$/);
    expect(realpathSync(s.stablePath)).toBe(s.devicePath);
  });
});

describe('faults', () => {
  it('double-read: the same scan twice', async () => {
    const s = await sim();
    const r = await reader(s.stablePath);
    await s.fault({ kind: 'double-read', text: SCAN, gapMs: 20 });
    expect((await r.atLeast(2 * (SCAN.length + 1))).toString('latin1')).toBe(`${SCAN}\r${SCAN}\r`);
  });

  it('partial: the first bytes, then nothing until the next scan', async () => {
    const s = await sim();
    const r = await reader(s.stablePath);
    await s.fault({ kind: 'partial', text: SCAN, keep: 9 });
    await r.atLeast(9);
    await s.send('NEXT');
    expect((await r.atLeast(14)).toString('latin1')).toBe(SCAN.slice(0, 9) + 'NEXT\r');
  });

  it('noise: exactly `flips` bits differ, the terminator intact, reproducible from the seed', async () => {
    const received: Buffer[] = [];
    for (const seed of [5, 5, 6]) {
      const s = await sim({}, seed);
      const r = await reader(s.stablePath);
      await s.fault({ kind: 'noise', text: SCAN, flips: 3 });
      received.push(await r.atLeast(SCAN.length + 1));
    }
    const [a, b, c] = received as [Buffer, Buffer, Buffer];
    const clean = latin1(SCAN + '\r');
    let differing = 0;
    for (let i = 0; i < clean.length; i++) for (let x = clean[i]! ^ a[i]!; x; x &= x - 1) differing++;
    expect(a.length).toBe(clean.length);
    expect(differing).toBe(3);
    expect(a.at(-1)).toBe(0x0d);
    expect(b.equals(a)).toBe(true);
    expect(c.equals(a)).toBe(false);
  });

  it('burst: 10240 bytes and no terminator', async () => {
    const s = await sim();
    const r = await reader(s.stablePath);
    await s.fault({ kind: 'burst', bytes: 10240 });
    const got = await r.atLeast(10240);
    expect(got.length).toBe(10240);
    expect([0x0d, 0x0a, 0x09].some((t) => got.includes(t))).toBe(false);
  });

  it('invalid-utf8: bytes no UTF-8 decoder accepts, then the terminator', async () => {
    const s = await sim({ terminator: 'LF' });
    const r = await reader(s.stablePath);
    await s.fault({ kind: 'invalid-utf8' });
    const got = await r.atLeast(INVALID_UTF8.length + 1);
    expect(got.equals(Buffer.concat([INVALID_UTF8, latin1('\n')]))).toBe(true);
    expect(() => new TextDecoder('utf-8', { fatal: true }).decode(got)).toThrow();
  });

  it('personal-id: a wristband scan, which the parser refuses as one', async () => {
    const s = await sim();
    const r = await reader(s.stablePath);
    await s.fault({ kind: 'personal-id' });
    await waitFor(() => r.bytes().includes(0x0d), 'a whole line');
    const line = r.bytes();
    expect(line.subarray(0, 3).toString('latin1')).toBe(']C0');
    expect(parse(line).scheme).toBe('personal-id');
  });

  it('trickle fault: one scan trickled even when the profile does not', async () => {
    const s = await sim({ interCharDelayMs: 10 });
    const r = await reader(s.stablePath);
    await s.fault({ kind: 'trickle', text: 'ABCDEFGH' });
    expect((await r.atLeast(9)).toString('latin1')).toBe('ABCDEFGH\r');
    expect(r.chunks.length).toBeGreaterThan(1);
  });

  it('unplug: the reader sees an error or a close, and the stable link is gone', async () => {
    const s = await sim();
    const r = await reader(s.stablePath);
    await s.fault({ kind: 'unplug' });
    await untilGone(r);
    expect(r.port.isOpen).toBe(false);
    expect(existsSync(s.stablePath)).toBe(false);
    expect(s.plugged).toBe(false);
    await expect(s.send(SCAN)).rejects.toThrow(/unplugged/);
  });

  it('after an unplug the device reads as EOF (0 bytes), not as an error: why readers need a probe', async () => {
    const s = await sim();
    const fd = openSync(s.stablePath, constants.O_RDWR | constants.O_NOCTTY | constants.O_NONBLOCK);
    try {
      expect(() => readSync(fd, Buffer.alloc(8))).toThrow(/EAGAIN/); // plugged, nothing sent: would block
      await s.unplug();
      expect(readSync(fd, Buffer.alloc(8))).toBe(0);
    } finally {
      closeSync(fd);
    }
  });

  it('replug: a new /dev/pts node behind the same stable path, and scans flow again', async () => {
    const s = await sim();
    const before = realpathSync(s.stablePath);
    await s.fault({ kind: 'unplug' });
    await s.fault({ kind: 'replug' });
    const after = realpathSync(s.stablePath);
    expect(after).not.toBe(before);
    expect(s.devicePath).toBe(after);
    const r = await reader(s.stablePath);
    await s.send(SCAN);
    expect((await r.atLeast(SCAN.length + 1)).toString('latin1')).toBe(SCAN + '\r');
  });

  it('replug while plugged: the old reader is cut off, a new one gets the scans', async () => {
    const s = await sim();
    const old = await reader(s.stablePath);
    const before = s.devicePath;
    await s.replug();
    await untilGone(old);
    expect(s.devicePath).not.toBe(before);
    const r = await reader(s.stablePath);
    await s.send('X');
    expect((await r.atLeast(2)).toString('latin1')).toBe('X\r');
  });
});

describe('scenarios on the real pty', () => {
  it('plays scans, waits and faults in order', async () => {
    const s = await sim({ terminator: 'LF' });
    const r = await reader(s.stablePath);
    await runScenario(s, ['# two scans and a double read', 'scan ]d201<GS>2', 'wait 5', 'fault double-read X 5', 'raw END'].join('\n'));
    expect((await r.atLeast(14)).toString('latin1')).toBe(']d201\x1d2\nX\nX\nEND');
  });
});
