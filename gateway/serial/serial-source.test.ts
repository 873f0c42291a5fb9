// SerialSource with a fake port and fake timers: the backoff schedule, the device watch, what is
// logged (once per transition), the partial line at unplug, close(). The real pseudo-terminal
// is in serial-source.pty.test.ts.

import { EventEmitter } from 'node:events';
import { createClock } from '@sinonjs/fake-timers';
import { pino } from 'pino';
import { afterEach, describe, expect, test } from 'vitest';
import type { Clock } from './clock.ts';
import type { FramingError } from './ring-framer.ts';
import { type SerialLogger, SerialSource, type SerialSourceOptions, type SerialStatus, type WatchDir } from './serial-source.ts';

type FakeClock = ReturnType<typeof createClock>;

const PATH = '/dev/implant-scanner';

class FakePort extends EventEmitter {
  isOpen = false;
  private heldOpen: (() => void) | null = null;

  constructor(private readonly device: FakeDevice) {
    super();
  }

  open(callback: (err: Error | null) => void): void {
    const finish = () => {
      if (this.device.present) {
        this.isOpen = true;
        callback(null);
      } else callback(new Error(`No such file or directory, cannot open ${PATH}`));
    };
    if (this.device.holdOpens) this.heldOpen = finish;
    else queueMicrotask(finish);
  }

  releaseOpen(): void {
    this.heldOpen?.();
  }

  close(callback?: (err: Error | null) => void): void {
    this.isOpen = false;
    queueMicrotask(() => {
      this.emit('close', null);
      callback?.(null);
    });
  }

  /** What serialport does when the USB device goes: the read fails, the port closes. */
  unplug(): void {
    this.isOpen = false;
    this.emit('close', Object.assign(new Error('Input/output error'), { disconnected: true }));
  }

  send(s: string): void {
    this.emit('data', Buffer.from(s, 'latin1'));
  }
}

class FakeDevice {
  present = false;
  holdOpens = false;
  readonly ports: FakePort[] = [];
  readonly attemptsAt: number[] = [];
  constructor(private readonly clock: FakeClock) {}
  readonly openPort = () => {
    this.attemptsAt.push(this.clock.now);
    const port = new FakePort(this);
    this.ports.push(port);
    return port;
  };
  get last(): FakePort {
    const p = this.ports.at(-1);
    if (!p) throw new Error('no port yet');
    return p;
  }
}

interface LogLine {
  level: 'debug' | 'info' | 'warn' | 'error';
  obj: object;
  msg: string;
}

