// A really full disk: a 512 KiB tmpfs mounted for the test (root only; skipped with a message
// otherwise). The outbox, the sequence file and the birth-seq store refuse cleanly with typed
// errors, leave no temporary files, open again on the full disk with every accepted scan readable,
// and take new work once space is freed.
import { execFileSync } from 'node:child_process';
import { mkdtemp, open, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FileBirthSeqStore } from '../mqtt/birth-seq-store.ts';
import { Outbox, OutboxWriteError } from '../outbox/outbox.ts';
import { SequenceFile } from '../sequence.ts';
import { StorageFullError } from './errors.ts';

let mnt = '';
let skipReason: string | null = null;

beforeAll(async () => {
  mnt = await mkdtemp(join(tmpdir(), 'disk-full-'));
  if (process.getuid?.() !== 0) {
    skipReason = 'not root: cannot mount a small tmpfs';
    return;
  }
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=512k', 'tmpfs', mnt], { stdio: 'pipe' });
  } catch (e) {
    skipReason = `mount -t tmpfs failed: ${(e as Error).message.split('\n')[0]}`;
  }
});
afterAll(async () => {
  // Lazy: a failed assertion may leave a file open; the mount goes once it is closed.
  if (!skipReason) execFileSync('umount', ['-l', mnt]);
  await rm(mnt, { recursive: true, force: true });
});

/** Writes a filler file until the disk refuses; returns its path. */
async function fill(path: string): Promise<void> {
  const file = await open(path, 'w');
  const chunk = Buffer.alloc(4096, 0xee);
  try {
    for (;;) await file.write(chunk);
  } catch (e) {
    expect((e as NodeJS.ErrnoException).code).toBe('ENOSPC');
  } finally {
    await file.close();
  }
}

const tempFiles = async () => (await readdir(mnt)).filter((n) => n.endsWith('.tmp'));

describe('storage on a full disk (real tmpfs)', () => {
  it('refuses loudly and cleanly, starts again on the full disk, and recovers when space returns', async (ctx) => {
    if (skipReason) {
      console.warn(`disk-full test skipped: ${skipReason}`);
      ctx.skip();
    }
    const outboxDir = join(mnt, 'outbox');
    const outbox = await Outbox.open({ dir: outboxDir, segmentBytes: 16 * 1024 });
    const seq = await SequenceFile.open(join(mnt, 'sequence'), { used: outbox.highWaterMark });
    const birth = new FileBirthSeqStore(join(mnt, 'birth-seq'));
    await birth.save(7n);
    const accepted: string[] = [];
    for (let i = 0; i < 20; i++) {
      const n = await seq.next();
      await outbox.append(`scan-${n}`, new Uint8Array(200).fill(i), { mark: n });
      accepted.push(`scan-${n}`);
    }
    await fill(join(mnt, 'filler'));

    // New scans are refused with the disk's reason (once the last allocated page is used); stored ones stay.
    let refused: unknown;
    for (let i = 0; i < 40 && refused === undefined; i++) {
      const n = await seq.next();
      await outbox.append(`scan-${n}`, new Uint8Array(200).fill(i), { mark: n }).then(
        () => accepted.push(`scan-${n}`),
        (e: unknown) => (refused = e),
      );
    }
    expect(refused).toBeInstanceOf(OutboxWriteError);
    expect((refused as OutboxWriteError).errno).toBe('ENOSPC');
    // The next block of sequence numbers and the birth number cannot be written: typed errors, no temporary files.
    for (let i = 0; i < 1000; i++) await seq.next().catch(() => undefined);
    await expect(seq.next()).rejects.toBeInstanceOf(StorageFullError);
    const birthError = await birth.save(8n).catch((e: unknown) => e);
    expect(birthError).toBeInstanceOf(StorageFullError);
    expect(birthError).toMatchObject({ code: 'disk-full', errno: 'ENOSPC' });
    expect(await tempFiles()).toEqual([]);
    await outbox.close();

    // A restart with the disk still full: everything opens, what was accepted can be published.
    const again = await Outbox.open({ dir: outboxDir, segmentBytes: 16 * 1024 });
    expect([...again.pending()].map((p) => p.id)).toEqual(accepted);
    const seqAgain = await SequenceFile.open(join(mnt, 'sequence'), { used: again.highWaterMark });
    expect(seqAgain.resumed.next).toBe(BigInt(accepted.length + 1));
    expect(await new FileBirthSeqStore(join(mnt, 'birth-seq')).load()).toBe(7n);
    await expect(again.append('still-refused', new Uint8Array(200))).rejects.toBeInstanceOf(OutboxWriteError);
    expect(await tempFiles()).toEqual([]);

    // Space again: new scans are taken.
    await rm(join(mnt, 'filler'));
    const n = await seqAgain.next();
    await again.append(`scan-${n}`, new Uint8Array(200), { mark: n });
    expect(again.depth).toBe(accepted.length + 1);
    await new FileBirthSeqStore(join(mnt, 'birth-seq')).save(8n);
    await again.close();
  });
});
