// The outbox's exact limits and its error contract: capacity, batch and segment sizes to the
// byte, the high-water mark at run time, what close and a failure refuse, the errno a refusal
// carries. Written for the survivors of a mutation run (docs/testing.md): each test pins a bound
// or a branch that the behaviour tests pass through without deciding.
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { nodeFileIo } from '../storage/file-io.ts';
import { countingIo, failure, FRAME, ids, MAGIC_BYTES, outboxDir, payload } from './outbox-dir.test-support.ts';
import { OutboxClosedError, OutboxFullError, OutboxWriteError } from './outbox.ts';

const box = outboxDir('outbox-limits-');
const openOutbox = box.open;
const journalFiles = box.journals;

describe('the errors a refusal carries', () => {
  it('say what they are in code, name and message, and keep their cause', () => {
    const cause = failure('ENOSPC');
    const full = new OutboxFullError(600);
    const write = new OutboxWriteError('ENOSPC', cause);
    const closed = new OutboxClosedError();
    expect([full.code, full.name]).toEqual(['outbox-full', 'OutboxFullError']);
    expect(full.message).toMatch(/^the outbox is full \(600 bytes of scans wait for their receipt\): this scan is refused, stored scans are kept$/);
    expect([write.code, write.name, write.errno, write.cause]).toEqual(['outbox-write-failed', 'OutboxWriteError', 'ENOSPC', cause]);
    expect(write.message).toBe('the outbox could not store the scan (ENOSPC): it is refused, stored scans are kept');
    expect([closed.code, closed.name, closed.message]).toEqual(['outbox-closed', 'OutboxClosedError', 'the outbox is closed']);
  });
});

describe('sizes to the byte', () => {
  it('capacity: exactly three frames fit in three frames of capacity, counting those still being written', async () => {
    const o = await openOutbox({ capacityBytes: 3 * FRAME });
    const results = await Promise.allSettled(ids(4).map((id, i) => o.append(id, payload(i))));
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled', 'fulfilled', 'rejected']);
    expect((results[3] as PromiseRejectedResult).reason).toBeInstanceOf(OutboxFullError);
    await o.retire('a0');
    await expect(o.append('a4', payload(4))).resolves.toBeUndefined();
    await expect(o.append('a5', payload(5))).rejects.toBeInstanceOf(OutboxFullError);
  });

  it('a batch holds at most maxBatchBytes: ten appends at two frames a batch take 1 + 5 fdatasyncs', async () => {
    const { io, counts } = countingIo();
    const o = await openOutbox({ io, maxBatchBytes: 2 * FRAME });
    const before = counts.fdatasync;
    await Promise.all(ids(10).map((id, i) => o.append(id, payload(i))));
    expect(counts.fdatasync - before).toBe(6); // the first goes alone, the nine queued behind it in 2+2+2+2+1
    expect([...o.pending()].map((p) => p.id)).toEqual(ids(10));
  });

  it('a record larger than maxBatchBytes is written alone, not held back', async () => {
    const { io, counts } = countingIo();
    const o = await openOutbox({ io, maxBatchBytes: FRAME - 1 });
    const before = counts.fdatasync;
    await Promise.all(ids(3).map((id, i) => o.append(id, payload(i))));
    expect(counts.fdatasync - before).toBe(3);
    expect(o.depth).toBe(3);
  });

  it('capacity counts a record once after compaction copied it forward', async () => {
    const o = await openOutbox({ segmentBytes: MAGIC_BYTES + 4 * FRAME, capacityBytes: 4 * FRAME });
    for (const [i, id] of ids(4).entries()) await o.append(id, payload(i));
    for (const id of ids(4).slice(1)) await o.retire(id); // the last retire leaves a0 alone: compaction copies it forward
    for (const id of ['b0', 'b1', 'b2']) await o.append(id, payload(9)); // b0 waits behind that compaction
    await expect(o.append('b3', payload(9))).rejects.toBeInstanceOf(OutboxFullError);
    expect([...o.pending()].map((p) => p.id)).toEqual(['a0', 'b0', 'b1', 'b2']);
  });

  it('a segment takes records until the next would pass segmentBytes, then a new one starts', async () => {
    const o = await openOutbox({ segmentBytes: MAGIC_BYTES + 3 * FRAME });
    for (const [i, id] of ids(3).entries()) await o.append(id, payload(i));
    expect(await journalFiles()).toHaveLength(1);
    await o.append('a3', payload(3));
    const files = await journalFiles();
    expect(files).toHaveLength(2);
    expect((await stat(join(box.dir, files[0]!))).size).toBe(MAGIC_BYTES + 3 * FRAME);
  });

  it('a record larger than a segment goes into the empty segment there is, not into a new one', async () => {
    const { io, counts } = countingIo();
    const o = await openOutbox({ io, segmentBytes: 16 });
    const before = { ...counts };
    await o.append('big', payload(1));
    expect([counts.open - before.open, counts.fdatasync - before.fdatasync]).toEqual([0, 1]);
  });

  it('bytes is the size of the journal on disk', async () => {
    const o = await openOutbox({ segmentBytes: MAGIC_BYTES + 2 * FRAME });
    for (const [i, id] of ids(5).entries()) await o.append(id, payload(i));
    let onDisk = 0;
    for (const f of await journalFiles()) onDisk += (await stat(join(box.dir, f))).size;
    expect(o.bytes).toBe(onDisk);
    expect(onDisk).toBeGreaterThan(2 * (MAGIC_BYTES + 2 * FRAME));
  });

  it('short writes are continued where they stopped, for records and for a new segment\'s header', async () => {
    const { io } = countingIo({ write: (fd, buffer, offset, length, position) => nodeFileIo.write(fd, buffer, offset, Math.min(length, 5), position) });
    const a = await openOutbox({ io, segmentBytes: MAGIC_BYTES + 2 * FRAME });
    for (const [i, id] of ids(5).entries()) await a.append(id, payload(i), { mark: BigInt(i + 1) });
    await a.close();
    const b = await openOutbox();
    expect(b.recovery.verdict).toBe('clean');
    expect([...b.pending()].map((p) => [p.id, p.payload[0]])).toEqual(ids(5).map((id, i) => [id, i]));
    expect(b.highWaterMark).toBe(5n);
  });
});

