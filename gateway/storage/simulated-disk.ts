// An in-memory disk that can lose power, in the manner of SQLite's crash-test VFS, for the
// power-loss property tests of the outbox, the sequence file and the birth-seq store:
//   const disk = new SimulatedDisk();
//   disk.cutPowerAfter(37);              // the 37th change to the disk is the last one that happens
//   … run the code with `disk` as its FileIo until it fails (every call after the cut throws) …
//   disk.reboot(rng);                    // what the disk holds now: synced data, plus some of the rest
//
// What survives a power cut, per POSIX rather than per any one filesystem:
// - file contents: everything up to the file's last fsync/fdatasync; of the writes and truncations
//   since, each is dropped, applied, or torn (a prefix of it applied), in any order;
// - directory entries: creates, renames and unlinks up to the directory's last fsync; of those
//   since, any subset (in their order), so a rename or unlink without a directory fsync may be lost.
// Optionally full: `capacityBytes` makes writes beyond it fail with ENOSPC (a partial write first).

import type { FileIo, OpenFlags } from './file-io.ts';

type FileChange = { kind: 'write'; position: number; bytes: Buffer } | { kind: 'truncate'; length: number };
// Each change names the inode it is about: a surviving rename moves that file, not whatever an
// older change left under the same name.
type DirChange = { kind: 'link'; name: string; inode: Inode } | { kind: 'unlink'; name: string; inode: Inode } | { kind: 'rename'; from: string; to: string; inode: Inode };

class Inode {
  /** What a reader sees now (the page cache). */
  current: Buffer = Buffer.alloc(0);
  /** What is on the platter. */
  durable: Buffer = Buffer.alloc(0);
  unsynced: FileChange[] = [];
}

class Directory {
  current = new Map<string, Inode>();
  durable = new Map<string, Inode>();
  unsynced: DirChange[] = [];
}

export class PowerLossError extends Error {
  readonly code = 'EIO';
  constructor() {
    super('the power is off');
    this.name = 'PowerLossError';
  }
}

/** The kinds of change counted towards the power cut, in the order they happened (for test reports). */
export type DiskEvent = 'write' | 'truncate' | 'fsync' | 'fdatasync' | 'create' | 'rename' | 'unlink' | 'dir-fsync';

export class SimulatedDisk implements FileIo {
  /** A disk with the directories made at installation. */
  constructor(dirs: string[] = []) {
    for (const d of dirs) this.dirs.set(d, new Directory());
  }

  private readonly dirs = new Map<string, Directory>();
  /** Incremented by each reboot: the file operations of a process from before it then fail. */
  private boot = 0;
  private readonly fds = new Map<number, { inode: Inode; writable: boolean }>();
  private nextFd = 3;
  private changesLeft = Infinity;
  /** Every change made, in order, until the power went off. */
  readonly events: DiskEvent[] = [];
  /** Writes beyond this many bytes in all files fail with ENOSPC. */
  capacityBytes = Infinity;

  get powerLost(): boolean {
    return this.changesLeft < 0;
  }

  /** After `n` more changes to the disk, the power goes off: the next change and every call after it throws. */
  cutPowerAfter(n: number): void {
    this.changesLeft = n;
  }

  /** The disk as the next boot finds it; `random` (0 ≤ x < 1) decides what of the unsynced rest survives. */
  reboot(random: () => number): void {
    const pick = <T>(items: T[]) => items.filter(() => random() < 0.5);
    for (const dir of this.dirs.values()) {
      for (const change of pick(dir.unsynced)) applyDirChange(dir.durable, change);
      dir.unsynced = [];
    }
    for (const inode of this.inodes()) {
      const changes = [...inode.unsynced];
      // Reordered: a later write may reach the disk before an earlier one.
      for (let i = changes.length - 1; i > 0; i--) {
        const j = Math.floor(random() * (i + 1));
        [changes[i], changes[j]] = [changes[j]!, changes[i]!];
      }
      let bytes: Buffer = Buffer.from(inode.durable);
      for (const change of changes) {
        const fate = random();
        if (fate < 1 / 3) continue; // dropped
        if (change.kind === 'truncate') bytes = truncated(bytes, change.length);
        else {
          const torn = fate < 2 / 3 ? Math.floor(random() * change.bytes.length) : change.bytes.length;
          bytes = written(bytes, change.position, change.bytes.subarray(0, torn));
        }
      }
      inode.durable = bytes;
      inode.current = Buffer.from(bytes);
      inode.unsynced = [];
    }
    for (const dir of this.dirs.values()) dir.current = new Map(dir.durable);
    this.fds.clear();
    this.changesLeft = Infinity;
    this.boot++;
  }

