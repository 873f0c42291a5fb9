// Feedback → a short timed sequence of light/sound steps (the table in hw/README.md).
//   PATTERNS['good-read'].steps → [{ green: true, red: false, buzzer: true, ms: 100 }]
//   PATTERNS.offline → { steps: [], base: 'offline' }   (a state, not a flash)
//
// - Each step is absolute: for its `ms` exactly these outputs are on, everything else off.
// - After the last step the player restores the base state: red steady while offline, all off
//   while online. `base` on a pattern switches that state (offline sets it, online clears it).
// - Attention (disk full, a damaged journal) is a second, independent state: red and green both
//   steady (amber on a bicolour LED) until it is cleared; it is shown over offline.
// - good-read and refused differ in both colour (green / red) and sound (one beep / three).

import type { Feedback, LightState } from './types.ts';

export interface Step extends LightState {
  ms: number;
}

export interface Pattern {
  steps: readonly Step[];
  /** Switches the persistent base state; absent: leaves it as it is. */
  base?: 'offline' | 'online';
  /** Switches the persistent attention state; absent: leaves it as it is. */
  attention?: boolean;
}

const step = (on: ('green' | 'red' | 'buzzer')[], ms: number): Step => ({
  green: on.includes('green'),
  red: on.includes('red'),
  buzzer: on.includes('buzzer'),
  ms,
});

export const PATTERNS: Readonly<Record<Feedback, Pattern>> = {
  /** One short green flash with one short beep. */
  'good-read': { steps: [step(['green', 'buzzer'], 100)] },
  /** Red for 700 ms with three short beeps in it. */
  refused: {
    steps: [
      step(['red', 'buzzer'], 100),
      step(['red'], 100),
      step(['red', 'buzzer'], 100),
      step(['red'], 100),
      step(['red', 'buzzer'], 100),
      step(['red'], 200),
    ],
  },
  /** Red steady until online. */
  offline: { steps: [], base: 'offline' },
  /** Clears offline. */
  online: { steps: [], base: 'online' },
  /** Two green blinks, silent: a code that is an order/reference, not an implant. */
  'order-code': { steps: [step(['green'], 100), step([], 100), step(['green'], 100)] },
  /** One long beep, then red and green steady until cleared. */
  attention: { steps: [step(['green', 'red', 'buzzer'], 600)], attention: true },
  /** Clears attention. */
  'attention-cleared': { steps: [], attention: false },
};

/** The state between patterns. */
export function baseState(offline: boolean, attention = false): LightState {
  return { green: attention, red: offline || attention, buzzer: false };
}