describe('the high-water mark and repeated ids at run time', () => {
  it('is the highest mark appended so far, before any restart, and only rises', async () => {
    const o = await openOutbox();
    expect(o.highWaterMark).toBeNull();
    await o.append('a0', payload(0), { mark: 5n });
    expect(o.highWaterMark).toBe(5n);
    await o.append('a1', payload(1), { mark: 3n });
    await o.append('a2', payload(2));
    expect(o.highWaterMark).toBe(5n);
    await o.append('a3', payload(3), { mark: 6n });
    expect(o.highWaterMark).toBe(6n);
  });

  it('an id retired and then appended again is written again', async () => {
    const o = await openOutbox();
    await o.append('a0', payload(0));
    await o.retire('a0');
    await o.append('a0', payload(7));
    expect([...o.pending()].map((p) => [p.id, p.payload[0]])).toEqual([['a0', 7]]);
  });

  it('a retire of an append still being written waits for it, then retires it', async () => {
    const o = await openOutbox();
    const appended = o.append('a0', payload(0));
    await o.retire('a0');
    await appended;
    expect(o.depth).toBe(0);
    await o.close();
    expect((await openOutbox()).depth).toBe(0);
  });

  it('a retire of an id it never held writes nothing', async () => {
    const { io, counts } = countingIo();
    const o = await openOutbox({ io });
    const before = counts.write;
    await expect(o.retire('never')).resolves.toBeUndefined();
    expect(counts.write).toBe(before);
  });
});

