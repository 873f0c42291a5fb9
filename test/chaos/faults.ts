// The faults the chaos suite draws from, each one trial: break something, scan through it, heal it.
//   const fault = pick(FAULTS.filter((f) => f.available(trial)), rng);  await fault.run(trial);
// A fault never decides what is right: the oracle (suite.ts) checks that every scan the page showed
// as accepted reaches the registry exactly once, and that nothing refused appears anywhere.

import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { decodeRecords } from '../../gateway/outbox/record.ts';
import type { Prng } from '../../firmware-sim/prng.ts';
import type { Chain } from './chain.ts';
import type { LinkMode } from './faulty-link.ts';
import type { Part } from './part.ts';
import type { ScanFeed } from './scan-feed.ts';

export interface Trial {
  chain: Chain;
  rng: Prng;
  feed: ScanFeed;
  /** The gateway's data directory is a small file system of its own (a tmpfs) that may be filled. */
  smallDisk: boolean;
  /** The gateway runs under libfaketime with this offset file. */
  clockFile: string | null;
  /** Scan ids whose journal bytes a fault destroyed on purpose: they may be lost, nothing else may. */
  destroyed: Set<string>;
}

export interface Fault {
  name: string;
  available(t: Trial): boolean;
  run(t: Trial): Promise<void>;
}

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Kill -9 in the middle of a burst of scans, then start it again after a moment. */
function killDuringBurst(pick: (c: Chain) => Part): Fault['run'] {
  return async (t) => {
    const part = pick(t.chain);
    const burst = t.feed.send(t.rng.int(2, 8), t.rng.int(0, 40));
    await pause(t.rng.int(0, 120));
    await part.kill();
    await burst;
    await pause(t.rng.int(0, 400));
    await part.start();
    await t.feed.send(t.rng.int(1, 3));
  };
}

function linkFault(mode: LinkMode): Fault['run'] {
  return async (t) => {
    t.chain.link.set(mode);
    await t.feed.send(t.rng.int(2, 6), t.rng.int(0, 40));
    await pause(t.rng.int(200, 2500));
    t.chain.link.set('pass');
    await t.feed.send(t.rng.int(1, 3));
  };
}

/** Overwrites a few bytes in the middle of a journal segment of the stopped gateway, as a failing
 * SD card does; the scans whose records the bytes fall in are written off, every other must live. */
async function damageJournal(t: Trial): Promise<void> {
  const { chain, rng } = t;
  await t.feed.send(rng.int(2, 6));
  await chain.gateway.kill();
  const dir = join(chain.dirs.gateway, 'outbox');
  const segments = readdirSync(dir).filter((f) => f.endsWith('.journal'));
  if (segments.length > 0) {
    const file = join(dir, segments[rng.int(0, segments.length - 1)]!);
    const bytes = readFileSync(file);
    const magic = 8;
    if (bytes.length > magic + 16) {
      const length = rng.int(1, 16);
      const at = rng.int(magic, bytes.length - length);
      for (const { record, offset, size } of decodeRecords(bytes, magic).records) {
        if (record.type === 'append' && offset < at + length && at < offset + size) t.destroyed.add(record.id);
      }
      const damaged = Buffer.from(bytes);
      for (let i = 0; i < length; i++) damaged[at + i] = rng.int(0, 255);
      writeFileSync(file, damaged);
    }
  }
  await chain.gateway.start();
  await t.feed.send(rng.int(1, 3));
}

/** Fills the gateway's small file system, scans (they are refused or accepted, never half), frees it. */
async function fillDisk(t: Trial): Promise<void> {
  const filler = join(t.chain.dirs.gateway, `filler-${Date.now()}`);
  try {
    const chunk = Buffer.alloc(1 << 20);
    for (;;) writeFileSync(filler, chunk, { flag: 'a' });
  } catch {
    // ENOSPC: the disk is full now
  }
  await t.feed.send(t.rng.int(2, 6), t.rng.int(0, 30));
  rmSync(filler, { force: true });
  await pause(t.rng.int(0, 500));
  await t.feed.send(t.rng.int(1, 3));
}

async function unplugScanner(t: Trial): Promise<void> {
  await t.feed.send(t.rng.int(1, 3));
  await t.chain.scanner.unplug();
  await pause(t.rng.int(50, 800));
  await t.chain.scanner.replug();
  await t.feed.untilScannerOpen();
  await t.feed.send(t.rng.int(1, 4));
}

/** An NTP correction on the gateway: its wall clock jumps, scans go on, then it is corrected back. */
async function stepClock(t: Trial): Promise<void> {
  const hours = t.rng.int(1, 24 * 400);
  writeFileSync(t.clockFile!, `${t.rng.chance(0.5) ? '-' : '+'}${hours}h`);
  await t.feed.send(t.rng.int(2, 5), t.rng.int(0, 40));
  writeFileSync(t.clockFile!, '+0');
  await t.feed.send(t.rng.int(1, 3));
}

async function restartBroker(t: Trial): Promise<void> {
  const burst = t.feed.send(t.rng.int(2, 6), t.rng.int(0, 40));
  await t.chain.broker.stop();
  await burst;
  await pause(t.rng.int(0, 1000));
  await t.chain.broker.start();
  await t.feed.send(t.rng.int(1, 3));
}

export const FAULTS: Fault[] = [
  { name: 'kill -9 gateway', available: () => true, run: killDuringBurst((c) => c.gateway) },
  { name: 'kill -9 uplink', available: () => true, run: killDuringBurst((c) => c.uplink) },
  { name: 'kill -9 national', available: () => true, run: killDuringBurst((c) => c.national) },
  { name: 'kill -9 broker', available: () => true, run: killDuringBurst((c) => c.broker) },
  { name: 'broker restart', available: () => true, run: restartBroker },
  { name: 'journal damage', available: () => true, run: damageJournal },
  { name: 'disk full', available: (t) => t.smallDisk, run: fillDisk },
  { name: 'link cut', available: () => true, run: linkFault('cut') },
  { name: 'link stalled', available: () => true, run: linkFault('stall') },
  { name: 'national 503', available: () => true, run: linkFault('http-503') },
  { name: 'national slow', available: () => true, run: linkFault('slow') },
  { name: 'scanner unplug', available: () => true, run: unplugScanner },
  { name: 'clock step', available: (t) => t.clockFile !== null, run: stepClock },
];
