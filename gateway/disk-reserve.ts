// A reserve of disk space (a file of zeros in dataDir) given back when the disk fills up, so that a
// full disk still lets the gateway do what empties it: reserve a sequence block, save its birth
// number and connect, write the retire records of the receipts that come back.
//   const reserve = new DiskReserve('/var/lib/implant-scan/reserve', 1 << 20);
//   await reserve.ensure()  → true once the file is whole on disk, false while the disk is full
//   await reserve.diskIsFull() → true when less than the reserve's size is free
//   await reserve.release() // the disk is full: its space goes to the outbox and the link
//   await reserve.spaceIsBack() → true once the file could be made again with room to spare
// While the reserve is released the controller refuses new scans (reason disk-full), so the space
// freed here is spent on draining, not on more scans.

import { open, rename, stat, statfs, unlink } from 'node:fs/promises';
import { dirname } from 'node:path';
import { isDiskFull } from './storage-failure.ts';

export class DiskReserve {
  constructor(
    readonly path: string,
    readonly bytes: number,
  ) {}

  /** Makes the file (write, fsync, rename) unless it is there whole; false when the disk is full. */
  async ensure(): Promise<boolean> {
    if ((await stat(this.path).catch(() => null))?.size === this.bytes) return true;
    const tmp = `${this.path}.tmp`;
    try {
      const file = await open(tmp, 'w');
      try {
        await file.writeFile(Buffer.alloc(this.bytes));
        await file.sync();
      } finally {
        await file.close();
      }
      await rename(tmp, this.path);
      return true;
    } catch (e) {
      await unlink(tmp).catch(() => undefined); // never leave a partial file behind
      if (isDiskFull(e)) return false;
      throw e;
    }
  }

  async release(): Promise<void> {
    await unlink(this.path).catch((e: NodeJS.ErrnoException) => {
      if (e.code !== 'ENOENT') throw e;
    });
  }

  /** True when less than the reserve's size is free: nothing the journal writes would fit for long.
   * At start-up this is how a full disk is seen, since opening the journal writes nothing. */
  async diskIsFull(): Promise<boolean> {
    const fs = await statfs(dirname(this.path));
    return fs.bavail * fs.bsize < this.bytes;
  }

  /** True once the reserve is back and as much again is free: scans may be accepted again. */
  async spaceIsBack(): Promise<boolean> {
    const fs = await statfs(dirname(this.path));
    if (fs.bavail * fs.bsize < 2 * this.bytes) return false;
    return this.ensure();
  }
}
