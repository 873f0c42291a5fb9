// The durable outbox: an append-only journal of scans that wait for their receipt.
//   const outbox = await Outbox.open({ dir: '/var/lib/implant-scan/outbox' });
//   await outbox.append(scanId, bytes);   // resolves once the record is fsynced: now it is accepted
//   for (const { id, payload } of outbox.pending()) …   // oldest first, survives restarts
//   await outbox.retire(scanId);          // its receipt came back: it leaves the outbox
//
// Hand-written on purpose: one portable file in the bundle, fsync under our control.
// Every file operation goes through a FileIo (gateway/storage/), so that tests can cut the power.
// - Records are length + CRC-32 framed (record.ts) in segment files `<n>.journal` of about
//   segmentBytes each. Appends queued while one write+fdatasync runs go out together in the next
//   one (group commit), so a burst costs one fsync per batch, not one per scan.
// - Recovery replays every segment in order and keeps every whole record. Damaged bytes (a record
//   failing its CRC, a zeroed page) are skipped up to the next whole frame (record.ts), copied to
//   `<segment>.<start>-<end>.quarantine` beside it for analysis, and reported (RecoveryReport).
//   A tail of the newest segment that no whole record follows is a torn write: cut off.
// - High-water mark: an append may carry a mark (the daemon passes the ScanEvent sequence); every
//   new segment starts with a mark record of the highest mark so far, so the highest mark ever
//   appended survives retires and compaction (the sequence continues from it after a crash).
//   Compaction deletes a segment only while a newer one holds the highest mark; otherwise (a new
//   segment whose header mark a power cut tore off) it starts a segment that does first.
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

import { join } from 'node:path';
import type { OutboxPort } from '../ports.ts';
import { isNoSpace } from '../storage/errors.ts';
import { nodeFileIo, type FileIo } from '../storage/file-io.ts';
import { OutboxClosedError, OutboxFullError, OutboxWriteError } from './errors.ts';
import { decodeRecords, encodeRecord, type ByteRange, type JournalRecord } from './record.ts';

export { OutboxClosedError, OutboxFullError, OutboxWriteError } from './errors.ts';

/** Each segment file opens with this, so a foreign or older-format file is never replayed. */
const MAGIC = Buffer.from('ISJRNL1\n', 'latin1');
const SEGMENT_NAME = /^(\d{16})\.journal$/;
/** Files recovery leaves alone: moved aside before, or copies of damage. */
const SET_ASIDE = /\.(foreign|quarantine)$/;

export interface OutboxOptions {
  dir: string;
  /** A new segment starts once the current one holds this much (default 4 MiB). */
  segmentBytes?: number;
  /** Pending (not yet receipted) bytes the outbox accepts (default 256 MiB). */
  capacityBytes?: number;
  /** The most bytes written by one group commit (default 1 MiB). */
  maxBatchBytes?: number;
  /** The file operations (default node:fs); tests pass a simulated disk. */
  io?: FileIo;
}

/**
 * What recovery found, for the daemon to log (warn for a torn tail, error for damage), export as a
 * metric and show on the station page. `verdict` sums it up: 'clean'; 'torn-tail' (a write cut by
 * a power cut or crash: expected, nothing acknowledged is in it); 'damaged' (bytes changed after
 * they were written, or a file that is not a journal: the disk or someone else is at fault).
 */
export interface RecoveryReport {
  verdict: 'clean' | 'torn-tail' | 'damaged';
  /** Segments replayed. */
  segments: number;
  /** Scans waiting for their receipt after recovery. */
  pending: number;
  /** Whole records read back (appends, retires and marks, copies included). */
  recordsRecovered: number;
  /** Bytes of a torn tail cut off the newest segment. */
  tornBytes: number;
  /** Unreadable ranges (byte offsets in their segment) and where a copy of each was put. */
  damaged: DamagedRange[];
  /** The sum of the damaged ranges' lengths. */
  damagedBytes: number;
  /** Segments with at least one damaged range. */
  damagedSegments: string[];
  /** The quarantine files written (full paths). */
  quarantineFiles: string[];
  /** Files in the directory that are not segments of this format, moved aside as `<name>.foreign`. */
  foreignFiles: string[];
}