  /**
   * The FileIo of one process: it dies with the power, so calls it makes after a reboot (an old
   * outbox's flush loop still running) fail instead of writing into the next boot's disk.
   */
  process(): FileIo {
    const boot = this.boot;
    const live = () => {
      if (this.boot !== boot) throw new PowerLossError();
    };
    return {
      open: async (path, flags) => (live(), this.open(path, flags)),
      close: async (fd) => (live(), this.close(fd)),
      write: async (fd, buffer, offset, length, position) => (live(), this.write(fd, buffer, offset, length, position)),
      readSync: (fd, buffer, offset, length, position) => (live(), this.readSync(fd, buffer, offset, length, position)),
      fdatasync: async (fd) => (live(), this.fdatasync(fd)),
      fsync: async (fd) => (live(), this.fsync(fd)),
      ftruncate: async (fd, length) => (live(), this.ftruncate(fd, length)),
      readFile: async (path) => (live(), this.readFile(path)),
      readdir: async (path) => (live(), this.readdir(path)),
      rename: async (from, to) => (live(), this.rename(from, to)),
      unlink: async (path) => (live(), this.unlink(path)),
      mkdir: async (path) => (live(), this.mkdir(path)),
      syncDir: async (path) => (live(), this.syncDir(path)),
    };
  }

  // ---- FileIo ----

  async open(path: string, flags: OpenFlags): Promise<number> {
    this.alive();
    const [dir, name] = this.locate(path);
    let inode = dir.current.get(name);
    if (flags === 'wx+' && inode) throw errno('EEXIST', path);
    if ((flags === 'r' || flags === 'r+') && !inode) throw errno('ENOENT', path);
    if (!inode) {
      this.change('create');
      inode = new Inode();
      dir.current.set(name, inode);
      dir.unsynced.push({ kind: 'link', name, inode });
    } else if (flags === 'w' && inode.current.length > 0) {
      this.change('truncate');
      inode.current = Buffer.alloc(0);
      inode.unsynced.push({ kind: 'truncate', length: 0 });
    }
    const fd = this.nextFd++;
    this.fds.set(fd, { inode, writable: flags !== 'r' });
    return fd;
  }

  async close(fd: number): Promise<void> {
    this.file(fd);
    this.fds.delete(fd);
  }

  async write(fd: number, buffer: Uint8Array, offset: number, length: number, position: number): Promise<number> {
    this.alive();
    const { inode, writable } = this.file(fd);
    if (!writable) throw errno('EBADF');
    const room = this.capacityBytes - this.used() + inode.current.length;
    const n = Math.max(0, Math.min(length, room - position));
    if (n === 0 && length > 0) throw errno('ENOSPC');
    this.change('write');
    const bytes = Buffer.from(buffer.subarray(offset, offset + n));
    inode.current = written(inode.current, position, bytes);
    inode.unsynced.push({ kind: 'write', position, bytes });
    return n;
  }

  readSync(fd: number, buffer: Uint8Array, offset: number, length: number, position: number): number {
    const { inode } = this.file(fd);
    const n = Math.max(0, Math.min(length, inode.current.length - position));
    buffer.set(inode.current.subarray(position, position + n), offset);
    return n;
  }

  async fdatasync(fd: number): Promise<void> {
    this.sync(fd, 'fdatasync');
  }

  async fsync(fd: number): Promise<void> {
    this.sync(fd, 'fsync');
  }

  async ftruncate(fd: number, length: number): Promise<void> {
    this.alive();
    const { inode } = this.file(fd);
    this.change('truncate');
    inode.current = truncated(inode.current, length);
    inode.unsynced.push({ kind: 'truncate', length });
  }

  async readFile(path: string): Promise<Buffer> {
    this.alive();
    const [dir, name] = this.locate(path);
    const inode = dir.current.get(name);
    if (!inode) throw errno('ENOENT', path);
    return Buffer.from(inode.current);
  }

