import { mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Outbox } from './outbox/outbox.ts';
import { BLOCK, SequenceFile } from './sequence.ts';
import { StorageFullError } from './storage/errors.ts';
import { nodeFileIo, type FileIo } from './storage/file-io.ts';
import { SimulatedDisk } from './storage/simulated-disk.ts';

const fresh = async () => join(await mkdtemp(join(tmpdir(), 'seq-')), 'state', 'sequence');

describe('sequence file', () => {
  it('counts from 1 and reserves blocks on disk ahead of use', async () => {
    const path = await fresh();
    const seq = await SequenceFile.open(path);
    expect(await seq.next()).toBe(1n);
    expect(await seq.next()).toBe(2n);
    expect(await readFile(path, 'utf8')).toBe(`${1n + BLOCK}\n`);
  });

  it('never repeats a number after a restart, even one that reserved and used nothing', async () => {
    const path = await fresh();
    const seen: bigint[] = [];
    for (let run = 0; run < 3; run++) {
      const seq = await SequenceFile.open(path); // each run "crashes": nothing is closed
      for (let i = 0; i < (run === 1 ? 0 : 1500); i++) seen.push(await seq.next());
    }
    for (let i = 1; i < seen.length; i++) expect(seen[i]! > seen[i - 1]!).toBe(true);
    expect(new Set(seen).size).toBe(seen.length);
  });

  it('refuses a damaged file rather than restarting at 1', async () => {
    const path = await fresh();
    await SequenceFile.open(path);
    await writeFile(path, 'garbage');
    await expect(SequenceFile.open(path)).rejects.toThrow(/does not hold a sequence number/);
    // A number with anything before or after it is damaged too.
    for (const text of ['x1001\n', '1001x\n']) {
      await writeFile(path, text);
      await expect(SequenceFile.open(path)).rejects.toThrow(/does not hold a sequence number/);
    }
  });

  it('a fresh file is no gap', async () => {
    const seq = await SequenceFile.open(await fresh());
    expect(seq.resumed).toEqual({ next: 1n, afterGap: false });
  });

  it('after a crash within the reserved block writes nothing until that block is used up', async () => {
    const path = await fresh();
    const first = await SequenceFile.open(path);
    for (let i = 0; i < 5; i++) await first.next();
    const again = await SequenceFile.open(path, { used: 5n });
    expect(await again.next()).toBe(6n);
    expect(await readFile(path, 'utf8')).toBe(`${1n + BLOCK}\n`);
  });

  it('after a crash continues right after the last scan stored (930 → 931, not 1001), also once all were receipted and compacted', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'seq-'));
    const start = async () => {
      const outbox = await Outbox.open({ dir: join(dir, 'outbox'), segmentBytes: 4096 });
      return { outbox, seq: await SequenceFile.open(join(dir, 'sequence'), { used: outbox.highWaterMark }) };
    };
    let { outbox, seq } = await start();
    for (let i = 0; i < 930; i++) {
      const n = await seq.next();
      await outbox.append(`scan-${n}`, new Uint8Array(40), { mark: n });
    }
    // kill -9: nothing is closed.
    ({ outbox, seq } = await start());
    expect(seq.resumed).toEqual({ next: 931n, afterGap: false });
    expect(await seq.next()).toBe(931n);
    await outbox.append('scan-931', new Uint8Array(40), { mark: 931n });
    // Every scan receipted, and enough unmarked traffic that the segments holding them are deleted.
    for (const p of [...outbox.pending()]) await outbox.retire(p.id);
    for (let i = 0; i < 200; i++) {
      await outbox.append(`other-${i}`, new Uint8Array(40));
      await outbox.retire(`other-${i}`);
    }
    expect((await readdir(join(dir, 'outbox'))).filter((n) => n.endsWith('.journal')).sort()[0]).not.toBe('0000000000000001.journal');
    ({ outbox, seq } = await start());
    expect(await seq.next()).toBe(932n);
  });

  it('continues at the reserved ceiling when the journal holds no number (documented gap)', async () => {
    const path = await fresh();
    const first = await SequenceFile.open(path);
    expect(await first.next()).toBe(1n);
    const again = await SequenceFile.open(path, { used: null });
    expect(again.resumed).toEqual({ next: 1n + BLOCK, afterGap: true });
    expect(await again.next()).toBe(1n + BLOCK);
  });

  it('a full disk: the reservation throws StorageFullError, leaves no sequence.tmp, and works again once there is room', async () => {
    const disk = new SimulatedDisk(['/data']);
    const seq = await SequenceFile.open('/data/sequence', { io: disk.process() });
    disk.capacityBytes = 0;
    const error = await seq.next().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StorageFullError);
    expect(error).toMatchObject({ code: 'disk-full', errno: 'ENOSPC', message: expect.stringMatching(/sequence numbers/) });
    expect([...disk.files('/data').keys()]).toEqual([]);
    // A restart on the still-full disk opens (nothing to write) and refuses the same way.
    const restarted = await SequenceFile.open('/data/sequence', { io: disk.process() });
    await expect(restarted.next()).rejects.toBeInstanceOf(StorageFullError);
    disk.capacityBytes = Infinity;
    expect(await restarted.next()).toBe(1n);
  });

  it('any other failure of the reservation is thrown as it is, not as a full disk', async () => {
    const broken = Object.assign(new Error('I/O error'), { code: 'EIO' });
    const io: FileIo = { ...nodeFileIo, rename: () => Promise.reject(broken) };
    const path = await fresh();
    const seq = await SequenceFile.open(path, { io });
    await expect(seq.next()).rejects.toBe(broken);
    expect(await readdir(join(path, '..'))).toEqual([]);
  });

  it('removes a sequence.tmp a crash left behind', async () => {
    const path = await fresh();
    await SequenceFile.open(path);
    await writeFile(`${path}.tmp`, '');
    await SequenceFile.open(path);
    expect(await readdir(join(path, '..'))).not.toContain('sequence.tmp');
  });
});