export interface DamagedRange extends ByteRange {
  segment: string;
  /** The copy of the bytes beside the segment, or null when it could not be written (disk full). */
  quarantine: string | null;
}

export interface AppendOptions {
  /** A number the outbox keeps the highest of, across retires and compaction (see highWaterMark). */
  mark?: bigint;
}

interface Segment {
  readonly number: number;
  readonly path: string;
  fd: number;
  /** Bytes on disk, the magic included. */
  size: number;
  /** Bytes before the first record: the magic, and the mark record of a segment that has one. */
  headerBytes: number;
  pendingCount: number;
  pendingBytes: number;
  /** The highest mark this segment holds (its header's or an append's), or null. */
  maxMark: bigint | null;
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

const maxOf = (a: bigint | null, b: bigint): bigint => (a === null || b > a ? b : a);

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
  private highWater: bigint | null = null;
  /** A file named as a segment was not one (it may have held the highest mark). */
  private segmentSetAside = false;
  /** The number of the newest segment ever seen, so that a new one never reuses a number. */
  private lastNumber = 0;
  private readonly segmentBytes: number;
  private readonly capacityBytes: number;
  private readonly maxBatchBytes: number;
  private readonly io: FileIo;

  private constructor(
    private readonly dir: string,
    options: OutboxOptions,
    readonly recovery: RecoveryReport,
  ) {
    this.segmentBytes = options.segmentBytes ?? 4 << 20;
    this.capacityBytes = options.capacityBytes ?? 256 << 20;
    this.maxBatchBytes = options.maxBatchBytes ?? 1 << 20;
    this.io = options.io ?? nodeFileIo;
  }

  static async open(options: OutboxOptions): Promise<Outbox> {
    const io = options.io ?? nodeFileIo;
    await io.mkdir(options.dir, 0o750);
    const report: RecoveryReport = {
      verdict: 'clean',
      segments: 0,
      pending: 0,
      recordsRecovered: 0,
      tornBytes: 0,
      damaged: [],
      damagedBytes: 0,
      damagedSegments: [],
      quarantineFiles: [],
      foreignFiles: [],
    };
    const outbox = new Outbox(options.dir, options, report);
    await outbox.recover();
    return outbox;
  }

  /** Resolves once the record is on disk (fsynced). An id already pending is not written twice. */
  append(id: string, payload: Uint8Array, options?: AppendOptions): Promise<void> {
    const refusal = this.refusal();
    if (refusal) return Promise.reject(refusal);
    if (this.index.has(id)) return Promise.resolve();
    const queued = this.queuedAppends.get(id);
    if (queued) return queued;
    const record: JournalRecord =
      options?.mark === undefined ? { type: 'append', seq: this.nextSeq, id, payload } : { type: 'append', seq: this.nextSeq, id, payload, mark: options.mark };
    let bytes: Buffer;
    try {
      bytes = encodeRecord(record);
    } catch (e) {
      return Promise.reject(e);
    }
    if (this.pendingBytes + this.queuedBytes + bytes.length > this.capacityBytes) return Promise.reject(new OutboxFullError(this.capacityBytes));
    this.nextSeq++;
    const done = this.enqueue(bytes, record);
    this.queuedAppends.set(id, done);
    const forget = () => this.queuedAppends.delete(id);
    done.then(forget, forget);
    return done;
  }