function recordingLogger(): SerialLogger & { lines: LogLine[]; at(level: LogLine['level']): LogLine[] } {
  const lines: LogLine[] = [];
  const log = (level: LogLine['level']) => (obj: object, msg: string) => void lines.push({ level, obj, msg });
  return { lines, at: (level) => lines.filter((l) => l.level === level), debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error') };
}

let sources: SerialSource[] = [];
afterEach(async () => {
  await Promise.all(sources.map((s) => s.close()));
  sources = [];
});

function setup(options: Partial<SerialSourceOptions> = {}) {
  const fake = createClock(1_700_000_000_000);
  const clock: Clock = { now: () => fake.now, setTimeout: (cb, ms) => fake.setTimeout(cb, ms), clearTimeout: (h) => fake.clearTimeout(h as never) };
  const device = new FakeDevice(fake);
  const logger = recordingLogger();
  const watched: { dir: string; onEvent: (name: string | null) => void; closed: boolean }[] = [];
  const watchDir: WatchDir = (dir, onEvent) => {
    const w = { dir, onEvent, closed: false };
    watched.push(w);
    return { close: () => void (w.closed = true) };
  };
  const source = new SerialSource({ path: PATH, clock, random: () => 0.5, logger, openPort: device.openPort, watchDir, ...options });
  sources.push(source);
  const statuses: SerialStatus[] = [];
  const frames: string[] = [];
  const errors: FramingError[] = [];
  source.on('status', (s) => statuses.push(s));
  source.on('frame', (b) => frames.push(b.toString('latin1')));
  source.on('framing-error', (e) => errors.push(e));
  return { fake, device, logger, watched, source, statuses, frames, errors };
}

describe('opening and the backoff schedule', () => {
  test('opens at once when the device is there', async () => {
    const { fake, device, source, statuses, frames } = setup();
    device.present = true;
    expect(source.status).toBe('connecting');
    source.start();
    await fake.tickAsync(0);
    expect(statuses).toEqual(['open']);
    device.last.send(']d20104150123456789012\r');
    expect(frames).toEqual([']d20104150123456789012']);
    expect(source.stats.opens).toBe(1);
  });

  test('retries with exponential backoff (100 ms doubling, capped at 5 s, equal jitter) and logs the outage once', async () => {
    const { fake, device, logger, source, statuses } = setup();
    source.start();
    await fake.tickAsync(20_000);
    const gaps = device.attemptsAt.slice(1).map((t, i) => t - (device.attemptsAt[i] as number));
    // random() = 0.5: each delay is ¾ of its ceiling (100, 200, 400, … 5000).
    expect(gaps.slice(0, 9)).toEqual([75, 150, 300, 600, 1200, 2400, 3750, 3750, 3750]);
    expect(statuses).toEqual([]);
    expect(logger.at('warn')).toHaveLength(1);
    expect(logger.at('warn')[0]?.msg).toMatch(/not available/);
    expect(logger.at('info').map((l) => l.msg)).toEqual(['scanner: opening']);
    expect(source.stats.failedAttempts).toBe(device.attemptsAt.length);

    device.present = true;
    await fake.tickAsync(3750);
    expect(statuses).toEqual(['open']);
    expect(logger.at('info').map((l) => l.msg)).toEqual(['scanner: opening', 'scanner: open']);
  });

  test('the jitter spreads the delays within [½, 1] of each ceiling', async () => {
    const { fake, device, source } = setup({ random: () => 0 });
    source.start();
    await fake.tickAsync(1000);
    const gaps = device.attemptsAt.slice(1).map((t, i) => t - (device.attemptsAt[i] as number));
    expect(gaps.slice(0, 3)).toEqual([50, 100, 200]);
  });
});

describe('unplug and replug', () => {
  test('the partial line is dropped and counted, the loss logged once, the next scan arrives whole', async () => {
    const { fake, device, logger, source, statuses, frames, errors } = setup();
    device.present = true;
    source.start();
    await fake.tickAsync(0);
    const first = device.last;
    first.send('ONE\r]d2010415');
    first.unplug();
    device.present = false;
    expect(statuses).toEqual(['open', 'lost']);
    expect(errors).toEqual([{ kind: 'partial', bytes: 9, cause: 'unplug' }]);
    expect(source.stats.losses).toBe(1);

    await fake.tickAsync(30_000); // many failed retries
    const warns = logger.at('warn');
    expect(warns.map((l) => l.msg)).toEqual(['scanner: partial line dropped', 'scanner: lost; reopening with backoff and watching for the device']);
    expect(warns[1]?.obj).toMatchObject({ path: PATH, droppedBytes: 9 });

    device.present = true;
    await fake.tickAsync(5000);
    expect(statuses).toEqual(['open', 'lost', 'open']);
    first.send('STALE\r'); // the old port says nothing any more
    device.last.send('TWO\r');
    expect(frames).toEqual(['ONE', 'TWO']);
    expect(logger.at('info').filter((l) => l.msg === 'scanner: open')).toHaveLength(2);
  });

  test('the watched directory brings the next attempt forward when the device path comes back', async () => {
    const { fake, device, source, statuses, watched } = setup();
    source.start();
    await fake.tickAsync(15_000); // retries are now 3.75 s apart
    expect(watched).toHaveLength(1);
    expect(watched[0]?.dir).toBe('/dev');
    const before = device.attemptsAt.length;
    watched[0]?.onEvent('ttyS0'); // another device: ignored
    await fake.tickAsync(100);
    expect(device.attemptsAt.length).toBe(before);

    device.present = true;
    watched[0]?.onEvent('implant-scanner');
    watched[0]?.onEvent('implant-scanner'); // udev sends several events: one attempt
    await fake.tickAsync(75);
    expect(statuses).toEqual(['open']);
    expect(device.attemptsAt.length).toBe(before + 1);
    expect(watched[0]?.closed).toBe(false); // still watching while open: the path leaving is an unplug
  });

  test('without a watch (it throws, or is off) the retries alone find the device', async () => {
    const { fake, device, source, statuses } = setup({
      watchDir: () => {
        throw new Error('ENOENT: no such directory');
      },
    });
    source.start();
    await fake.tickAsync(10_000);
    device.present = true;
    await fake.tickAsync(5000);
    expect(statuses).toEqual(['open']);
  });

  test("an 'end' of the stream is a loss too", async () => {
    const { fake, device, source, statuses } = setup();
    device.present = true;
    source.start();
    await fake.tickAsync(0);
    device.last.emit('end');
    expect(statuses).toEqual(['open', 'lost']);
    await fake.tickAsync(100);
    expect(statuses).toEqual(['open', 'lost', 'open']);
  });

  test('a throwing frame listener is logged and does not lose the rest of the chunk', async () => {
    const { fake, device, logger, source } = setup();
    const seen: string[] = [];
    source.removeAllListeners('frame');
    source.on('frame', (b) => {
      seen.push(b.toString());
      throw new Error('bug');
    });
    device.present = true;
    source.start();
    await fake.tickAsync(0);
    device.last.send('A\rB\r');
    expect(seen).toEqual(['A', 'B']);
    expect(logger.at('error')).toHaveLength(2);
  });
});

describe('close()', () => {
  test('stops the retries and the watch, leaves no timer', async () => {
    const { fake, device, source, watched } = setup();
    source.start();
    await fake.tickAsync(1000);
    await source.close();
    const attempts = device.attemptsAt.length;
    expect(fake.countTimers()).toBe(0);
    expect(watched[0]?.closed).toBe(true);
    await fake.tickAsync(60_000);
    expect(device.attemptsAt.length).toBe(attempts);
  });

  test('closes the open port and drops an unfinished line', async () => {
    const { fake, device, source, errors, statuses } = setup();
    device.present = true;
    source.start();
    await fake.tickAsync(0);
    device.last.send('HALF');
    await source.close();
    expect(device.last.isOpen).toBe(false);
    expect(errors).toEqual([{ kind: 'partial', bytes: 4, cause: 'close' }]);
    expect(statuses).toEqual(['open']);
    expect(fake.countTimers()).toBe(0);
  });

  test('waits for an open under way and closes what it opened', async () => {
    const { fake, device, source, statuses } = setup();
    device.present = true;
    device.holdOpens = true;
    source.start();
    await fake.tickAsync(0);
    let closed = false;
    const closing = source.close().then(() => void (closed = true));
    await fake.tickAsync(0);
    expect(closed).toBe(false);
    device.last.releaseOpen();
    await closing;
    expect(device.last.isOpen).toBe(false);
    expect(statuses).toEqual([]);
  });
});

test('a pino logger fits SerialLogger', () => {
  const logger: SerialLogger = pino({ level: 'silent' });
  expect(() => new SerialSource({ path: PATH, logger })).not.toThrow();
  expect(() => new SerialSource({ path: '' })).toThrow(/path/);
});
