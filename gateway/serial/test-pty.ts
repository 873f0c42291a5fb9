// Test support: a real pseudo-terminal pair, standing in for a USB scanner, from the scanner
// simulator's pty (firmware-sim/pty.ts, socat underneath).
//   const scanner = await plugScanner(dir);          // dir/scanner ⇄ dir/scanner-writer
//   new SerialSource({ path: scanner.devicePath, … })
//   await scanner.write(']d2010415012345678901\r');   // bytes as the scanner would send them
//   await scanner.unplug();                            // the device disappears, reads fail
//   const again = await plugScanner(dir);              // a new /dev/pts node behind the same path
//
// devicePath is the stable symlink, as udev's /dev/implant-scanner is to /dev/ttyACM0.

import { join } from 'node:path';
import { plugPty } from '../../firmware-sim/pty.ts';

export { waitFor } from '../../firmware-sim/pty.ts';

export interface PluggedScanner {
  /** The path the gateway opens. */
  readonly devicePath: string;
  /** The other end, written by the test. */
  readonly writerPath: string;
  readonly pid: number;
  write(bytes: string | Uint8Array): Promise<void>;
  /** Ends socat (SIGTERM: the links are removed, like udev on unplug) and waits for it. */
  unplug(signal?: NodeJS.Signals): Promise<void>;
}

export async function plugScanner(dir: string, name = 'scanner', timeoutMs = 10_000): Promise<PluggedScanner> {
  const pair = await plugPty({ stablePath: join(dir, name), writerPath: join(dir, `${name}-writer`), timeoutMs });
  return {
    devicePath: pair.stablePath,
    writerPath: pair.writerPath,
    pid: pair.pid,
    write: (bytes) => pair.write(typeof bytes === 'string' ? Buffer.from(bytes, 'latin1') : bytes),
    unplug: (signal) => pair.unplug(signal),
  };
}
