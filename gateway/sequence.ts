// The per-gateway sequence number of ScanEvents: strictly increasing for the gateway's whole life,
// across restarts, kill -9 and power loss, with at most one fsync per BLOCK scans.
//   const seq = await SequenceFile.open('/var/lib/implant-scan/sequence');
//   seq.next() → 1n, 2n, …   // after a crash the next run starts at the next block: gaps, never repeats
//
// The file holds the first number NOT yet reserved. Reserving a block writes the new limit to a
// temporary file, fsyncs it and renames it over the old one, so the file is always whole.

import { open, rename, readFile, mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';

export const BLOCK = 1000n;

export class SequenceFile {
  private constructor(
    private readonly path: string,
    private nextValue: bigint,
    private limit: bigint,
  ) {}

  static async open(path: string): Promise<SequenceFile> {
    await mkdir(dirname(path), { recursive: true });
    let start = 1n;
    try {
      const text = (await readFile(path, 'utf8')).trim();
      if (!/^[1-9][0-9]{0,19}$/.test(text)) throw new Error(`${path} does not hold a sequence number: refusing to guess one`);
      start = BigInt(text);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    }
    const seq = new SequenceFile(path, start, start);
    await seq.reserve();
    return seq;
  }

  /** The next number; reserves a new block on disk first when the current one is used up. */
  async next(): Promise<bigint> {
    if (this.nextValue >= this.limit) await this.reserve();
    return this.nextValue++;
  }

  private async reserve(): Promise<void> {
    const limit = this.nextValue + BLOCK;
    const tmp = `${this.path}.tmp`;
    const file = await open(tmp, 'w');
    try {
      await file.writeFile(`${limit}\n`);
      await file.sync();
    } finally {
      await file.close();
    }
    await rename(tmp, this.path);
    const dir = await open(dirname(this.path), 'r');
    try {
      await dir.sync();
    } finally {
      await dir.close();
    }
    this.limit = limit;
  }
}