  async readdir(path: string): Promise<string[]> {
    this.alive();
    const dir = this.dirs.get(path);
    if (!dir) throw errno('ENOENT', path);
    return [...dir.current.keys()];
  }

  async rename(from: string, to: string): Promise<void> {
    this.alive();
    const [dir, fromName] = this.locate(from);
    const [toDir, toName] = this.locate(to);
    if (toDir !== dir) throw errno('EXDEV', to);
    const inode = dir.current.get(fromName);
    if (!inode) throw errno('ENOENT', from);
    this.change('rename');
    dir.current.delete(fromName);
    dir.current.set(toName, inode);
    dir.unsynced.push({ kind: 'rename', from: fromName, to: toName, inode });
  }

  async unlink(path: string): Promise<void> {
    this.alive();
    const [dir, name] = this.locate(path);
    const inode = dir.current.get(name);
    if (!inode) throw errno('ENOENT', path);
    this.change('unlink');
    dir.current.delete(name);
    dir.unsynced.push({ kind: 'unlink', name, inode });
  }

  async mkdir(path: string): Promise<void> {
    this.alive();
    // Directories are made once, at installation: they count as durable at once.
    if (!this.dirs.has(path)) this.dirs.set(path, new Directory());
  }

  async syncDir(path: string): Promise<void> {
    this.alive();
    const dir = this.dirs.get(path);
    if (!dir) throw errno('ENOENT', path);
    this.change('dir-fsync');
    dir.durable = new Map(dir.current);
    dir.unsynced = [];
  }

  // ---- for tests ----

  /** The names in a directory and their contents, as a reader sees them now. */
  files(path: string): Map<string, Buffer> {
    return new Map([...(this.dirs.get(path)?.current ?? [])].map(([name, inode]) => [name, Buffer.from(inode.current)]));
  }

  private sync(fd: number, kind: 'fsync' | 'fdatasync'): void {
    this.alive();
    const { inode } = this.file(fd);
    this.change(kind);
    inode.durable = Buffer.from(inode.current);
    inode.unsynced = [];
  }

  private alive(): void {
    if (this.changesLeft < 0) throw new PowerLossError();
  }

  /** Counts one change; the one after the cut never happens. */
  private change(kind: DiskEvent): void {
    if (this.changesLeft-- <= 0) {
      this.changesLeft = -1;
      throw new PowerLossError();
    }
    this.events.push(kind);
  }

  private file(fd: number): { inode: Inode; writable: boolean } {
    this.alive();
    const f = this.fds.get(fd);
    if (!f) throw errno('EBADF');
    return f;
  }

  private locate(path: string): [Directory, string] {
    const slash = path.lastIndexOf('/');
    const dir = this.dirs.get(path.slice(0, slash));
    if (!dir) throw errno('ENOENT', path);
    return [dir, path.slice(slash + 1)];
  }

  private inodes(): Set<Inode> {
    const all = new Set<Inode>();
    for (const dir of this.dirs.values()) for (const inode of [...dir.current.values(), ...dir.durable.values()]) all.add(inode);
    for (const { inode } of this.fds.values()) all.add(inode);
    return all;
  }

  private used(): number {
    let n = 0;
    for (const dir of this.dirs.values()) for (const inode of dir.current.values()) n += inode.current.length;
    return n;
  }
}

function applyDirChange(entries: Map<string, Inode>, change: DirChange): void {
  if (change.kind === 'link') entries.set(change.name, change.inode);
  else if (change.kind === 'unlink') {
    if (entries.get(change.name) === change.inode) entries.delete(change.name);
  } else {
    if (entries.get(change.from) === change.inode) entries.delete(change.from);
    entries.set(change.to, change.inode);
  }
}

function written(bytes: Buffer, position: number, data: Buffer): Buffer {
  const out = Buffer.alloc(Math.max(bytes.length, position + data.length));
  bytes.copy(out);
  data.copy(out, position);
  return out;
}

function truncated(bytes: Buffer, length: number): Buffer {
  const out = Buffer.alloc(length);
  bytes.copy(out, 0, 0, Math.min(length, bytes.length));
  return out;
}

function errno(code: string, path?: string): NodeJS.ErrnoException {
  return Object.assign(new Error(`${code}${path ? `: ${path}` : ''}`), { code, ...(path ? { path } : {}) });
}
