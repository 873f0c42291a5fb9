import FakeTimers from '@sinonjs/fake-timers';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createIndicator, SimulatedIndicator } from './index.ts';

type Clock = ReturnType<typeof FakeTimers.install>;
let clock: Clock;
beforeEach(() => {
  clock = FakeTimers.install({ now: 1_700_000_000_000 });
});
afterEach(() => clock.uninstall());

describe('SimulatedIndicator', () => {
  it('keeps the current state, the last feedback and a timestamped history', () => {
    const ind = createIndicator({ driver: 'simulated' });
    expect(ind).toBeInstanceOf(SimulatedIndicator);
    ind.signal('good-read');
    expect(ind.state).toEqual({ green: true, red: false, buzzer: true });
    expect(ind.lastFeedback).toBe('good-read');
    clock.tick(100);
    expect(ind.state).toEqual({ green: false, red: false, buzzer: false });
    ind.signal('offline');
    expect(ind.offline).toBe(true);
    expect(ind.history).toEqual([
      { at: 1_700_000_000_000, green: true, red: false, buzzer: true, feedback: 'good-read' },
      { at: 1_700_000_000_100, green: false, red: false, buzzer: false, feedback: 'good-read' },
      { at: 1_700_000_000_100, green: false, red: true, buzzer: false, feedback: 'offline' },
    ]);
    ind.close();
    expect(ind.state).toEqual({ green: false, red: false, buzzer: false });
    expect(ind.history.at(-1)?.feedback).toBeNull();
  });

  it('the history is bounded: the newest maxHistory entries are kept', () => {
    const ind = new SimulatedIndicator({ maxHistory: 5 });
    for (let i = 0; i < 100; i++) {
      ind.signal(i % 2 === 0 ? 'good-read' : 'order-code');
      clock.tick(1000);
    }
    const h = ind.history;
    expect(h).toHaveLength(5);
    // The last signal (i = 99) was an order-code: G, off, G, off; before it the good-read's end.
    expect(h.map((e) => e.feedback)).toEqual(['good-read', 'order-code', 'order-code', 'order-code', 'order-code']);
    expect(h.at(-1)?.at).toBe(1_700_000_000_000 + 99_000 + 300);
  });

  it('history() is a copy: callers cannot change it', () => {
    const ind = new SimulatedIndicator();
    ind.signal('good-read');
    (ind.history as unknown[]).length = 0;
    expect(ind.history).toHaveLength(1);
  });
});

describe('createIndicator', () => {
  it("'none' accepts every signal and does nothing", () => {
    const ind = createIndicator({ driver: 'none' });
    expect(() => {
      ind.signal('refused');
      ind.close();
    }).not.toThrow();
    expect(clock.countTimers()).toBe(0);
  });
});
