// What the outbox's case tests share: a fresh directory per test with the outboxes opened in it
// (closed afterwards), records of one known frame size, and a FileIo that counts what it does.
//   const box = outboxDir('outbox-limits-');
//   const o = await box.open({ segmentBytes: MAGIC_BYTES + 3 * FRAME });
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach } from 'vitest';
import { nodeFileIo, type FileIo } from '../storage/file-io.ts';
import { Outbox, type OutboxOptions } from './outbox.ts';
import { encodeRecord } from './record.ts';

/** The bytes before a segment's first record when it holds no mark. */
export const MAGIC_BYTES = 8;
/** A 40-byte payload filled with i. */
export const payload = (i: number): Uint8Array => new Uint8Array(40).fill(i);
/** The frame of an append with a two-character id and payload(): every append in these tests. */
export const FRAME = encodeRecord({ type: 'append', seq: 1, id: 'a0', payload: payload(0) }).length;
/** a0, a1, … */
export const ids = (n: number): string[] => Array.from({ length: n }, (_, i) => `a${i}`);
export const failure = (code?: string): Error => Object.assign(new Error('injected'), code === undefined ? {} : { code });

export function outboxDir(prefix: string) {
  let dir = '';
  const opened: Outbox[] = [];
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), prefix));
  });
  afterEach(async () => {
    for (const o of opened.splice(0)) await o.close();
    await rm(dir, { recursive: true, force: true });
  });
  return {
    get dir(): string {
      return dir;
    },
    async open(options: Partial<OutboxOptions> = {}): Promise<Outbox> {
      const o = await Outbox.open({ dir, ...options });
      opened.push(o);
      return o;
    },
    /** The segment files, oldest first. */
    journals: async (): Promise<string[]> => (await readdir(dir)).filter((n) => n.endsWith('.journal')).sort(),
  };
}

/** Real file operations, counted, with any of them replaced by `over`. */
export function countingIo(over: Partial<FileIo> = {}) {
  const counts = { write: 0, fdatasync: 0, fsync: 0, open: 0 };
  const io: FileIo = {
    ...nodeFileIo,
    open: (...a) => (counts.open++, nodeFileIo.open(...a)),
    write: (...a) => (counts.write++, nodeFileIo.write(...a)),
    fdatasync: (fd) => (counts.fdatasync++, nodeFileIo.fdatasync(fd)),
    fsync: (fd) => (counts.fsync++, nodeFileIo.fsync(fd)),
    ...over,
  };
  return { io, counts };
}