describe('close and failure', () => {
  it('close waits for a record still being written, and a second close is harmless', async () => {
    const a = await openOutbox();
    const appended = a.append('a0', payload(0));
    await a.close();
    await expect(appended).resolves.toBeUndefined();
    await a.close();
    expect((await openOutbox()).depth).toBe(1);
  });

  it('after close a retire is refused and forgets nothing', async () => {
    const o = await openOutbox();
    await o.append('a0', payload(0));
    await o.close();
    await expect(o.retire('a0')).rejects.toBeInstanceOf(OutboxClosedError);
    expect(o.depth).toBe(1);
  });

  it('after a failed fsync: appends and retires are refused with EIO, nothing more is written, nothing forgotten', async () => {
    let failSync = false;
    const { io, counts } = countingIo({ fdatasync: async (fd) => (failSync ? Promise.reject(failure('EIO')) : nodeFileIo.fdatasync(fd)) });
    const o = await openOutbox({ io });
    await o.append('kept', payload(0));
    failSync = true;
    const burst = await Promise.allSettled(ids(5).map((id, i) => o.append(id, payload(i))));
    expect(burst.every((r) => r.status === 'rejected' && r.reason instanceof OutboxWriteError && r.reason.errno === 'EIO')).toBe(true);
    const writes = counts.write;
    failSync = false;
    const refused = await o.retire('kept').catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(OutboxWriteError);
    expect((refused as OutboxWriteError).errno).toBe('EIO');
    expect([o.depth, counts.write]).toEqual([1, writes]);
  });

  it('the first batch after the failure is not written either', async () => {
    let failSync = false;
    const { io, counts } = countingIo({ fdatasync: async (fd) => (failSync ? Promise.reject(failure('EIO')) : nodeFileIo.fdatasync(fd)) });
    const o = await openOutbox({ io });
    failSync = true;
    const first = o.append('a0', payload(0)); // the write that fails
    const queued = Promise.allSettled(ids(4).slice(1).map((id, i) => o.append(id, payload(i)))); // behind it, in the next batch
    await first.catch(() => {});
    const writes = counts.write;
    await queued;
    expect(counts.write).toBe(writes);
  });

  it.each([
    ['the errno of a failed fdatasync', 'ENOSPC', 'ENOSPC'],
    ['EIO for a failure without one', undefined, 'EIO'],
  ])('a refusal carries %s', async (_, code, errno) => {
    let fail = false;
    const { io } = countingIo({ fdatasync: async (fd) => (fail ? Promise.reject(failure(code)) : nodeFileIo.fdatasync(fd)) });
    const o = await openOutbox({ io });
    fail = true;
    const e = await o.append('a0', payload(0)).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(OutboxWriteError);
    expect((e as OutboxWriteError).errno).toBe(errno);
  });

  it.each([
    ['opening a new segment', 'open', 'EMFILE'],
    ['writing its header', 'write', 'EDQUOT'],
    ['syncing its header', 'fdatasync', 'EROFS'],
    ['opening a new segment, without an errno', 'open', undefined],
  ] as const)('a new segment that fails at %s refuses the scan with that errno (%s)', async (_, step, code) => {
    let armed = false;
    let segmentFd = -1;
    const { io } = countingIo({
      open: async (path, flags, mode) => {
        if (armed && step === 'open') throw failure(code);
        const fd = await nodeFileIo.open(path, flags, mode);
        if (armed) segmentFd = fd;
        return fd;
      },
      write: async (fd, ...rest) => (armed && step === 'write' && fd === segmentFd ? Promise.reject(failure(code)) : nodeFileIo.write(fd, ...rest)),
      fdatasync: async (fd) => (armed && step === 'fdatasync' && fd === segmentFd ? Promise.reject(failure(code)) : nodeFileIo.fdatasync(fd)),
    });
    const o = await openOutbox({ io, segmentBytes: MAGIC_BYTES + FRAME });
    await o.append('a0', payload(0));
    armed = true;
    const e = await o.append('a1', payload(1)).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(OutboxWriteError);
    expect((e as OutboxWriteError).errno).toBe(code ?? 'EIO');
    expect(o.depth).toBe(1);
  });

  it('a failed write is cut off the file and the cut is fsynced; if the cut fails, the outbox is unhealthy', async () => {
    let failWrite = false;
    let failTruncate = false;
    const { io, counts } = countingIo({
      write: async (...a) => (failWrite ? Promise.reject(failure('ENOSPC')) : nodeFileIo.write(...a)),
      ftruncate: async (fd, len) => (failTruncate ? Promise.reject(failure('EIO')) : nodeFileIo.ftruncate(fd, len)),
    });
    const o = await openOutbox({ io });
    failWrite = true;
    const fsyncs = counts.fsync;
    await expect(o.append('a0', payload(0))).rejects.toBeInstanceOf(OutboxWriteError);
    expect(counts.fsync).toBe(fsyncs + 1);
    expect(o.healthy).toBe(true);
    failTruncate = true;
    await expect(o.append('a1', payload(1))).rejects.toBeInstanceOf(OutboxWriteError);
    expect(o.healthy).toBe(false);
  });
});
