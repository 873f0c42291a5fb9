// The indicator's vocabulary, declared here so that hw/ never imports from gateway/ (gateway → hw).
//   import type { Feedback, IndicatorConfig } from './types.ts';
//   const config: IndicatorConfig = { driver: 'sysfs', ledBase: '/sys/class/leds', greenLed: 'led0', redLed: 'led1' };
//
// Feedback and IndicatorConfig are structurally identical to gateway/ports.ts Feedback and the
// `indicator` member of gateway/config.ts, so the gateway passes its values straight in.

/** Theatre feedback: what happened, not how it looks or sounds (patterns.ts decides that). */
export type Feedback = 'good-read' | 'refused' | 'offline' | 'online' | 'order-code' | 'attention' | 'attention-cleared';

export type IndicatorConfig =
  | { driver: 'none' }
  | { driver: 'simulated' }
  | {
      driver: 'sysfs';
      /** e.g. /sys/class/leds: holds the LED directories named below. */
      ledBase: string;
      greenLed: string;
      redLed: string;
      /** A GPIO value file driving the buzzer, e.g. /sys/class/gpio/gpio17/value. */
      buzzer?: string;
    };

/** What is lit and sounding at one moment. */
export interface LightState {
  green: boolean;
  red: boolean;
  buzzer: boolean;
}

/** The hardware (or its stand-in) that a Player drives. */
export interface Outputs {
  set(state: LightState): void;
}

/** What createIndicator() returns; the gateway uses it as its IndicatorPort. */
export interface Indicator {
  signal(feedback: Feedback): void;
  /** Everything off, timers cancelled; later signals are ignored. */
  close(): void;
}

export const ALL_OFF: Readonly<LightState> = Object.freeze({ green: false, red: false, buzzer: false });
