// Outputs on Linux sysfs: two LEDs under /sys/class/leds and an optional GPIO buzzer.
//   const out = new SysfsOutputs({ ledBase: '/sys/class/leds', greenLed: 'led0', redLed: 'led1',
//                                  buzzer: '/sys/class/gpio/gpio17/value' }, { onError: log.warn });
//   out.set({ green: true, red: false, buzzer: true });
//     → /sys/class/leds/led0/brightness ← "255" (its max_brightness; "1" if unreadable)
//       /sys/class/leds/led1/brightness ← "0"
//       /sys/class/gpio/gpio17/value    ← "1"
//
// - At construction each LED's `trigger` (if present) is set to "none", so the kernel's own
//   trigger (mmc0, heartbeat) stops fighting us, and everything is switched off.
// - Only a channel that changed is written (a few small writes per pattern step at most).
// - Never throws: a failed write is reported through onError once per file, then silently retried
//   at the next change (an unplugged GPIO expander must not stop scanning).

import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ALL_OFF, type LightState, type Outputs } from './types.ts';

export interface SysfsConfig {
  ledBase: string;
  greenLed: string;
  redLed: string;
  buzzer?: string;
}

interface Channel {
  path: string;
  on: string;
  last: boolean | undefined;
}

export class SysfsOutputs implements Outputs {
  private readonly channels: { green: Channel; red: Channel; buzzer: Channel | undefined };
  private readonly reported = new Set<string>();

  constructor(
    config: SysfsConfig,
    private readonly opts: { onError?: (msg: string) => void } = {},
  ) {
    this.channels = {
      green: this.led(config.ledBase, config.greenLed),
      red: this.led(config.ledBase, config.redLed),
      buzzer: config.buzzer === undefined ? undefined : { path: config.buzzer, on: '1', last: undefined },
    };
    this.set(ALL_OFF);
  }

  set(state: LightState): void {
    this.write(this.channels.green, state.green);
    this.write(this.channels.red, state.red);
    if (this.channels.buzzer) this.write(this.channels.buzzer, state.buzzer);
  }

  private led(base: string, name: string): Channel {
    const dir = join(base, name);
    let on = '1';
    try {
      const max = Number.parseInt(readFileSync(join(dir, 'max_brightness'), 'utf8').trim(), 10);
      if (Number.isInteger(max) && max > 0) on = String(max);
    } catch {
      // No max_brightness: "1" lights any LED class device.
    }
    const trigger = join(dir, 'trigger');
    if (existsSync(trigger)) this.tryWrite(trigger, 'none');
    return { path: join(dir, 'brightness'), on, last: undefined };
  }

  private write(ch: Channel, value: boolean): void {
    if (ch.last === value) return;
    ch.last = this.tryWrite(ch.path, value ? ch.on : '0') ? value : undefined;
  }

  private tryWrite(path: string, text: string): boolean {
    try {
      writeFileSync(path, text);
      return true;
    } catch (err) {
      if (!this.reported.has(path)) {
        this.reported.add(path);
        this.opts.onError?.(`indicator: cannot write ${path}: ${(err as Error).message}`);
      }
      return false;
    }
  }
}
