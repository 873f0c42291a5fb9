// Recovery and compaction case by case: which segment is the newest, what is damage and what a
// torn tail, what recovery leaves alone, when an old segment is copied forward. Each test pins a
// branch the random damage and power-loss properties pass through without deciding (the survivors
// of a mutation run, docs/testing.md).
import { appendFile, readdir, readFile, stat, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { nodeFileIo } from '../storage/file-io.ts';
import { countingIo, FRAME, ids, MAGIC_BYTES, outboxDir, payload } from './outbox-dir.test-support.ts';
import { Outbox } from './outbox.ts';
import { encodeRecord } from './record.ts';

const box = outboxDir('outbox-cases-');
const openOutbox = box.open;
const journals = box.journals;
const pendingIds = (o: Outbox) => [...o.pending()].map((p) => p.id);

/** Two segments of three records each (a0–a2, a3–a5), closed. */
async function twoSegments(): Promise<[string, string]> {
  const o = await Outbox.open({ dir: box.dir, segmentBytes: MAGIC_BYTES + 3 * FRAME });
  for (const [i, id] of ids(6).entries()) await o.append(id, payload(i));
  await o.close();
  const files = await journals();
  expect(files).toHaveLength(2);
  return files as [string, string];
}

describe('what recovery reads as what', () => {
  it('a clean journal: verdict clean, every record counted, nothing cut, synced or added', async () => {
    const [older, newer] = await twoSegments();
    const { io, counts } = countingIo();
    const o = await openOutbox({ io });
    expect(o.recovery).toMatchObject({ verdict: 'clean', segments: 2, pending: 6, recordsRecovered: 6, tornBytes: 0, damaged: [], foreignFiles: [] });
    expect(counts.fsync).toBe(0);
    expect(await journals()).toEqual([older, newer]);
    expect(pendingIds(o)).toEqual(ids(6));
  });

  it('garbage after the newest segment\'s last record is a torn tail, cut off and synced', async () => {
    const [, newer] = await twoSegments();
    await appendFile(join(box.dir, newer), Buffer.from('garbage'));
    const { io, counts } = countingIo();
    const o = await openOutbox({ io });
    expect(o.recovery).toMatchObject({ verdict: 'torn-tail', tornBytes: 7, damaged: [] });
    expect(counts.fsync).toBe(1);
    expect((await stat(join(box.dir, newer))).size).toBe(MAGIC_BYTES + 3 * FRAME);
  });

  it('the same garbage after an older segment is damage: that segment was whole once', async () => {
    const [older] = await twoSegments();
    await appendFile(join(box.dir, older), Buffer.from('garbage'));
    const o = await openOutbox();
    expect(o.recovery).toMatchObject({ verdict: 'damaged', tornBytes: 0, damagedSegments: [older] });
    expect(o.recovery.damaged.map((d) => [d.start, d.end])).toEqual([[MAGIC_BYTES + 3 * FRAME, MAGIC_BYTES + 3 * FRAME + 7]]);
    expect(pendingIds(o)).toEqual(ids(6));
  });

  it('which segment is the newest does not depend on the order readdir lists them in', async () => {
    const [older] = await twoSegments();
    await appendFile(join(box.dir, older), Buffer.from('garbage'));
    const o = await openOutbox({ io: { ...nodeFileIo, readdir: async (d) => (await nodeFileIo.readdir(d)).sort().reverse() } });
    expect(o.recovery).toMatchObject({ verdict: 'damaged', tornBytes: 0, damagedSegments: [older] });
    expect(pendingIds(o)).toEqual(ids(6));
  });

  it('a damaged magic with whole records after it is damage from byte 0, and the records are kept', async () => {
    const [older] = await twoSegments();
    const path = join(box.dir, older);
    const bytes = await readFile(path);
    bytes[0] = 0x00;
    await writeFile(path, bytes);
    const o = await openOutbox();
    expect(o.recovery.verdict).toBe('damaged');
    expect(o.recovery.damaged.map((d) => [d.segment, d.start, d.end])).toEqual([[older, 0, MAGIC_BYTES]]);
    expect(pendingIds(o)).toEqual(ids(6));
  });

  it('an older segment cut inside its magic is set aside as foreign (it may have held a mark), not removed', async () => {
    const a = await Outbox.open({ dir: box.dir, segmentBytes: MAGIC_BYTES + 3 * FRAME });
    for (const [i, id] of ids(6).entries()) await a.append(id, payload(i), { mark: BigInt(i + 1) });
    await a.close();
    const [older] = await journals();
    await truncate(join(box.dir, older!), 4);
    const o = await openOutbox();
    expect(o.recovery.foreignFiles).toEqual([older]);
    expect(o.recovery.verdict).toBe('damaged');
    expect(await readdir(box.dir)).toContain(`${older}.foreign`);
    expect(o.highWaterMark).toBeNull(); // the lost segment may have held a higher mark
  });

  it('a file named as a segment that is not one makes the high-water mark unknown', async () => {
    await writeFile(join(box.dir, '0000000000000001.journal'), 'not a journal at all');
    const o = await openOutbox();
    await o.append('a0', payload(0), { mark: 5n });
    expect(o.highWaterMark).toBeNull();
  });

  it('set-aside and quarantine files are left alone at the next open', async () => {
    await writeFile(join(box.dir, 'notes.txt'), 'hello');
    const [older] = await twoSegments();
    await appendFile(join(box.dir, older), Buffer.from('garbage'));
    const first = await Outbox.open({ dir: box.dir });
    expect(first.recovery.quarantineFiles).toHaveLength(1);
    await first.close();
    const before = (await readdir(box.dir)).sort();
    const again = await openOutbox();
    expect(again.recovery.foreignFiles).toEqual([]);
    expect((await readdir(box.dir)).sort()).toEqual(before);
  });

  it('quarantine copies are whole even when the disk takes a few bytes per write', async () => {
    const [older] = await twoSegments();
    await appendFile(join(box.dir, older), Buffer.from('0123456789abcdefghij'));
    const o = await openOutbox({ io: { ...nodeFileIo, write: (fd, b, off, len, pos) => nodeFileIo.write(fd, b, off, Math.min(len, 3), pos) } });
    const [range] = o.recovery.damaged;
    expect(await readFile(range!.quarantine!, 'latin1')).toBe('0123456789abcdefghij');
  });

  it('a quarantine copy that cannot be written is reported as null, and no file is listed', async () => {
    const [older] = await twoSegments();
    await appendFile(join(box.dir, older), Buffer.from('garbage'));
    const o = await openOutbox({
      io: { ...nodeFileIo, open: async (p, flags, mode) => (p.endsWith('.quarantine') ? Promise.reject(Object.assign(new Error('full'), { code: 'ENOSPC' })) : nodeFileIo.open(p, flags, mode)) },
    });
    expect(o.recovery.damaged.map((d) => d.quarantine)).toEqual([null]);
    expect(o.recovery.quarantineFiles).toEqual([]);
    expect(pendingIds(o)).toEqual(ids(6));
  });

  it('the high-water mark in a segment\'s header survives when every marked append was retired and compacted away', async () => {
    const a = await Outbox.open({ dir: box.dir, segmentBytes: MAGIC_BYTES + 3 * FRAME });
    for (const [i, id] of ids(6).entries()) await a.append(id, payload(i), { mark: BigInt(10 + i) });
    for (const id of ids(6)) await a.retire(id);
    await a.append('b0', payload(9));
    await a.close();
    const o = await openOutbox();
    expect(o.highWaterMark).toBe(15n);
    expect(pendingIds(o)).toEqual(['b0']);
  });

  it('the highest mark outlives compaction when the newest segment lost its header mark to a power cut', async () => {
    // Found by the sequence power-loss property: a new segment whose header write was torn after
    // its magic; compaction then copied the one pending record (mark 1) into it and deleted the
    // segment that held mark 5, and the next open continued the sequence below an acknowledged one.
    const magic = Buffer.from('ISJRNL1\n', 'latin1');
    const older = Buffer.concat([
      magic,
      encodeRecord({ type: 'append', seq: 1, id: 'a0', payload: payload(0), mark: 1n }),
      encodeRecord({ type: 'append', seq: 2, id: 'a1', payload: payload(1), mark: 5n }),
      encodeRecord({ type: 'retire', id: 'a1' }),
    ]);
    await writeFile(join(box.dir, '0000000000000001.journal'), older);
    await writeFile(join(box.dir, '0000000000000002.journal'), magic);
    const first = await Outbox.open({ dir: box.dir });
    expect(first.highWaterMark).toBe(5n);
    await first.close();
    expect(await journals()).not.toContain('0000000000000001.journal'); // compacted away
    const again = await openOutbox();
    expect(pendingIds(again)).toEqual(['a0']);
    expect(again.highWaterMark).toBe(5n);
  });

  it('after a restart, a segment holding only its mark record counts as empty: a large record goes into it', async () => {
    // What a new segment looks like before its first record: the magic and the mark so far.
    await writeFile(join(box.dir, '0000000000000001.journal'), Buffer.concat([Buffer.from('ISJRNL1\n', 'latin1'), encodeRecord({ type: 'mark', mark: 7n })]));
    const { io, counts } = countingIo();
    const o = await openOutbox({ io, segmentBytes: 40 });
    expect(o.highWaterMark).toBe(7n);
    const opens = counts.open;
    await o.append('a0', payload(0)); // larger than a segment
    expect(counts.open).toBe(opens);
    expect(await journals()).toEqual(['0000000000000001.journal']);
  });
});

describe('compaction decides by the numbers', () => {
  /** An old segment of four records (a0–a3), `keep` of them pending, and a newer segment. */
  async function oldSegmentKeeping(keep: number): Promise<{ o: Outbox; oldest: string }> {
    const o = await openOutbox({ segmentBytes: MAGIC_BYTES + 4 * FRAME, capacityBytes: 1 << 20 });
    for (const [i, id] of ids(4).entries()) await o.append(id, payload(i));
    const [oldest] = await journals();
    for (const id of ids(4).slice(keep)) await o.retire(id);
    await o.append('b0', payload(9)); // the next segment: compaction looks at the old one after this batch
    await o.close(); // waits for that compaction, which runs after b0 is acknowledged
    return { o: await openOutbox({ segmentBytes: MAGIC_BYTES + 4 * FRAME }), oldest: oldest! };
  }

  it('an old segment half pending stays where it is', async () => {
    const { o, oldest } = await oldSegmentKeeping(2);
    expect(await journals()).toContain(oldest);
    expect(pendingIds(o)).toEqual(['a0', 'a1', 'b0']);
  });

  it('an old segment less than half pending is copied forward and deleted, order kept', async () => {
    const { o, oldest } = await oldSegmentKeeping(1);
    expect(await journals()).not.toContain(oldest);
    expect(pendingIds(o)).toEqual(['a0', 'b0']);
  });

  it('an old segment with nothing pending is deleted', async () => {
    const { o, oldest } = await oldSegmentKeeping(0);
    expect(await journals()).not.toContain(oldest);
    expect(pendingIds(o)).toEqual(['b0']);
  });
});
