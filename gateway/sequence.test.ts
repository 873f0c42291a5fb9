import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BLOCK, SequenceFile } from './sequence.ts';

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
  });
});
