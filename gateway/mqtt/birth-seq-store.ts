// Where the gateway keeps its birth sequence number between runs, so that it only ever grows.
//   const store = new FileBirthSeqStore('/var/lib/implant-scan/birth-seq');
//   await store.load()     → 41n (0n when the file does not exist yet)
//   await store.save(42n)  // durable when it resolves: write, fsync, rename, fsync the directory
//
// Why it must survive restarts: the broker keeps the last will (OFFLINE, birthSeq n) of a session
// and may publish it late; consumers compare birthSeq and ignore a state older than the newest
// birth they saw. A gateway that restarted from 1 would have its births ignored as stale.
// The file holds one decimal number and a newline; it is replaced atomically, never rewritten in
// place, so a power cut leaves the old or the new number, never a torn one. A save that finds the
// disk full throws StorageFullError and leaves no temporary file; load() removes ones a crash left.

import { basename, dirname, join } from 'node:path';
import { isNoSpace, StorageFullError } from '../storage/errors.ts';
import { nodeFileIo, type FileIo } from '../storage/file-io.ts';
import { removeStale, writeDurably } from '../storage/small-file.ts';

export interface BirthSeqStore {
  /** The last saved number; 0n when none was ever saved. */
  load(): Promise<bigint>;
  /** Durable when it resolves. */
  save(n: bigint): Promise<void>;
}

export class BirthSeqStoreError extends Error {
  override name = 'BirthSeqStoreError';
}

const NUMBER = /^(0|[1-9][0-9]{0,19})\n?$/;
const MAX = 2n ** 64n - 1n;

/** For tests and the demo: forgets everything with the process. */
export class MemoryBirthSeqStore implements BirthSeqStore {
  constructor(private value = 0n) {}
  async load(): Promise<bigint> {
    return this.value;
  }
  async save(n: bigint): Promise<void> {
    this.value = n;
  }
}

export class FileBirthSeqStore implements BirthSeqStore {
  private queue: Promise<void> = Promise.resolve();

  constructor(
    readonly path: string,
    private readonly io: FileIo = nodeFileIo,
  ) {}

  async load(): Promise<bigint> {
    const prefix = `.${basename(this.path)}.`;
    await removeStale(this.io, dirname(this.path), [], (name) => name.startsWith(prefix) && name.endsWith('.tmp'));
    let text: string;
    try {
      text = (await this.io.readFile(this.path)).toString('utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return 0n;
      throw new BirthSeqStoreError(`${this.path}: cannot read the birth sequence number: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, { cause: e });
    }
    if (!NUMBER.test(text) || BigInt(text.trim()) > MAX) {
      // Starting again from 0 would make this gateway's births look stale to every consumer.
      throw new BirthSeqStoreError(
        `${this.path}: not a birth sequence number (one decimal number expected); replace its content with a number larger than any birthSeq this gateway has published, e.g. the current time in ms (${Date.now()})`,
      );
    }
    return BigInt(text.trim());
  }

  /** Saves are serialised: each one is durable, in call order. */
  save(n: bigint): Promise<void> {
    if (n < 0n || n > MAX) return Promise.reject(new RangeError('a birth sequence number is 0 … 2^64-1'));
    const run = this.queue.then(() => this.write(n));
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async write(n: bigint): Promise<void> {
    const dir = dirname(this.path);
    const tmp = join(dir, `.${basename(this.path)}.${process.pid}.tmp`);
    await this.io.mkdir(dir);
    try {
      await writeDurably(this.io, tmp, `${n}\n`);
      await this.io.rename(tmp, this.path);
      await this.io.syncDir(dir);
    } catch (e) {
      await this.io.unlink(tmp).catch(() => undefined);
      if (isNoSpace(e)) throw new StorageFullError('cannot save the birth sequence number', e);
      throw e;
    }
  }
}
