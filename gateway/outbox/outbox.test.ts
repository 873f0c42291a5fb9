import { appendFile, mkdtemp, readdir, readFile, rm, stat, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { nodeFileIo, type FileIo } from '../storage/file-io.ts';
import { Outbox, OutboxClosedError, OutboxFullError, OutboxWriteError } from './outbox.ts';
import { scaledRuns } from './runs.test-support.ts';

let dir: string;
const open: Outbox[] = [];
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'outbox-'));
});
afterEach(async () => {
  for (const o of open.splice(0)) await o.close();
  await rm(dir, { recursive: true, force: true });
});

async function openOutbox(options: Partial<Parameters<typeof Outbox.open>[0]> = {}): Promise<Outbox> {
  const o = await Outbox.open({ dir, ...options });
  open.push(o);
  return o;
}

const payload = (i: number, size = 40) => new Uint8Array(size).fill(i % 256);
const contents = (o: Outbox) => [...o.pending()].map((p) => ({ id: p.id, payload: [...p.payload] }));

/** Real file operations, counted, with a fault the test arms. */
function faultyIo(): FileIo & { syncs: number; failWriteAfter: number | null; failWriteCode: string; failSync: boolean } {
  const io = {
    ...nodeFileIo,
    syncs: 0,
    failWriteAfter: null as number | null,
    failWriteCode: 'ENOSPC',
    failSync: false,
    async write(fd: number, buffer: Uint8Array, offset: number, length: number, position: number): Promise<number> {
      let n = length;
      if (io.failWriteAfter !== null) {
        if (io.failWriteAfter === 0) throw Object.assign(new Error('no space left on device'), { code: io.failWriteCode });
        n = Math.min(length, io.failWriteAfter);
        io.failWriteAfter -= n;
      }
      return nodeFileIo.write(fd, buffer, offset, n, position);
    },
    async fdatasync(fd: number): Promise<void> {
      if (io.failSync) throw Object.assign(new Error('I/O error'), { code: 'EIO' });
      io.syncs++;
      await nodeFileIo.fdatasync(fd);
    },
  };
  return io;
}

async function segmentFiles(): Promise<string[]> {
  return (await readdir(dir)).filter((n) => n.endsWith('.journal')).sort();
}

