// Plays feedback patterns (patterns.ts) onto Outputs with setTimeout; one pattern at a time.
//   const p = new Player(outputs);
//   p.signal('offline');    → set({ red: true })                       (and stays)
//   p.signal('good-read');  → set({ green, buzzer }) … 100 ms … set({ red: true })   (base restored)
//   p.close();              → set(all off); timers cancelled; later signals ignored
//
// - A new signal interrupts the current pattern at once (its timer is cancelled); the newest
//   feedback is what staff should see.
// - The base state (offline → red steady, online → all off; attention → red and green steady)
//   persists between patterns; offline / online / attention / attention-cleared switch it and
//   show it immediately, interrupting whatever was playing.
// - Timers are unref'd: an indicator never keeps the daemon alive.
// - Outputs.set() is called once per step and once when the base state is restored; a throwing
//   Outputs is the driver's business (sysfs-led.ts never throws).

import { baseState, PATTERNS, type Step } from './patterns.ts';
import { ALL_OFF, type Feedback, type Indicator, type Outputs } from './types.ts';

export class Player implements Indicator {
  private offline = false;
  private attention = false;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private closed = false;

  constructor(private readonly outputs: Outputs) {}

  get isOffline(): boolean {
    return this.offline;
  }

  get needsAttention(): boolean {
    return this.attention;
  }

  signal(feedback: Feedback): void {
    if (this.closed) return;
    this.cancel();
    const pattern = PATTERNS[feedback];
    if (pattern.base !== undefined) this.offline = pattern.base === 'offline';
    if (pattern.attention !== undefined) this.attention = pattern.attention;
    this.play(pattern.steps, 0);
  }

  close(): void {
    if (this.closed) return;
    this.cancel();
    this.closed = true;
    this.outputs.set({ ...ALL_OFF });
  }

  private play(steps: readonly Step[], i: number): void {
    const s = steps[i];
    if (s === undefined) {
      this.timer = undefined;
      this.outputs.set(baseState(this.offline, this.attention));
      return;
    }
    this.outputs.set({ green: s.green, red: s.red, buzzer: s.buzzer });
    this.timer = setTimeout(() => this.play(steps, i + 1), s.ms);
    this.timer.unref?.();
  }

  private cancel(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
  }
}
