import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { BirthSeqStoreError, FileBirthSeqStore, MemoryBirthSeqStore } from './birth-seq-store.ts';

describe('FileBirthSeqStore', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'birth-seq-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  test('0 before the first save; then the last saved number, across instances (restarts)', async () => {
    const path = join(dir, 'state', 'birth-seq'); // the folder is created on the first save
    expect(await new FileBirthSeqStore(path).load()).toBe(0n);
    await new FileBirthSeqStore(path).save(41n);
    const store = new FileBirthSeqStore(path);
    expect(await store.load()).toBe(41n);
    await store.save(2n ** 64n - 1n);
    expect(await new FileBirthSeqStore(path).load()).toBe(2n ** 64n - 1n);
    expect(await readFile(path, 'utf8')).toBe('18446744073709551615\n');
  });

  test('replaced by rename: no temporary file is left behind', async () => {
    const path = join(dir, 'birth-seq');
    const store = new FileBirthSeqStore(path);
    await Promise.all([1n, 2n, 3n, 4n].map((n) => store.save(n)));
    expect(await store.load()).toBe(4n); // saves are serialised in call order
    expect(await readdir(dir)).toEqual(['birth-seq']);
  });

  test('a damaged file is an error that says how to fix it, not a silent restart from 0', async () => {
    const path = join(dir, 'birth-seq');
    for (const content of ['', 'abc\n', '-1\n', '12 13\n', '99999999999999999999\n', '007\n']) {
      await writeFile(path, content);
      const error = await new FileBirthSeqStore(path).load().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(BirthSeqStoreError);
      expect((error as Error).message).toMatch(/larger than any birthSeq/);
    }
  });

  test('numbers outside uint64 are refused', async () => {
    const store = new FileBirthSeqStore(join(dir, 'birth-seq'));
    await expect(store.save(-1n)).rejects.toThrow(RangeError);
    await expect(store.save(2n ** 64n)).rejects.toThrow(RangeError);
  });
});

test('MemoryBirthSeqStore keeps the number for the life of the process', async () => {
  const store = new MemoryBirthSeqStore(5n);
  expect(await store.load()).toBe(5n);
  await store.save(6n);
  expect(await store.load()).toBe(6n);
});