describe('Outbox', () => {
  it('keeps appended records across a restart, oldest first, until they are retired', async () => {
    const a = await openOutbox();
    await a.append('scan-1', payload(1));
    await a.append('scan-2', payload(2));
    await a.append('scan-3', payload(3));
    await a.retire('scan-2');
    expect(a.depth).toBe(2);
    await a.close();

    const b = await openOutbox();
    expect(b.recovery).toMatchObject({ pending: 2, tornBytes: 0, damagedSegments: [] });
    expect(contents(b)).toEqual([
      { id: 'scan-1', payload: [...payload(1)] },
      { id: 'scan-3', payload: [...payload(3)] },
    ]);
  });

  it('writes a burst with one fdatasync per batch (group commit), not one per scan', async () => {
    const io = faultyIo();
    const o = await openOutbox({ io });
    const before = io.syncs;
    await Promise.all(Array.from({ length: 100 }, (_, i) => o.append(`s${i}`, payload(i))));
    // The first append starts a write at once; the other 99 arrive while it runs and share the next.
    expect(io.syncs - before).toBe(2);
    expect(o.depth).toBe(100);
  });

  it('appending an id that is pending or queued writes it once', async () => {
    const o = await openOutbox();
    await Promise.all([o.append('same', payload(1)), o.append('same', payload(2))]);
    await o.append('same', payload(3));
    expect(contents(o)).toEqual([{ id: 'same', payload: [...payload(1)] }]);
    await o.close();
    const again = await openOutbox();
    expect(again.depth).toBe(1);
  });

  it('drops only a torn tail: the whole records before it survive and new ones follow', async () => {
    const a = await openOutbox();
    for (let i = 0; i < 5; i++) await a.append(`s${i}`, payload(i));
    await a.close();
    const [file] = await segmentFiles();
    const path = join(dir, file!);
    const size = (await stat(path)).size;
    await truncate(path, size - 7); // the last record cut short, as a power cut mid-write leaves it

    const b = await openOutbox();
    expect(b.recovery.tornBytes).toBeGreaterThan(0);
    expect([...b.pending()].map((p) => p.id)).toEqual(['s0', 's1', 's2', 's3']);
    await b.append('after', payload(9));
    await b.close();

    const c = await openOutbox();
    expect(c.recovery.tornBytes).toBe(0);
    expect([...c.pending()].map((p) => p.id)).toEqual(['s0', 's1', 's2', 's3', 'after']);
  });

  it('treats garbage after the last record as a torn tail too', async () => {
    const a = await openOutbox();
    await a.append('kept', payload(1));
    await a.close();
    await appendFile(join(dir, (await segmentFiles())[0]!), Buffer.from([0x20, 0, 0, 0, 1, 2, 3, 4, 5, 6]));
    const b = await openOutbox();
    expect(b.recovery.tornBytes).toBe(10);
    expect([...b.pending()].map((p) => p.id)).toEqual(['kept']);
  });

  it('refuses new scans when full, keeps every stored one, and takes new ones once scans are retired', async () => {
    const o = await openOutbox({ capacityBytes: 600 });
    let stored = 0;
    let refusal: unknown;
    for (let i = 0; i < 100 && refusal === undefined; i++) {
      await o.append(`s${i}`, payload(i, 100)).then(
        () => stored++,
        (e: unknown) => (refusal = e),
      );
    }
    expect(refusal).toBeInstanceOf(OutboxFullError);
    expect(stored).toBeGreaterThan(0);
    expect(o.depth).toBe(stored);
    await o.retire('s0');
    await expect(o.append('sX', payload(1, 100))).resolves.toBeUndefined();
    expect(o.depth).toBe(stored);
  });

  it('rotates segments and compacts them: the journal stays bounded and keeps exactly the pending scans', async () => {
    const o = await openOutbox({ segmentBytes: 4096 });
    const model = new Map<string, number>();
    for (let i = 0; i < 2000; i++) {
      await o.append(`s${i}`, payload(i, 60));
      model.set(`s${i}`, i);
      // Most scans get their receipt soon; every 97th waits for a long time (a straggler).
      if (i >= 10 && (i - 10) % 97 !== 0) {
        await o.retire(`s${i - 10}`);
        model.delete(`s${i - 10}`);
      }
    }
    const pendingBytes = [...model.keys()].length * (8 + 1 + 8 + 1 + 5 + 60);
    expect(o.bytes).toBeLessThanOrEqual(2 * pendingBytes + 2 * 4096 + 4096);
    expect((await segmentFiles()).length).toBeLessThanOrEqual(2 * Math.ceil(pendingBytes / 4096) + 3);
    await o.close();
    const again = await openOutbox({ segmentBytes: 4096 });
    expect([...again.pending()].map((p) => p.id)).toEqual([...model.keys()]);
    for (const p of again.pending()) expect([...p.payload]).toEqual([...payload(model.get(p.id)!, 60)]);
  });

  it('a failed write (disk full) refuses that scan, cuts it off the file, and keeps the outbox usable', async () => {
    const io = faultyIo();
    const o = await openOutbox({ io });
    await o.append('before', payload(1));
    io.failWriteAfter = 20; // 20 bytes reach the disk, then ENOSPC
    const refused = await o.append('refused', payload(2)).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(OutboxWriteError);
    expect((refused as OutboxWriteError).errno).toBe('ENOSPC');
    expect(o.healthy).toBe(true);
    io.failWriteAfter = null; // space again
    await o.append('after', payload(3));
    await o.close();
    const again = await openOutbox();
    expect(again.recovery.tornBytes).toBe(0);
    expect([...again.pending()].map((p) => p.id)).toEqual(['before', 'after']);
  });

  it('a failed fsync makes the outbox unhealthy and refuses every later scan', async () => {
    const io = faultyIo();
    const o = await openOutbox({ io });
    io.failSync = true;
    await expect(o.append('a', payload(1))).rejects.toBeInstanceOf(OutboxWriteError);
    expect(o.healthy).toBe(false);
    io.failSync = false;
    await expect(o.append('b', payload(2))).rejects.toBeInstanceOf(OutboxWriteError);
  });

  it('moves files it does not know aside instead of replaying them', async () => {
    await writeFile(join(dir, 'notes.txt'), 'hello');
    await writeFile(join(dir, '0000000000000001.journal'), 'not a journal at all');
    const o = await openOutbox();
    expect(o.recovery.foreignFiles.sort()).toEqual(['0000000000000001.journal', 'notes.txt']);
    expect(o.depth).toBe(0);
    await o.append('x', payload(1));
    expect(await readFile(join(dir, 'notes.txt.foreign'), 'utf8')).toBe('hello');
  });

  it('refuses appends once closed', async () => {
    const o = await openOutbox();
    await o.close();
    await expect(o.append('late', payload(1))).rejects.toBeInstanceOf(OutboxClosedError);
  });

  it('matches a simple model over random appends, retires and restarts', async () => {
    type Op = { op: 'append'; size: number } | { op: 'retire'; pick: number } | { op: 'restart' };
    const opArb: fc.Arbitrary<Op> = fc.oneof(
      { weight: 5, arbitrary: fc.record({ op: fc.constant('append' as const), size: fc.nat({ max: 500 }) }) },
      { weight: 3, arbitrary: fc.record({ op: fc.constant('retire' as const), pick: fc.nat() }) },
      { weight: 1, arbitrary: fc.record({ op: fc.constant('restart' as const) }) },
    );
    let run = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(opArb, { maxLength: 60 }), async (ops) => {
        const runDir = join(dir, `run-${run++}`);
        const options = { dir: runDir, segmentBytes: 1024 };
        let o = await Outbox.open(options);
        const model = new Map<string, number>();
        let next = 0;
        try {
          for (const op of ops) {
            if (op.op === 'append') {
              const id = `s${next++}`;
              await o.append(id, payload(next, op.size));
              model.set(id, op.size);
            } else if (op.op === 'retire' && model.size > 0) {
              const id = [...model.keys()][op.pick % model.size]!;
              await o.retire(id);
              model.delete(id);
            } else if (op.op === 'restart') {
              await o.close();
              o = await Outbox.open(options);
            }
            expect(o.depth).toBe(model.size);
          }
          await o.close();
          o = await Outbox.open(options);
          expect([...o.pending()].map((p) => [p.id, p.payload.length])).toEqual([...model]);
          expect(o.bytes).toBeLessThanOrEqual(2 * [...model.values()].reduce((n, s) => n + s + 30, 0) + 3 * 1024);
        } finally {
          await o.close();
        }
      }),
      { numRuns: scaledRuns(60) },
    );
  });
});
