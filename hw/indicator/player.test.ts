import FakeTimers from '@sinonjs/fake-timers';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { PATTERNS } from './patterns.ts';
import { Player } from './player.ts';
import type { Feedback, LightState } from './types.ts';

type Clock = ReturnType<typeof FakeTimers.install>;

/** Records every set() with the fake time it happened at, as a compact 'G R B' string. */
function recorder(clock: Clock) {
  const log: [number, string][] = [];
  const fmt = (s: LightState) => `${s.green ? 'G' : '-'}${s.red ? 'R' : '-'}${s.buzzer ? 'B' : '-'}`;
  return { log, outputs: { set: (s: LightState) => log.push([clock.now, fmt(s)]) } };
}

let clock: Clock;
beforeEach(() => {
  clock = FakeTimers.install({ now: 0 });
});
afterEach(() => clock.uninstall());

describe('Player', () => {
  it('good-read: one 100 ms green flash with one beep, then all off', () => {
    const { log, outputs } = recorder(clock);
    new Player(outputs).signal('good-read');
    clock.tick(1000);
    expect(log).toEqual([
      [0, 'G-B'],
      [100, '---'],
    ]);
  });

  it('refused: red with three short beeps, then all off', () => {
    const { log, outputs } = recorder(clock);
    new Player(outputs).signal('refused');
    clock.tick(2000);
    expect(log).toEqual([
      [0, '-RB'],
      [100, '-R-'],
      [200, '-RB'],
      [300, '-R-'],
      [400, '-RB'],
      [500, '-R-'],
      [700, '---'],
    ]);
  });

  it('refused differs from good-read in both light and sound', () => {
    const lit = (f: Feedback, c: 'green' | 'red') => PATTERNS[f].steps.some((s) => s[c]);
    const beeps = (f: Feedback) =>
      PATTERNS[f].steps.filter((s, i, all) => s.buzzer && !(all[i - 1]?.buzzer ?? false)).length;
    expect([lit('good-read', 'green'), lit('good-read', 'red')]).toEqual([true, false]);
    expect([lit('refused', 'green'), lit('refused', 'red')]).toEqual([false, true]);
    expect(beeps('good-read')).toBe(1);
    expect(beeps('refused')).toBe(3);
  });

  it('order-code: a silent double green blink', () => {
    const { log, outputs } = recorder(clock);
    new Player(outputs).signal('order-code');
    clock.tick(1000);
    expect(log).toEqual([
      [0, 'G--'],
      [100, '---'],
      [200, 'G--'],
      [300, '---'],
    ]);
  });

  it('offline is red steady until online; patterns in between return to red', () => {
    const { log, outputs } = recorder(clock);
    const p = new Player(outputs);
    p.signal('offline');
    clock.tick(60_000);
    expect(log).toEqual([[0, '-R-']]);
    expect(p.isOffline).toBe(true);

    p.signal('good-read');
    clock.tick(1000);
    expect(log.slice(1)).toEqual([
      [60_000, 'G-B'],
      [60_100, '-R-'],
    ]);

    p.signal('online');
    clock.tick(60_000);
    expect(log.slice(3)).toEqual([[61_000, '---']]);
    expect(p.isOffline).toBe(false);
  });

  it('attention: one long beep, then red and green steady over offline until cleared', () => {
    const { log, outputs } = recorder(clock);
    const p = new Player(outputs);
    p.signal('offline');
    p.signal('attention');
    clock.tick(60_000);
    expect(log).toEqual([
      [0, '-R-'],
      [0, 'GRB'],
      [600, 'GR-'],
    ]);
    p.signal('refused'); // a refused scan still plays, then attention returns
    clock.tick(1000);
    expect(log.at(-1)).toEqual([60_700, 'GR-']);
    p.signal('online'); // the broker back does not clear attention
    expect(log.at(-1)).toEqual([61_000, 'GR-']);
    expect(p.needsAttention).toBe(true);
    p.signal('attention-cleared');
    expect(log.at(-1)).toEqual([61_000, '---']);
    expect(p.needsAttention).toBe(false);
  });

  it('a new signal interrupts the current pattern at once', () => {
    const { log, outputs } = recorder(clock);
    const p = new Player(outputs);
    p.signal('refused');
    clock.tick(150);
    p.signal('good-read');
    clock.tick(2000);
    expect(log).toEqual([
      [0, '-RB'],
      [100, '-R-'],
      [150, 'G-B'],
      [250, '---'],
    ]);
  });

  it('offline during a pattern interrupts it and shows red at once', () => {
    const { log, outputs } = recorder(clock);
    const p = new Player(outputs);
    p.signal('order-code');
    clock.tick(50);
    p.signal('offline');
    clock.tick(2000);
    expect(log).toEqual([
      [0, 'G--'],
      [50, '-R-'],
    ]);
  });

  it('close() turns everything off, cancels timers and ignores later signals', () => {
    const { log, outputs } = recorder(clock);
    const p = new Player(outputs);
    p.signal('offline');
    p.signal('refused');
    clock.tick(50);
    p.close();
    expect(clock.countTimers()).toBe(0);
    p.signal('good-read');
    p.close();
    clock.tick(2000);
    expect(log).toEqual([
      [0, '-R-'],
      [0, '-RB'],
      [50, '---'],
    ]);
  });
});
