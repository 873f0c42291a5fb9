// The durable outbox: an append-only journal of scans that wait for their receipt.
//   const outbox = await Outbox.open({ dir: '/var/lib/implant-scan/outbox' });
//   await outbox.append(scanId, bytes);   // resolves once the record is fsynced: now it is accepted
//   for (const { id, payload } of outbox.pending()) …   // oldest first, survives restarts
//   await outbox.retire(scanId);          // its receipt came back: it leaves the outbox
//
// Hand-written on purpose (DESIGN.md): one portable file in the bundle, fsync under our control.
// - Records are length + CRC-32 framed (record.ts) in segment files `<n>.journal` of about
//   segmentBytes each. Appends queued while one write+fdatasync runs go out together in the next
//   one (group commit), so a burst costs one fsync per batch, not one per scan.
// - Recovery replays every segment in order; in the newest one it drops only a torn tail (a
//   record cut short or failing its CRC, as a power cut mid-write leaves it) and truncates there.
// - Compaction: a segment is deleted once none of its records is pending and every older segment
//   is gone (so a retire record is never deleted while the append it cancels is still on disk);
//   an old segment that is mostly retired has its pending records copied forward (fsynced) first.
//   On disk: at most 2 × the pending bytes + 2 segments.
// - Capacity: pending bytes ≤ capacityBytes; beyond that append throws OutboxFullError (the scan
//   is refused loudly), and nothing stored is ever dropped to make room. A failed write (ENOSPC,
//   EIO) is cut back off the file and the append rejects with OutboxWriteError; a failed fsync
//   makes the outbox unhealthy (the daemon stops feeding the watchdog and systemd restarts it,
//   recovery then reads what really is on disk).
// Pending payloads are not held in memory: the index keeps where each one is, pending() reads it.

