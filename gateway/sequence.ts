// The per-gateway sequence number of ScanEvents: strictly increasing for the gateway's whole life,
// across restarts, kill -9 and power loss, with at most one fsync per BLOCK scans, and without
// gaps across a crash when the outbox can say which number was used last.
//   const seq = await SequenceFile.open('/var/lib/implant-scan/sequence', { used: outbox.highWaterMark });
//   seq.next() → 1n, 2n, …
//
// The file holds the first number NOT yet reserved (the ceiling). Reserving a block writes the new
// ceiling to a temporary file, fsyncs it and renames it over the old one, so the file is always
// whole. On open the sequence continues after `used`, the highest number the outbox journal holds
// (each accepted scan's record carries its number, kept across retires and compaction): no gap
// after a crash. Without it (a journal from before marks, or one recovery found damaged) it
// continues at the ceiling: a gap, as protocol/README.md says. Opening never writes, so a gateway
// starts on a full disk; a reservation that finds no room throws StorageFullError and leaves no
// temporary file behind, and the next call tries again.

import { basename, dirname } from 'node:path';
import { isNoSpace, StorageFullError } from './storage/errors.ts';
import { nodeFileIo, type FileIo } from './storage/file-io.ts';
import { removeStale, writeDurably } from './storage/small-file.ts';

export const BLOCK = 1000n;

export interface SequenceOptions {
  /** The highest number known to be used (the outbox's highWaterMark), or null when unknown. */
  used?: bigint | null;
  io?: FileIo;
}

export class SequenceFile {
  private reserving: Promise<void> | null = null;

  private constructor(
    private readonly path: string,
    private readonly io: FileIo,
    private nextValue: bigint,
    private limit: bigint,
    /** Where this run starts, and whether numbers before it may have been skipped (for the start-up log). */
    readonly resumed: { next: bigint; afterGap: boolean },
  ) {}

  static async open(path: string, options: SequenceOptions = {}): Promise<SequenceFile> {
    const io = options.io ?? nodeFileIo;
    const dir = dirname(path);
    await io.mkdir(dir);
    await removeStale(io, dir, [`${basename(path)}.tmp`]);
    let ceiling = 1n;
    try {
      const text = (await io.readFile(path)).toString('utf8').trim();
      if (!/^[1-9][0-9]{0,19}$/.test(text)) throw new Error(`${path} does not hold a sequence number: refusing to guess one`);
      ceiling = BigInt(text);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    }
    const used = options.used ?? null;
    // The journal knows the last number used: continue right after it. Numbers above it that the
    // crashed run handed out were never stored, so never published.
    const next = used === null ? ceiling : used + 1n;
    // Within the reserved block nothing needs writing; beyond it (the file was lost) next() reserves.
    return new SequenceFile(path, io, next, next < ceiling ? ceiling : next, { next, afterGap: used === null && ceiling > 1n });
  }

  /** The next number; reserves a new block on disk first when the current one is used up. */
  async next(): Promise<bigint> {
    while (this.nextValue >= this.limit) {
      this.reserving ??= this.reserve().finally(() => (this.reserving = null));
      await this.reserving;
    }
    return this.nextValue++;
  }

  private async reserve(): Promise<void> {
    const limit = this.nextValue + BLOCK;
    const tmp = `${this.path}.tmp`;
    try {
      await writeDurably(this.io, tmp, `${limit}\n`);
      await this.io.rename(tmp, this.path);
      await this.io.syncDir(dirname(this.path));
    } catch (e) {
      await this.io.unlink(tmp).catch(() => undefined);
      if (isNoSpace(e)) throw new StorageFullError('cannot reserve the next block of sequence numbers', e);
      throw e;
    }
    this.limit = limit;
  }
}
