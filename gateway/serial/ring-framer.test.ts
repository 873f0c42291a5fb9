import { createClock } from '@sinonjs/fake-timers';
import { describe, expect, test } from 'vitest';
import type { Clock } from './clock.ts';
import { type FramingError, RingFramer, type RingFramerOptions } from './ring-framer.ts';

type FakeClock = ReturnType<typeof createClock>;

function fakeClock(start = 1_000_000): { fake: FakeClock; clock: Clock } {
  const fake = createClock(start);
  return { fake, clock: { now: () => fake.now, setTimeout: (cb, ms) => fake.setTimeout(cb, ms), clearTimeout: (h) => fake.clearTimeout(h as never) } };
}

function collect(options: Partial<RingFramerOptions> = {}) {
  const frames: string[] = [];
  const times: number[] = [];
  const errors: FramingError[] = [];
  const framer = new RingFramer({
    clock: fakeClock().clock, // no real timer left behind by a test that does not pass one
    ...options,
    onFrame: (bytes, at) => {
      frames.push(Buffer.from(bytes).toString('latin1'));
      times.push(at);
    },
    onError: (e) => errors.push(e),
  });
  const push = (...chunks: string[]) => {
    for (const c of chunks) framer.push(Buffer.from(c, 'latin1'), 0);
  };
  return { framer, frames, times, errors, push };
}

describe('terminators', () => {
  test('default CR, LF, CRLF: a CRLF is one terminator', () => {
    const { framer, frames, push } = collect();
    push('A\rB\nC\r\nD\r');
    expect(frames).toEqual(['A', 'B', 'C', 'D']);
    expect(framer.stats.emptyLines).toBe(0);
  });

  test('a CRLF split across chunks is still one terminator, and the frame is out at the CR', () => {
    const { framer, frames, push } = collect();
    push(']d2010', '4150123\r');
    expect(frames).toEqual([']d20104150123']);
    push('\n', 'NEXT\r', '\n');
    expect(frames).toEqual([']d20104150123', 'NEXT']);
    expect(framer.stats.emptyLines).toBe(0);
  });

  test('CR only: an LF is data', () => {
    const { frames, push } = collect({ terminators: ['CR'] });
    push('A\r\nB\r');
    expect(frames).toEqual(['A', '\nB']);
  });

  test('LF only: a CR is data', () => {
    const { frames, push } = collect({ terminators: ['LF'] });
    push('A\r\nB\n');
    expect(frames).toEqual(['A\r', 'B']);
  });

  test('CR and LF without CRLF: CRLF ends a line and then an empty one', () => {
    const { framer, frames, push } = collect({ terminators: ['CR', 'LF'] });
    push('A\r\nB\r');
    expect(frames).toEqual(['A', 'B']);
    expect(framer.stats.emptyLines).toBe(1);
  });

  test('CRLF only: a lone CR is data, also when the LF comes in the next chunk', () => {
    const { framer, frames, push } = collect({ terminators: ['CRLF'] });
    push('A\rB\r\n', 'C\r', '\n', 'D\r', 'E\r\n');
    expect(frames).toEqual(['A\rB', 'C', 'D\rE']);
    expect(framer.pendingBytes).toBe(0);
    push('F\r');
    expect(framer.pendingBytes).toBe(2);
  });

  test('TAB', () => {
    const { frames, push } = collect({ terminators: ['TAB'] });
    push('A\tB\r\nC\t');
    expect(frames).toEqual(['A', 'B\r\nC']);
  });

  test('empty lines are ignored and counted', () => {
    const { framer, frames, push } = collect();
    push('\n\n\rA\r\r\n');
    expect(frames).toEqual(['A']);
    expect(framer.stats.emptyLines).toBe(3 + 1);
  });

  test('the frame time is that of the chunk with its terminator', () => {
    const { times, framer } = collect();
    framer.push(Buffer.from('AB'), 10);
    framer.push(Buffer.from('C\rD'), 20);
    framer.push(Buffer.from('\n'), 30);
    expect(times).toEqual([20, 30]);
  });

  test('a frame is a copy the consumer may keep', () => {
    const kept: Buffer[] = [];
    const framer = new RingFramer({ maxLineBytes: 8, onFrame: (b) => kept.push(b), partialTimeoutMs: 0 });
    for (const s of ['ABCDEF\r', 'GHIJKL\r', 'MNOPQR\r']) framer.push(Buffer.from(s));
    expect(kept.map(String)).toEqual(['ABCDEF', 'GHIJKL', 'MNOPQR']);
  });

  test('bad options are refused with a reason', () => {
    const onFrame = () => {};
    expect(() => new RingFramer({ onFrame, maxLineBytes: 0 })).toThrow(/maxLineBytes/);
    expect(() => new RingFramer({ onFrame, terminators: [] })).toThrow(/at least one/);
    expect(() => new RingFramer({ onFrame, terminators: ['CRCR' as never] })).toThrow(/unknown terminator "CRCR"/);
    expect(() => new RingFramer({ onFrame, terminators: ['none'], interCharTimeoutMs: 0 })).toThrow(/interCharTimeoutMs/);
  });
});

