// A pseudo-terminal pair made by socat: one end is the "scanner" a gateway opens, the other is ours.
//   const pty = await plugPty({ stablePath: '/tmp/x/scanner', writerPath: '/tmp/x/scanner-writer' });
//   pty.devicePath;                  // '/dev/pts/7': what the stable link points at
//   await pty.write(Buffer.from(']d2010950600013435217290131\r', 'latin1'));
//   await pty.unplug();              // SIGTERM: socat removes both links, readers get EIO
//   await plugPty({ …, avoid: pty.devicePath });   // a replug: a new /dev/pts node, same stable path
//
// `socat -d -d pty,raw,echo=0,link=A pty,raw,echo=0,link=B` (Debian's socat): the stable path is a
// symlink, as udev's /dev/implant-scanner is to /dev/ttyACM0. Ready once socat logs
// "starting data transfer loop"; our end is opened O_RDWR|O_NOCTTY so it never becomes a
// controlling terminal.
// The kernel hands out the lowest free pty number, so a replug right after an unplug would get
// the old node back. With `avoid`, short-lived holder pairs take the free numbers up to the old
// one first, so that the new device node is always a different one (they end once it is plugged).

import { type ChildProcess, spawn } from 'node:child_process';
import { constants, existsSync, realpathSync } from 'node:fs';
import { type FileHandle, open, rm } from 'node:fs/promises';

export interface PtyPair {
  readonly stablePath: string;
  readonly writerPath: string;
  /** The /dev/pts node behind stablePath when it was plugged. */
  readonly devicePath: string;
  readonly pid: number;
  write(bytes: Uint8Array): Promise<void>;
  /** Ends socat (SIGTERM: the links are removed) and waits for it. Idempotent. */
  unplug(signal?: NodeJS.Signals): Promise<void>;
}

export interface PlugOptions {
  stablePath: string;
  writerPath: string;
  /** A /dev/pts node the new device must not be (the one before a replug). */
  avoid?: string;
  timeoutMs?: number;
}

const READY = 'starting data transfer loop';
const MAX_HOLDERS = 16;

export async function plugPty(opts: PlugOptions): Promise<PtyPair> {
  const holders: PtyPair[] = [];
  try {
    if (opts.avoid !== undefined) {
      for (let i = 0; i < MAX_HOLDERS && !existsSync(opts.avoid); i++) {
        holders.push(await spawnPair(`${opts.writerPath}.hold${i}a`, `${opts.writerPath}.hold${i}b`, opts.timeoutMs));
      }
    }
    return await spawnPair(opts.stablePath, opts.writerPath, opts.timeoutMs);
  } finally {
    await Promise.all(holders.map((h) => h.unplug()));
  }
}

async function spawnPair(stablePath: string, writerPath: string, timeoutMs = 10_000): Promise<PtyPair> {
  // A link left by a socat killed hard would point at a node another pty may own by now.
  await rm(stablePath, { force: true });
  await rm(writerPath, { force: true });
  const child = spawn('socat', ['-d', '-d', `pty,raw,echo=0,link=${stablePath}`, `pty,raw,echo=0,link=${writerPath}`], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  await untilReady(child, timeoutMs);
  let writer: FileHandle;
  let devicePath: string;
  try {
    writer = await open(writerPath, constants.O_RDWR | constants.O_NOCTTY);
    devicePath = realpathSync(stablePath);
  } catch (e) {
    child.kill('SIGKILL');
    throw e;
  }
  let unplugged: Promise<void> | null = null;
  return {
    stablePath,
    writerPath,
    devicePath,
    pid: child.pid ?? -1,
    async write(bytes) {
      let off = 0;
      while (off < bytes.length) off += (await writer.write(bytes, off, bytes.length - off)).bytesWritten;
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
    const onError = (err: Error) => finish(new Error(`cannot start socat (apt-get install socat): ${err.message}`));
    function finish(err: Error | null) {
      clearTimeout(timer);
      child.stderr?.off('data', onData);
      child.off('exit', onExit);
      child.off('error', onError);
      child.stderr?.resume(); // keep draining socat's log: it must never block on a full pipe
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

/** Polls `condition` until it holds; throws after `timeoutMs` (a bound, not a timing assertion). */
export async function waitFor(condition: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}
