// SerialSource against a real pseudo-terminal (socat): frames in, unplug (socat ends, the device
// path goes away, reads fail) and replug (a new pty behind the same path) without a restart.
// Every wait is for an event or a state, bounded; nothing asserts on timing.

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, test } from 'vitest';
import type { FramingError } from './ring-framer.ts';
import { SerialSource, type SerialSourceOptions, type SerialStatus } from './serial-source.ts';
import { type PluggedScanner, plugScanner, waitFor } from './test-pty.ts';

let dir: string;
let scanners: PluggedScanner[];
let sources: SerialSource[];

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'implant-scan-serial-'));
  scanners = [];
  sources = [];
});

afterEach(async () => {
  await Promise.all(sources.map((s) => s.close()));
  await Promise.all(scanners.map((s) => s.unplug()));
  await rm(dir, { recursive: true, force: true });
});

async function plug(): Promise<PluggedScanner> {
  const s = await plugScanner(dir);
  scanners.push(s);
  return s;
}

function open(options: Partial<SerialSourceOptions> = {}) {
  const source = new SerialSource({ path: join(dir, 'scanner'), baudRate: 115200, backoff: { initialMs: 20, maxMs: 500 }, ...options });
  sources.push(source);
  const frames: string[] = [];
  const errors: FramingError[] = [];
  const statuses: SerialStatus[] = [];
  source.on('frame', (b) => frames.push(b.toString('latin1')));
  source.on('framing-error', (e) => errors.push(e));
  source.on('status', (s) => statuses.push(s));
  source.start();
  return { source, frames, errors, statuses };
}

test('frames from a real pty; unplug mid-line drops the fragment; replug delivers the next scan whole', async () => {
  const first = await plug();
  const { source, frames, errors, statuses } = open();
  await waitFor(() => source.status === 'open', 'the port to open');

  await first.write(']d2010415012345678921SER1\x1d17261231\r\n');
  await first.write(']C1010415012');
  await first.write('3456789\r');
  await waitFor(() => frames.length === 2, 'two frames');
  expect(frames).toEqual([']d2010415012345678921SER1\x1d17261231', ']C10104150123456789']);

  await first.write(']d2010415');
  await waitFor(() => source.framer.pendingBytes === 9, 'the fragment to arrive');
  await first.unplug();
  await waitFor(() => source.status === 'lost', 'the loss to be seen');
  expect(errors).toEqual([{ kind: 'partial', bytes: 9, cause: 'unplug' }]);

  const second = await plug();
  await waitFor(() => source.status === 'open', 'the port to reopen');
  await second.write(']d2010415099999999921SER2\r');
  await waitFor(() => frames.length === 3, 'the third frame');
  expect(frames[2]).toBe(']d2010415099999999921SER2');
  expect(statuses).toEqual(['open', 'lost', 'open']);
  expect(source.stats).toMatchObject({ opens: 2, losses: 1 });
});

test('a scanner plugged in after the start is found by the directory watch', async () => {
  const debug: string[] = [];
  const logger = { debug: (_: object, msg: string) => void debug.push(msg), info: () => {}, warn: () => {}, error: () => {} };
  // Retries 10× further apart each time: after three, the next is seconds away.
  const { source, frames } = open({ backoff: { initialMs: 20, maxMs: 60_000, multiplier: 10 }, logger });
  await waitFor(() => source.stats.failedAttempts >= 3, 'a few failed attempts');
  const scanner = await plug();
  await waitFor(() => source.status === 'open', 'the port to open');
  expect(debug).toContain('scanner: device path changed; retrying soon');
  await scanner.write('0104150123456789\r');
  await waitFor(() => frames.length === 1, 'a frame');
  expect(frames).toEqual(['0104150123456789']);
});

test('without the watch, the retries find it; repeated unplugs are survived', async () => {
  const { source, frames } = open({ watchDir: false, terminators: ['none'], interCharTimeoutMs: 100 });
  for (let i = 0; i < 3; i++) {
    const scanner = await plug();
    await waitFor(() => source.status === 'open', `open #${i + 1}`);
    await scanner.write(`SCAN-${i}`);
    await waitFor(() => frames.length === i + 1, `frame #${i + 1}`);
    await scanner.unplug();
    await waitFor(() => source.status === 'lost', `loss #${i + 1}`);
  }
  expect(frames).toEqual(['SCAN-0', 'SCAN-1', 'SCAN-2']);
  expect(source.stats.losses).toBe(3);
});
