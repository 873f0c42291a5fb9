// Test support: a real pseudo-terminal pair made by socat, standing in for a USB scanner.
//   const scanner = await plugScanner(dir);          // dir/scanner ⇄ dir/scanner-writer
//   new SerialSource({ path: scanner.devicePath, … })
//   await scanner.write(']d2010415012345678901\r');   // bytes as the scanner would send them
//   await scanner.unplug();                            // the device disappears, reads fail
//   const again = await plugScanner(dir);              // a new /dev/pts node behind the same path
//
// devicePath is a stable symlink to the pty, as udev's /dev/implant-scanner is to /dev/ttyACM0;
// socat replaces it on replug and removes it when it ends (SIGTERM). socat must be installed
// (`apt-get install socat`; .ci/run does). For tests only: the full scanner simulator is firmware-sim/.

import { type ChildProcess, spawn } from 'node:child_process';
import { constants } from 'node:fs';
import { type FileHandle, open, rm } from 'node:fs/promises';
import { join } from 'node:path';

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

const READY = 'starting data transfer loop';

/** Starts socat with `dir/<name>` as the device and `dir/<name>-writer` as the test's end. */
export async function plugScanner(dir: string, name = 'scanner', timeoutMs = 10_000): Promise<PluggedScanner> {
  const devicePath = join(dir, name);
  const writerPath = join(dir, `${name}-writer`);
  // A link left by a socat that was killed hard would point at a /dev/pts node another pty may own.
  await rm(devicePath, { force: true });
  await rm(writerPath, { force: true });
  const child = spawn('socat', ['-d', '-d', `pty,raw,echo=0,link=${devicePath}`, `pty,raw,echo=0,link=${writerPath}`], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  await untilReady(child, timeoutMs);
  let writer: FileHandle;
  try {
    writer = await open(writerPath, constants.O_RDWR | constants.O_NOCTTY);
  } catch (e) {
    child.kill('SIGKILL');
    throw e;
  }
  let unplugged: Promise<void> | null = null;
  return {
    devicePath,
    writerPath,
    pid: child.pid ?? -1,
    async write(bytes) {
      const data = typeof bytes === 'string' ? Buffer.from(bytes, 'latin1') : bytes;
      let off = 0;
      while (off < data.length) off += (await writer.write(data, off, data.length - off)).bytesWritten;
    },
    unplug(signal = 'SIGTERM') {
      unplugged ??= (async () => {
        await writer.close().catch(() => {});
        if (child.exitCode === null && child.signalCode === null) child.kill(signal);
        await exited;
      })();
      return unplugged;
    },
  };
}

function untilReady(child: ChildProcess, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    let log = '';
    const timer = setTimeout(() => finish(new Error(`socat not ready after ${timeoutMs} ms: ${log}`)), timeoutMs);
    const onData = (chunk: Buffer) => {
      log += chunk.toString('utf8');
      if (log.includes(READY)) finish(null);
    };
    const onExit = (code: number | null) => finish(new Error(`socat exited (${code}) before it was ready: ${log}`));
    const onError = (err: Error) => finish(new Error(`cannot start socat (is it installed?): ${err.message}`));
    function finish(err: Error | null) {
      clearTimeout(timer);
      child.stderr?.off('data', onData);
      child.off('exit', onExit);
      child.off('error', onError);
      // Keep draining socat's log so that it never blocks on a full pipe.
      child.stderr?.resume();
      if (err) {
        child.kill('SIGKILL');
        reject(err);
      } else resolve();
    }
    child.stderr?.on('data', onData);
    child.once('exit', onExit);
    child.once('error', onError);
  });
}

/** Polls `condition` until it holds; throws after `timeoutMs` (a bound, not an assertion on timing). */
export async function waitFor(condition: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}
