// An indicator with no hardware: the current state and a bounded history, for tests, the demo
// and the station page.
//   const ind = new SimulatedIndicator({ maxHistory: 100 });
//   ind.signal('good-read');
//   ind.state        → { green: true, red: false, buzzer: true }
//   ind.lastFeedback → 'good-read'
//   ind.history      → [{ at: 1700000000000, green: true, red: false, buzzer: true, feedback: 'good-read' }]
//
// Timing is the real Player's (setTimeout), so fake timers drive it exactly like the hardware.
// The history keeps the newest `maxHistory` entries (default 256): memory never grows.

import { Player } from './player.ts';
import { ALL_OFF, type Feedback, type Indicator, type LightState } from './types.ts';

export interface HistoryEntry extends LightState {
  /** Date.now() when the outputs changed. */
  at: number;
  /** The signal that caused it; null for close(). */
  feedback: Feedback | null;
}

export class SimulatedIndicator implements Indicator {
  readonly maxHistory: number;
  private current: LightState = { ...ALL_OFF };
  private readonly entries: HistoryEntry[] = [];
  private last: Feedback | null = null;
  private cause: Feedback | null = null;
  private readonly player: Player;

  constructor(opts: { maxHistory?: number } = {}) {
    this.maxHistory = Math.max(1, opts.maxHistory ?? 256);
    this.player = new Player({ set: (s) => this.record(s) });
  }

  /** What is lit and sounding now (a copy). */
  get state(): LightState {
    return { ...this.current };
  }

  /** Oldest first, at most maxHistory entries (a copy). */
  get history(): readonly HistoryEntry[] {
    return this.entries.slice();
  }

  get lastFeedback(): Feedback | null {
    return this.last;
  }

  get offline(): boolean {
    return this.player.isOffline;
  }

  signal(feedback: Feedback): void {
    this.last = feedback;
    this.cause = feedback;
    this.player.signal(feedback);
  }

  close(): void {
    this.cause = null;
    this.player.close();
  }

  private record(s: LightState): void {
    this.current = { green: s.green, red: s.red, buzzer: s.buzzer };
    this.entries.push({ at: Date.now(), ...this.current, feedback: this.cause });
    if (this.entries.length > this.maxHistory) this.entries.splice(0, this.entries.length - this.maxHistory);
  }
}