  /**
   * The highest mark of any append that reached the disk, retired ones included; null when no
   * append ever carried one, or when recovery found damage (a lost record may have held a higher
   * one, so the journal cannot vouch for it).
   */
  get highWaterMark(): bigint | null {
    return this.recovery.damaged.length > 0 || this.segmentSetAside ? null : this.highWater;
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
    const io = this.io;
    for (const [id, at] of this.index) {
      yield {
        id,
        get payload() {
          const buffer = Buffer.allocUnsafe(at.payloadLength);
          io.readSync(at.segment.fd, buffer, 0, at.payloadLength, at.payloadOffset);
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
    for (const s of this.segments) await this.io.close(s.fd).catch(() => {});
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
      if (this.failed) {
        this.queuedBytes -= size;
        for (const q of batch) q.reject(new OutboxWriteError('EIO', this.failed));
        continue;
      }
      // The batch's bytes count as queued until writeBatch places them as pending, so the capacity
      // check of an append arriving meanwhile sees them.
      try {
        await this.writeBatch(batch, size);
        for (const q of batch) q.resolve();
      } catch (e) {
        this.queuedBytes -= size;
        for (const q of batch) q.reject(e as Error);
      }
      await this.compact().catch((e: unknown) => this.fail(e));
    }
  }

  private async writeBatch(batch: Queued[], size: number): Promise<void> {
    let active = this.segments.at(-1);
    if (!active || (active.size > active.headerBytes && active.size + size > this.segmentBytes)) active = await this.newSegment();
    const bytes = batch.length === 1 ? batch[0]!.bytes : Buffer.concat(batch.map((q) => q.bytes), size);
    const start = active.size;
    await this.writeAt(active, bytes, start);
    try {
      await this.io.fdatasync(active.fd);
    } catch (e) {
      // After a failed fsync the kernel may have dropped the dirty pages: nothing written since the
      // last good fsync can be trusted until a restart reads the file again.
      this.fail(e);
      throw new OutboxWriteError((e as NodeJS.ErrnoException).code ?? 'EIO', e);
    }
    active.size = start + size;
    this.queuedBytes -= size; // from queued to pending, in the same turn
    let offset = start;
    for (const q of batch) {
      if (q.record.type === 'append') {
        this.place(q.record.id, q.record.seq, active, offset, q.bytes.length, q.record.payload.length);
        if (q.record.mark !== undefined) this.noteMark(active, q.record.mark);
      }
      offset += q.bytes.length;
    }
  }

  /** Writes all of bytes at start; on a failure cuts what was written off again and throws. */
  private async writeAt(segment: Segment, bytes: Buffer, start: number): Promise<void> {
    try {
      let done = 0;
      while (done < bytes.length) done += await this.io.write(segment.fd, bytes, done, bytes.length - done, start + done);
    } catch (e) {
      // Cut the partial batch off, durably: should the next batch go to a new segment, a power
      // cut must not bring the torn bytes back in what is then an older segment (read as damage).
      await this.io
        .ftruncate(segment.fd, start)
        .then(() => this.io.fsync(segment.fd))
        .catch((t: unknown) => this.fail(t));
      throw new OutboxWriteError((e as NodeJS.ErrnoException).code ?? 'EIO', e);
    }
  }

  /** A mark on disk in `segment`: it may raise the outbox's highest and the segment's. */
  private noteMark(segment: Segment, mark: bigint): void {
    this.highWater = maxOf(this.highWater, mark);
    segment.maxMark = maxOf(segment.maxMark, mark);
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
      const used = oldest.size - oldest.headerBytes;
      const sparse = oldest.pendingBytes * 2 < used;
      const bloated = this.bytes > 2 * this.pendingBytes + 2 * this.segmentBytes;
      if (oldest.pendingCount > 0 && !sparse && !bloated) return;
      // The highest mark must outlive the segment: if no newer segment holds it (a new segment whose
      // header mark was torn off by a power cut holds none), a new segment's header carries it.
      const highWater = this.highWater;
      if (highWater !== null && !this.segments.slice(1).some((s) => s.maxMark !== null && s.maxMark >= highWater)) await this.newSegment();
      if (oldest.pendingCount > 0) {
        try {
          await this.copyForward(oldest);
        } catch (e) {
          // No room for the copy: the records stay where they are; compaction tries again later.
          if (isNoSpace((e as Error).cause ?? e)) return;
          throw e;
        }
      }
      this.segments.shift();
      await this.io.close(oldest.fd);
      await this.io.unlink(oldest.path);
      await this.io.syncDir(this.dir);
    }
  }

  /** Writes the segment's pending records again at the end of the journal, with their sequence. */
  private async copyForward(segment: Segment): Promise<void> {
    const moving = [...this.index].filter(([, at]) => at.segment === segment);
    const frames = moving.map(([, at]) => {
      const frame = Buffer.allocUnsafe(at.size);
      this.io.readSync(segment.fd, frame, 0, at.size, at.offset);
      return frame;
    });
    const size = frames.reduce((n, f) => n + f.length, 0);
    let active = this.segments.at(-1)!;
    if (active === segment || active.size + size > this.segmentBytes) active = await this.newSegment();
    const start = active.size;
    await this.writeAt(active, Buffer.concat(frames, size), start);
    await this.io.fdatasync(active.fd);
    active.size = start + size;
    let offset = start;
    moving.forEach(([id, at], i) => {
      // Retired while the copy was being written: its retire record follows in the next batch.
      if (this.index.get(id) === at) this.place(id, at.seq, active, offset, at.size, at.payloadLength);
      offset += frames[i]!.length;
    });
  }

  /** A new segment: the magic and the high-water mark so far, durable, its name in the directory too. */
  private async newSegment(): Promise<Segment> {
    const number = (this.segments.at(-1)?.number ?? this.lastNumber) + 1;
    const path = join(this.dir, `${String(number).padStart(16, '0')}.journal`);
    const header = this.highWater === null ? MAGIC : Buffer.concat([MAGIC, encodeRecord({ type: 'mark', mark: this.highWater })]);
    let fd: number;
    try {
      fd = await this.io.open(path, 'wx+', 0o640);
    } catch (e) {
      throw new OutboxWriteError((e as NodeJS.ErrnoException).code ?? 'EIO', e);
    }
    try {
      let written = 0;
      while (written < header.length) written += await this.io.write(fd, header, written, header.length - written, written);
    } catch (e) {
      // No room for the header (a full disk): leave no half segment behind.
      await this.io.close(fd).catch(() => {});
      await this.io.unlink(path).catch(() => {});
      throw new OutboxWriteError((e as NodeJS.ErrnoException).code ?? 'EIO', e);
    }
    try {
      await this.io.fdatasync(fd);
      await this.io.syncDir(this.dir);
    } catch (e) {
      this.fail(e);
      await this.io.close(fd).catch(() => {});
      throw new OutboxWriteError((e as NodeJS.ErrnoException).code ?? 'EIO', e);
    }
    const segment: Segment = { number, path, fd, size: header.length, headerBytes: header.length, pendingCount: 0, pendingBytes: 0, maxMark: this.highWater };
    this.lastNumber = number;
    this.segments.push(segment);
    return segment;
  }

  /** Replays every segment in order into the index; see the header for what is dropped. */
  private async recover(): Promise<void> {
    const report = this.recovery;
    const names = (await this.io.readdir(this.dir)).sort();
    const numbered: { number: number; name: string }[] = [];
    for (const name of names) {
      const m = SEGMENT_NAME.exec(name);
      if (m) numbered.push({ number: Number(m[1]), name });
      else if (!SET_ASIDE.test(name)) await this.setAside(name);
    }
    // First the directory: which files are segments. A segment cut before its magic was whole (a
    // crash right after creating it) holds nothing; a file with neither magic nor whole records is
    // not ours. The newest segment is the newest one kept: should the removal of an empty one be
    // lost to a power cut, the next recovery removes it again and still reads the real newest
    // one's tail as torn, not as damage (so no directory fsync is needed here).
    const kept: { number: number; name: string; magicWhole: boolean }[] = [];
    for (const [i, { number, name }] of numbered.entries()) {
      const path = join(this.dir, name);
      const head = await this.readHead(path);
      const magicWhole = head.equals(MAGIC);
      if (!magicWhole && i === numbered.length - 1 && MAGIC.subarray(0, head.length).equals(head)) {
        await this.io.unlink(path);
        continue;
      }
      // Damaged magic but whole records after it: damage, not a foreign file.
      if (!magicWhole && decodeRecords(await this.io.readFile(path), MAGIC.length).records.length === 0) {
        await this.setAside(name);
        this.segmentSetAside = true;
        continue;
      }
      kept.push({ number, name, magicWhole });
    }
    let maxSeq = 0;
    // One segment in memory at a time.
    for (const [i, { number, name, magicWhole }] of kept.entries()) {
      const newest = i === kept.length - 1;
      const path = join(this.dir, name);
      const bytes = await this.io.readFile(path);
      const decoded = decodeRecords(bytes, MAGIC.length);
      if (!magicWhole) {
        const first = decoded.damaged[0];
        if (first?.start === MAGIC.length) first.start = 0;
        else decoded.damaged.unshift({ start: 0, end: MAGIC.length });
      }
      let size = bytes.length;
      if (decoded.end < bytes.length) {
        if (newest) {
          report.tornBytes = bytes.length - decoded.end;
          size = decoded.end;
        } else decoded.damaged.push({ start: decoded.end, end: bytes.length }); // an older segment was whole once
      }
      for (const range of decoded.damaged) await this.quarantine(name, bytes, range);
      if (decoded.damaged.length > 0) report.damagedSegments.push(name);
      const fd = await this.io.open(path, 'r+');
      if (size < bytes.length) {
        await this.io.ftruncate(fd, size);
        await this.io.fsync(fd);
      }
      const firstRecord = decoded.records[0];
      const headerBytes = firstRecord?.record.type === 'mark' ? firstRecord.offset + firstRecord.size : MAGIC.length;
      const segment: Segment = { number, path, fd, size, headerBytes, pendingCount: 0, pendingBytes: 0, maxMark: null };
      this.segments.push(segment);
      this.lastNumber = number;
      report.recordsRecovered += decoded.records.length;
      for (const { record, offset, size: frameSize } of decoded.records) {
        if (record.type === 'mark') {
          this.noteMark(segment, record.mark);
        } else if (record.type === 'retire') {
          const at = this.index.get(record.id);
          if (at) this.forget(record.id, at);
        } else {
          this.place(record.id, record.seq, segment, offset, frameSize, record.payload.length);
          if (record.seq > maxSeq) maxSeq = record.seq;
          if (record.mark !== undefined) this.noteMark(segment, record.mark);
        }
      }
    }
    this.nextSeq = maxSeq + 1;
    // Oldest first, whatever segment compaction copied a record into.
    const ordered = [...this.index].sort(([, a], [, b]) => a.seq - b.seq);
    this.index.clear();
    for (const [id, at] of ordered) this.index.set(id, at);
    report.segments = this.segments.length;
    report.pending = this.index.size;
    report.damagedBytes = report.damaged.reduce((n, r) => n + r.end - r.start, 0);
    report.verdict = report.damaged.length > 0 || report.foreignFiles.length > 0 ? 'damaged' : report.tornBytes > 0 ? 'torn-tail' : 'clean';
    try {
      if (this.segments.length === 0) await this.newSegment();
      await this.compact();
    } catch (e) {
      // A full disk does not keep the outbox from opening: what is pending can still be published,
      // and appends are refused (OutboxWriteError ENOSPC) until there is room.
      if (!isNoSpace((e as Error).cause ?? e)) throw e;
    }
  }

  /** The first bytes of a file, as many as the magic has (fewer if the file is shorter). */
  private async readHead(path: string): Promise<Buffer> {
    const fd = await this.io.open(path, 'r');
    try {
      const head = Buffer.alloc(MAGIC.length);
      return head.subarray(0, this.io.readSync(fd, head, 0, MAGIC.length, 0));
    } finally {
      await this.io.close(fd);
    }
  }

  /** Moves a file that is not a segment of this format aside as `<name>.foreign`. */
  private async setAside(name: string): Promise<void> {
    await this.io.rename(join(this.dir, name), join(this.dir, `${name}.foreign`));
    this.recovery.foreignFiles.push(name);
  }

  /** A copy of damaged bytes beside their segment, for analysis; the segment itself is not changed. */
  private async quarantine(name: string, bytes: Buffer, range: ByteRange): Promise<void> {
    const path = join(this.dir, `${name}.${range.start}-${range.end}.quarantine`);
    let written: string | null = null;
    try {
      const fd = await this.io.open(path, 'w', 0o640);
      try {
        let done = 0;
        while (done < range.end - range.start) done += await this.io.write(fd, bytes, range.start + done, range.end - range.start - done, done);
        written = path;
      } finally {
        await this.io.close(fd);
      }
    } catch {
      // Full disk: the report still says where the damage is; the segment keeps the bytes.
    }
    this.recovery.damaged.push({ segment: name, start: range.start, end: range.end, quarantine: written });
    if (written) this.recovery.quarantineFiles.push(written);
  }
}
