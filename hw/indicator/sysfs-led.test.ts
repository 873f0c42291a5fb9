import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import FakeTimers from '@sinonjs/fake-timers';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createIndicator } from './index.ts';
import { SysfsOutputs } from './sysfs-led.ts';

// A temp dir laid out like /sys/class/leds plus a GPIO value file.
let root: string;
type Clock = ReturnType<typeof FakeTimers.install>;
let clock: Clock;
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'hw-leds-'));
  mkdirSync(join(root, 'leds/green'), { recursive: true });
  mkdirSync(join(root, 'leds/red'), { recursive: true });
  mkdirSync(join(root, 'gpio17'));
  writeFileSync(join(root, 'leds/green/brightness'), '?');
  writeFileSync(join(root, 'leds/green/max_brightness'), '255\n');
  writeFileSync(join(root, 'leds/green/trigger'), '[mmc0] none heartbeat');
  writeFileSync(join(root, 'leds/red/brightness'), '?'); // no max_brightness: "1"
  writeFileSync(join(root, 'gpio17/value'), '?');
  clock = FakeTimers.install({ now: 0 });
});
afterEach(() => {
  clock.uninstall();
  rmSync(root, { recursive: true, force: true });
});

const config = () =>
  ({ driver: 'sysfs', ledBase: join(root, 'leds'), greenLed: 'green', redLed: 'red', buzzer: join(root, 'gpio17/value') }) as const;
const files = () => ({
  green: readFileSync(join(root, 'leds/green/brightness'), 'utf8'),
  red: readFileSync(join(root, 'leds/red/brightness'), 'utf8'),
  buzzer: readFileSync(join(root, 'gpio17/value'), 'utf8'),
});

describe('sysfs indicator', () => {
  it('takes the LEDs from their kernel triggers and starts all off', () => {
    createIndicator(config());
    expect(readFileSync(join(root, 'leds/green/trigger'), 'utf8')).toBe('none');
    expect(files()).toEqual({ green: '0', red: '0', buzzer: '0' });
  });

  it('good-read: green at max_brightness and buzzer on for 100 ms, then off', () => {
    const ind = createIndicator(config());
    ind.signal('good-read');
    expect(files()).toEqual({ green: '255', red: '0', buzzer: '1' });
    clock.tick(99);
    expect(files()).toEqual({ green: '255', red: '0', buzzer: '1' });
    clock.tick(1);
    expect(files()).toEqual({ green: '0', red: '0', buzzer: '0' });
  });

  it('refused: red ("1" without max_brightness) with three beeps; offline stays red until online', () => {
    const ind = createIndicator(config());
    ind.signal('offline');
    expect(files()).toEqual({ green: '0', red: '1', buzzer: '0' });
    ind.signal('refused');
    const seen: string[] = [];
    for (let t = 0; t < 800; t += 100) {
      seen.push(Object.values(files()).join(' '));
      clock.tick(100);
    }
    expect(seen).toEqual(['0 1 1', '0 1 0', '0 1 1', '0 1 0', '0 1 1', '0 1 0', '0 1 0', '0 1 0']);
    ind.signal('online');
    expect(files()).toEqual({ green: '0', red: '0', buzzer: '0' });
  });

  it('close() switches everything off', () => {
    const ind = createIndicator(config());
    ind.signal('refused');
    ind.close();
    expect(files()).toEqual({ green: '0', red: '0', buzzer: '0' });
  });

  it('writes only the channels that changed', () => {
    const out = new SysfsOutputs(config());
    out.set({ green: true, red: false, buzzer: false });
    writeFileSync(join(root, 'leds/red/brightness'), 'untouched');
    out.set({ green: false, red: false, buzzer: false });
    expect(files()).toEqual({ green: '0', red: 'untouched', buzzer: '0' });
  });

  it('never throws: a missing file is reported once, the rest keeps working, and writes resume', () => {
    const errors: string[] = [];
    const cfg = { ...config(), redLed: 'missing' };
    const ind = createIndicator(cfg, { onError: (m) => errors.push(m) });
    expect(() => {
      for (let i = 0; i < 5; i++) {
        ind.signal('refused');
        clock.tick(1000);
      }
    }).not.toThrow();
    expect(errors).toHaveLength(1);
    expect(errors[0]).toContain(join(root, 'leds/missing/brightness'));
    ind.signal('good-read');
    expect(files().green).toBe('255');

    // The LED appears (a module loaded late): the next change is written.
    mkdirSync(join(root, 'leds/missing'));
    ind.signal('offline');
    expect(readFileSync(join(root, 'leds/missing/brightness'), 'utf8')).toBe('1');
    expect(errors).toHaveLength(1);
  });

  it('works without a buzzer', () => {
    const { buzzer: _, ...noBuzzer } = config();
    const ind = createIndicator(noBuzzer);
    ind.signal('good-read');
    expect(files()).toEqual({ green: '255', red: '0', buzzer: '?' });
  });
});
