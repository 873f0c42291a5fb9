// The indicator the gateway uses: config → an Indicator (its IndicatorPort, plus close()).
//   const indicator = createIndicator(config.indicator, { onError: (m) => log.warn(m) });
//   indicator.signal('good-read'); … indicator.close();
//   createIndicator({ driver: 'simulated' }).history   → SimulatedIndicator, for tests and the demo
//
// Drivers: 'none' (no-op), 'simulated' (simulated.ts), 'sysfs' (sysfs-led.ts played by player.ts).
// Never throws on hardware trouble: sysfs errors go to onError.

import { Player } from './player.ts';
import { SimulatedIndicator } from './simulated.ts';
import { SysfsOutputs } from './sysfs-led.ts';
import type { Indicator, IndicatorConfig } from './types.ts';

export type { Feedback, Indicator, IndicatorConfig, LightState, Outputs } from './types.ts';
export { PATTERNS, type Pattern, type Step } from './patterns.ts';
export { Player } from './player.ts';
export { SimulatedIndicator, type HistoryEntry } from './simulated.ts';
export { SysfsOutputs } from './sysfs-led.ts';

export interface IndicatorOptions {
  onError?: (msg: string) => void;
}

export function createIndicator(config: { driver: 'simulated' }, opts?: IndicatorOptions): SimulatedIndicator;
export function createIndicator(config: IndicatorConfig, opts?: IndicatorOptions): Indicator;
export function createIndicator(config: IndicatorConfig, opts: IndicatorOptions = {}): Indicator {
  switch (config.driver) {
    case 'none':
      return { signal() {}, close() {} };
    case 'simulated':
      return new SimulatedIndicator();
    case 'sysfs':
      return new Player(new SysfsOutputs(config, opts));
  }
}
