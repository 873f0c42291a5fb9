// The file operations of the gateway's durable state (outbox journal, sequence file, birth-seq
// store), behind one small interface so that a test can put a simulated disk underneath
// (simulated-disk.ts: power loss, torn writes, a full disk) while production uses node:fs.
//   const io: FileIo = nodeFileIo;
//   const fd = await io.open(path, 'wx+', 0o640); await io.write(fd, bytes, 0, n, 0); await io.fdatasync(fd);
//
// Only what the stores use, with the meaning POSIX gives each call: nothing is durable until its
// file is fsynced/fdatasynced, and a create, rename or unlink not until its directory is fsynced.

import { close, fdatasync, fsync, ftruncate, open, readSync, writeSync } from 'node:fs';
import { mkdir, readdir, readFile, rename, unlink } from 'node:fs/promises';
import { promisify } from 'node:util';

/** 'r' read; 'r+' read and write; 'w' create or truncate; 'wx+' create, failing if it exists. */
export type OpenFlags = 'r' | 'r+' | 'w' | 'wx+';

export interface FileIo {
  open(path: string, flags: OpenFlags, mode?: number): Promise<number>;
  close(fd: number): Promise<void>;
  /** Writes at a position; may write less than asked (the caller loops). */
  write(fd: number, buffer: Uint8Array, offset: number, length: number, position: number): Promise<number>;
  /** Synchronous on purpose: pending() reads one payload at a time inside an iterator. */
  readSync(fd: number, buffer: Uint8Array, offset: number, length: number, position: number): number;
  fdatasync(fd: number): Promise<void>;
  fsync(fd: number): Promise<void>;
  ftruncate(fd: number, length: number): Promise<void>;
  readFile(path: string): Promise<Buffer>;
  readdir(dir: string): Promise<string[]>;
  rename(from: string, to: string): Promise<void>;
  unlink(path: string): Promise<void>;
  mkdir(dir: string, mode?: number): Promise<void>;
  /** fsync of the directory itself: makes the creates, renames and unlinks in it durable. */
  syncDir(dir: string): Promise<void>;
}

const openAsync = promisify(open);
const closeAsync = promisify(close);
const fsyncAsync = promisify(fsync);

export const nodeFileIo: FileIo = {
  open: (path, flags, mode) => openAsync(path, flags, mode),
  close: closeAsync,
  // Synchronous: a batch (≤ 1 MiB) only reaches the page cache here, which takes microseconds,
  // while a thread-pool round trip would add a hop to every scan's latency. The fdatasync, which
  // waits for the disk, goes to the thread pool.
  write: async (fd, buffer, offset, length, position) => writeSync(fd, buffer, offset, length, position),
  readSync: (fd, buffer, offset, length, position) => readSync(fd, buffer, offset, length, position),
  fdatasync: promisify(fdatasync),
  fsync: fsyncAsync,
  ftruncate: promisify(ftruncate),
  readFile: (path) => readFile(path),
  readdir: (dir) => readdir(dir),
  rename,
  unlink,
  mkdir: async (dir, mode) => {
    await mkdir(dir, { recursive: true, ...(mode === undefined ? {} : { mode }) });
  },
  async syncDir(dir) {
    const fd = await openAsync(dir, 'r');
    try {
      await fsyncAsync(fd);
    } catch (e) {
      // Some filesystems refuse fsync on a directory; their renames stand without it.
      const code = (e as NodeJS.ErrnoException).code;
      if (code !== 'EISDIR' && code !== 'EINVAL' && code !== 'EPERM' && code !== 'EBADF') throw e;
    } finally {
      await closeAsync(fd);
    }
  },
};