describe('overlong lines', () => {
  test('a line of exactly the capacity is a frame; one byte more is discarded up to its terminator and reported once', () => {
    const { framer, frames, errors, push } = collect({ maxLineBytes: 8 });
    push('12345678\r');
    push('123456789\rOK\r');
    expect(frames).toEqual(['12345678', 'OK']);
    expect(errors).toEqual([{ kind: 'overlong', bytes: 9 }]);
    expect(framer.stats).toMatchObject({ overlongLines: 1, overlongBytes: 9, frames: 2 });
  });

  test('an overlong line over many chunks is one error counting every byte, and nothing of it leaks', () => {
    const { framer, frames, errors, push } = collect({ maxLineBytes: 16 });
    for (let i = 0; i < 100; i++) push('xxxxx');
    expect(errors).toEqual([]);
    expect(framer.pendingBytes).toBe(500);
    push('yy\r\nSCAN\r\n');
    expect(errors).toEqual([{ kind: 'overlong', bytes: 502 }]);
    expect(frames).toEqual(['SCAN']);
  });

  test('CRLF only: a held CR at the bound does not overflow; a CR that turns out to be data does', () => {
    const { frames, errors, push } = collect({ maxLineBytes: 4, terminators: ['CRLF'] });
    push('ABCD\r', '\n');
    push('ABCD\r', 'x\r\n');
    expect(frames).toEqual(['ABCD']);
    expect(errors).toEqual([{ kind: 'overlong', bytes: 6 }]);
  });
});

describe('inter-character timeout (terminator none)', () => {
  test('silence ends the frame, timed at its last byte; the timer is armed once per quiet period', () => {
    const { fake, clock } = fakeClock();
    const { framer, frames, times } = collect({ terminators: ['none'], interCharTimeoutMs: 80, clock });
    const t0 = fake.now;
    framer.push(Buffer.from(']C1010'));
    fake.tick(50);
    framer.push(Buffer.from('4150'));
    fake.tick(20);
    framer.push(Buffer.from('123'));
    expect(fake.countTimers()).toBe(1);
    fake.tick(79);
    expect(frames).toEqual([]);
    fake.tick(1);
    expect(frames).toEqual([']C10104150123']);
    expect(times).toEqual([t0 + 70]);
    expect(fake.countTimers()).toBe(0);
  });

  test('with CR as well: a CR ends the frame at once, silence ends one without', () => {
    const { fake, clock } = fakeClock();
    const { framer, frames } = collect({ terminators: ['CR', 'none'], interCharTimeoutMs: 60, clock });
    framer.push(Buffer.from('A\rB'));
    expect(frames).toEqual(['A']);
    fake.tick(60);
    expect(frames).toEqual(['A', 'B']);
  });

  test('an overlong line without terminator is reported when the silence ends it', () => {
    const { fake, clock } = fakeClock();
    const { framer, frames, errors } = collect({ terminators: ['none'], interCharTimeoutMs: 50, maxLineBytes: 4, clock });
    framer.push(Buffer.from('123456'));
    fake.tick(50);
    framer.push(Buffer.from('OK'));
    fake.tick(50);
    expect(errors).toEqual([{ kind: 'overlong', bytes: 6 }]);
    expect(frames).toEqual(['OK']);
  });

  test('a clock stepping back restarts the silence instead of waiting for ever', () => {
    const { fake, clock } = fakeClock(10_000);
    const { framer, frames } = collect({ terminators: ['none'], interCharTimeoutMs: 80, clock });
    framer.push(Buffer.from('AB'));
    fake.setSystemTime(5_000);
    fake.tick(80);
    expect(frames).toEqual([]);
    fake.tick(80);
    expect(frames).toEqual(['AB']);
  });
});

describe('unfinished lines', () => {
  test('with terminators, a fragment left alone for partialTimeoutMs is dropped, never glued to the next scan', () => {
    const { fake, clock } = fakeClock();
    const { framer, frames, errors } = collect({ partialTimeoutMs: 1000, clock });
    framer.push(Buffer.from('GARB'));
    fake.tick(999);
    expect(errors).toEqual([]);
    fake.tick(1);
    expect(errors).toEqual([{ kind: 'partial', bytes: 4, cause: 'timeout' }]);
    framer.push(Buffer.from('SCAN\r'));
    expect(frames).toEqual(['SCAN']);
    expect(framer.stats).toMatchObject({ partialLines: 1, partialBytes: 4 });
  });

  test('partialTimeoutMs 0 arms no timer', () => {
    const { fake, clock } = fakeClock();
    const { framer } = collect({ partialTimeoutMs: 0, clock });
    framer.push(Buffer.from('GARB'));
    expect(fake.countTimers()).toBe(0);
  });

  test('discardPartial drops the line (as overlong if it was), and returns the bytes', () => {
    const { framer, frames, errors, push } = collect({ maxLineBytes: 4, partialTimeoutMs: 0 });
    push('PA');
    expect(framer.discardPartial('unplug')).toBe(2);
    push('123456');
    expect(framer.discardPartial('unplug')).toBe(6);
    expect(framer.discardPartial('unplug')).toBe(0);
    push('OK\r');
    expect(errors).toEqual([
      { kind: 'partial', bytes: 2, cause: 'unplug' },
      { kind: 'overlong', bytes: 6 },
    ]);
    expect(frames).toEqual(['OK']);
  });

  test('an LF after a discarded CR line is not swallowed into a later frame', () => {
    const { framer, frames, push } = collect({ terminators: ['CRLF'], partialTimeoutMs: 0 });
    push('AB\r');
    framer.discardPartial('unplug');
    push('\nCD\r\n');
    expect(frames).toEqual(['\nCD']);
  });

  test('close() stops the timer, drops the line, ignores later bytes', () => {
    const { fake, clock } = fakeClock();
    const { framer, frames, errors } = collect({ terminators: ['none'], clock });
    framer.push(Buffer.from('ABC'));
    framer.close();
    expect(fake.countTimers()).toBe(0);
    framer.push(Buffer.from('DEF\r'));
    fake.tick(1000);
    expect(frames).toEqual([]);
    expect(errors).toEqual([{ kind: 'partial', bytes: 3, cause: 'close' }]);
  });
});