import { close, fdatasync, ftruncate, fsync, open, readSync, writeSync } from 'node:fs';
import { mkdir, readdir, readFile, rename, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { OutboxPort } from '../ports.ts';
import { OutboxClosedError, OutboxFullError, OutboxWriteError } from './errors.ts';
import { decodeRecords, encodeRecord, type JournalRecord } from './record.ts';

export { OutboxClosedError, OutboxFullError, OutboxWriteError } from './errors.ts';

/** Each segment file opens with this, so a foreign or older-format file is never replayed. */
const MAGIC = Buffer.from('ISJRNL1\n', 'latin1');
const SEGMENT_NAME = /^(\d{16})\.journal$/;

/** The file operations of the write path, replaceable in tests to inject disk faults. */
export interface JournalIo {
  write(fd: number, buffer: Buffer, offset: number, length: number, position: number): Promise<number>;
  fdatasync(fd: number): Promise<void>;
}

const fsIo: JournalIo = {
  // Synchronous: a batch (≤ maxBatchBytes) only reaches the page cache here, which takes
  // microseconds, while a thread-pool round trip would add a hop to every scan's latency. The
  // fdatasync, which waits for the disk, goes to the thread pool.
  write: async (fd, buffer, offset, length, position) => writeSync(fd, buffer, offset, length, position),
  fdatasync: promisify(fdatasync),
};
const openAsync = promisify(open);
const closeAsync = promisify(close);
const ftruncateAsync = promisify(ftruncate);
const fsyncAsync = promisify(fsync);

export interface OutboxOptions {
  dir: string;
  /** A new segment starts once the current one holds this much (default 4 MiB). */
  segmentBytes?: number;
  /** Pending (not yet receipted) bytes the outbox accepts (default 256 MiB). */
  capacityBytes?: number;
  /** The most bytes written by one group commit (default 1 MiB). */
  maxBatchBytes?: number;
  io?: JournalIo;
}

export interface RecoveryReport {
  segments: number;
  pending: number;
  /** Bytes of a torn tail cut off the newest segment. */
  tornBytes: number;
  /** Segments (not the newest) in which a record failed its check: what follows it is unreadable. */
  damagedSegments: string[];
  /** Files in the directory that are not segments of this format, moved aside as `<name>.foreign`. */
  foreignFiles: string[];
}

interface Segment {
  readonly number: number;
  readonly path: string;
  fd: number;
  /** Bytes on disk, the magic included. */
  size: number;
  pendingCount: number;
  pendingBytes: number;
}

interface Location {
  seq: number;
  segment: Segment;
  /** Where the record's frame starts, its size, and where its payload starts and how long it is. */
  offset: number;
  size: number;
  payloadOffset: number;
  payloadLength: number;
}

interface Queued {
  bytes: Buffer;
  record: JournalRecord;
  resolve: () => void;
  reject: (e: Error) => void;
}

export interface PendingRecord {
  readonly id: string;
  /** Read from disk when asked for. */
  readonly payload: Uint8Array;
}

export class Outbox implements OutboxPort {
  private readonly segments: Segment[] = [];
  private readonly index = new Map<string, Location>();
  /** Appends written in the current or next batch, by id, so a repeated append waits for the first. */
  private readonly queuedAppends = new Map<string, Promise<void>>();
  private queue: Queued[] = [];
  private queuedBytes = 0;
  private pendingBytes = 0;
  private nextSeq = 1;
  private flushing: Promise<void> | null = null;
  private writing = false;
  private closed = false;
  private failed: Error | null = null;
  private readonly segmentBytes: number;
  private readonly capacityBytes: number;
  private readonly maxBatchBytes: number;
  private readonly io: JournalIo;

  private constructor(
    private readonly dir: string,
    options: OutboxOptions,
    readonly recovery: RecoveryReport,
  ) {
    this.segmentBytes = options.segmentBytes ?? 4 << 20;
    this.capacityBytes = options.capacityBytes ?? 256 << 20;
    this.maxBatchBytes = options.maxBatchBytes ?? 1 << 20;
    this.io = options.io ?? fsIo;
  }

  static async open(options: OutboxOptions): Promise<Outbox> {
    await mkdir(options.dir, { recursive: true, mode: 0o750 });
    const report: RecoveryReport = { segments: 0, pending: 0, tornBytes: 0, damagedSegments: [], foreignFiles: [] };
    const outbox = new Outbox(options.dir, options, report);
    await outbox.recover();
    return outbox;
  }

  /** Resolves once the record is on disk (fsynced). An id already pending is not written twice. */
  append(id: string, payload: Uint8Array): Promise<void> {
    const refusal = this.refusal();
    if (refusal) return Promise.reject(refusal);
    if (this.index.has(id)) return Promise.resolve();
    const queued = this.queuedAppends.get(id);
    if (queued) return queued;
    let bytes: Buffer;
    try {
      bytes = encodeRecord({ type: 'append', seq: this.nextSeq, id, payload });
    } catch (e) {
      return Promise.reject(e);
    }
    if (this.pendingBytes + this.queuedBytes + bytes.length > this.capacityBytes) return Promise.reject(new OutboxFullError(this.capacityBytes));
    const record: JournalRecord = { type: 'append', seq: this.nextSeq++, id, payload };
    const done = this.enqueue(bytes, record);
    this.queuedAppends.set(id, done);
    const forget = () => this.queuedAppends.delete(id);
    done.then(forget, forget);
    return done;
  }

  /** The scan leaves the outbox at once; the retire record is fsynced before this resolves. */
  async retire(id: string): Promise<void> {
    const refusal = this.refusal();
    if (refusal) throw refusal;
    const queued = this.queuedAppends.get(id);
    if (queued) await queued;
    const at = this.index.get(id);
    if (!at) return;
    this.forget(id, at);
    await this.enqueue(encodeRecord({ type: 'retire', id }), { type: 'retire', id });
  }

  /** Oldest first. Each payload is read from disk when asked for. */
  *pending(): IterableIterator<PendingRecord> {
    for (const [id, at] of this.index) {
      yield {
        id,
        get payload() {
          const buffer = Buffer.allocUnsafe(at.payloadLength);
          readSync(at.segment.fd, buffer, 0, at.payloadLength, at.payloadOffset);
          return buffer;
        },
      };
    }
  }

  has(id: string): boolean {
    return this.index.has(id);
  }

  /** Scans waiting for their receipt. */
  get depth(): number {
    return this.index.size;
  }

  /** Bytes of the journal on disk. */
  get bytes(): number {
    let n = 0;
    for (const s of this.segments) n += s.size;
    return n;
  }

  /** False once an fsync failed: the daemon stops feeding the watchdog and is restarted. */
  get healthy(): boolean {
    return this.failed === null && !this.closed;
  }

  /** Waits for every queued record to be written, then closes the files. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    while (this.flushing) await this.flushing;
    for (const s of this.segments) await closeAsync(s.fd).catch(() => {});
  }

  private refusal(): Error | null {
    if (this.closed) return new OutboxClosedError();
    if (this.failed) return new OutboxWriteError('EIO', this.failed);
    return null;
  }

  private enqueue(bytes: Buffer, record: JournalRecord): Promise<void> {
    return new Promise((resolve, reject) => {
      if (this.closed) return reject(new OutboxClosedError());
      this.queue.push({ bytes, record, resolve, reject });
      this.queuedBytes += bytes.length;
      if (this.writing) return;
      // Set and cleared synchronously with the loop's last check, so no record can be queued in
      // between and wait for a flush that never comes.
      this.writing = true;
      const flushing = this.flush();
      this.flushing = flushing;
      void flushing.finally(() => {
        if (this.flushing === flushing) this.flushing = null;
      });
    });
  }

  /** One batch after another until the queue is empty: each batch one write and one fdatasync. */
  private async flush(): Promise<void> {
    for (;;) {
      if (this.queue.length === 0) {
        this.writing = false;
        return;
      }
      let take = 0;
      let size = 0;
      while (take < this.queue.length && (take === 0 || size + this.queue[take]!.bytes.length <= this.maxBatchBytes)) size += this.queue[take++]!.bytes.length;
      const batch = this.queue.splice(0, take);
      this.queuedBytes -= size;
      if (this.failed) {
        for (const q of batch) q.reject(new OutboxWriteError('EIO', this.failed));
        continue;
      }
      try {
        await this.writeBatch(batch, size);
        for (const q of batch) q.resolve();
      } catch (e) {
        for (const q of batch) q.reject(e as Error);
      }
      await this.compact().catch((e: unknown) => this.fail(e));
    }
  }

  private async writeBatch(batch: Queued[], size: number): Promise<void> {
    let active = this.segments.at(-1)!;
    if (active.size > MAGIC.length && active.size + size > this.segmentBytes) active = await this.newSegment();
    const bytes = batch.length === 1 ? batch[0]!.bytes : Buffer.concat(batch.map((q) => q.bytes), size);
    const start = active.size;
    try {
      let done = 0;
      while (done < size) done += await this.io.write(active.fd, bytes, done, size - done, start + done);
    } catch (e) {
      // Cut the partial batch off, so that no later record sits behind a torn one.
      await ftruncateAsync(active.fd, start).catch((t: unknown) => this.fail(t));
      throw new OutboxWriteError((e as NodeJS.ErrnoException).code ?? 'EIO', e);
    }
    try {
      await this.io.fdatasync(active.fd);
    } catch (e) {
      // After a failed fsync the kernel may have dropped the dirty pages: nothing written since the
      // last good fsync can be trusted until a restart reads the file again.
      this.fail(e);
      throw new OutboxWriteError((e as NodeJS.ErrnoException).code ?? 'EIO', e);
    }
    active.size = start + size;
    let offset = start;
    for (const q of batch) {
      if (q.record.type === 'append') this.place(q.record.id, q.record.seq, active, offset, q.bytes.length, q.record.payload.length);
      offset += q.bytes.length;
    }
  }

  private place(id: string, seq: number, segment: Segment, offset: number, size: number, payloadLength: number): void {
    const old = this.index.get(id);
    if (old) this.release(old);
    // Set over an existing key keeps its place in the Map: a record copied forward by compaction
    // stays where its sequence puts it, so pending() remains oldest first at run time.
    this.index.set(id, { seq, segment, offset, size, payloadOffset: offset + size - payloadLength, payloadLength });
    segment.pendingCount++;
    segment.pendingBytes += size;
    this.pendingBytes += size;
  }

  private forget(id: string, at: Location): void {
    this.index.delete(id);
    this.release(at);
  }

  private release(at: Location): void {
    at.segment.pendingCount--;
    at.segment.pendingBytes -= at.size;
    this.pendingBytes -= at.size;
  }

  private fail(e: unknown): void {
    this.failed ??= e instanceof Error ? e : new Error(String(e));
  }

  /**
   * Deletes old segments from the oldest on: at once when nothing in it is pending; after copying
   * its pending records forward when it is mostly retired or the journal is over twice the pending
   * bytes. Bounded by the number of old segments, so it always ends.
   */
  private async compact(): Promise<void> {
    let budget = this.segments.length - 1;
    while (budget-- > 0 && this.segments.length > 1 && !this.failed) {
      const oldest = this.segments[0]!;
      const used = oldest.size - MAGIC.length;
      const sparse = oldest.pendingBytes * 2 < used;
      const bloated = this.bytes > 2 * this.pendingBytes + 2 * this.segmentBytes;
      if (oldest.pendingCount > 0 && !sparse && !bloated) return;
      if (oldest.pendingCount > 0) await this.copyForward(oldest);
      this.segments.shift();
      await closeAsync(oldest.fd);
      await unlink(oldest.path);
      await this.syncDir();
    }
  }

  /** Writes the segment's pending records again at the end of the journal, with their sequence. */
  private async copyForward(segment: Segment): Promise<void> {
    const moving = [...this.index].filter(([, at]) => at.segment === segment);
    const frames = moving.map(([, at]) => {
      const frame = Buffer.allocUnsafe(at.size);
      readSync(segment.fd, frame, 0, at.size, at.offset);
      return frame;
    });
    const size = frames.reduce((n, f) => n + f.length, 0);
    let active = this.segments.at(-1)!;
    if (active === segment || active.size + size > this.segmentBytes) active = await this.newSegment();
    const start = active.size;
    let done = 0;
    const bytes = Buffer.concat(frames, size);
    while (done < size) done += await this.io.write(active.fd, bytes, done, size - done, start + done);
    await this.io.fdatasync(active.fd);
    active.size = start + size;
    let offset = start;
    moving.forEach(([id, at], i) => {
      // Retired while the copy was being written: its retire record follows in the next batch.
      if (this.index.get(id) === at) this.place(id, at.seq, active, offset, at.size, at.payloadLength);
      offset += frames[i]!.length;
    });
  }

  private async newSegment(): Promise<Segment> {
    const number = (this.segments.at(-1)?.number ?? 0) + 1;
    const path = join(this.dir, `${String(number).padStart(16, '0')}.journal`);
    const fd = await openAsync(path, 'wx+', 0o640);
    let written = 0;
    while (written < MAGIC.length) written += await this.io.write(fd, MAGIC, written, MAGIC.length - written, written);
    await this.io.fdatasync(fd);
    await this.syncDir();
    const segment: Segment = { number, path, fd, size: MAGIC.length, pendingCount: 0, pendingBytes: 0 };
    this.segments.push(segment);
    return segment;
  }

  private async syncDir(): Promise<void> {
    const fd = await openAsync(this.dir, 'r');
    try {
      await fsyncAsync(fd);
    } finally {
      await closeAsync(fd);
    }
  }

  /** Replays every segment in order into the index; see the header for what is dropped. */
  private async recover(): Promise<void> {
    const report = this.recovery;
    const names = (await readdir(this.dir)).sort();
    const numbered: { number: number; name: string }[] = [];
    for (const name of names) {
      const m = SEGMENT_NAME.exec(name);
      if (m) numbered.push({ number: Number(m[1]), name });
      else if (!name.endsWith('.foreign')) {
        await rename(join(this.dir, name), join(this.dir, `${name}.foreign`));
        report.foreignFiles.push(name);
      }
    }
    let maxSeq = 0;
    for (const [i, { number, name }] of numbered.entries()) {
      const newest = i === numbered.length - 1;
      const path = join(this.dir, name);
      const bytes = await readFile(path);
      if (!bytes.subarray(0, MAGIC.length).equals(MAGIC)) {
        // A segment cut before its magic was whole (a crash right after creating it) holds nothing.
        if (newest && MAGIC.subarray(0, bytes.length).equals(bytes)) {
          await unlink(path);
          continue;
        }
        await rename(path, `${path}.foreign`);
        report.foreignFiles.push(name);
        continue;
      }
      const fd = await openAsync(path, 'r+');
      const decoded = decodeRecords(bytes, MAGIC.length);
      let size = bytes.length;
      if (decoded.problem !== null) {
        if (newest) {
          report.tornBytes = bytes.length - decoded.end;
          await ftruncateAsync(fd, decoded.end);
          await fsyncAsync(fd);
          size = decoded.end;
        } else report.damagedSegments.push(name);
      }
      const segment: Segment = { number, path, fd, size, pendingCount: 0, pendingBytes: 0 };
      this.segments.push(segment);
      for (const { record, offset, size: frameSize } of decoded.records) {
        if (record.type === 'retire') {
          const at = this.index.get(record.id);
          if (at) this.forget(record.id, at);
          continue;
        }
        this.place(record.id, record.seq, segment, offset, frameSize, record.payload.length);
        if (record.seq > maxSeq) maxSeq = record.seq;
      }
    }
    this.nextSeq = maxSeq + 1;
    // Oldest first, whatever segment compaction copied a record into.
    const ordered = [...this.index].sort(([, a], [, b]) => a.seq - b.seq);
    this.index.clear();
    for (const [id, at] of ordered) this.index.set(id, at);
    if (this.segments.length === 0) await this.newSegment();
    report.segments = this.segments.length;
    report.pending = this.index.size;
    await this.compact();
  }
}
