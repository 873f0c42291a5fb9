// Small state files (the sequence ceiling, the birth sequence number), replaced whole: write a
// temporary file, fsync it, rename it over the old one, fsync the directory.

import { join } from 'node:path';
import type { FileIo } from './file-io.ts';

/** Writes a small file whole and fsyncs it (the caller renames it into place). */
export async function writeDurably(io: FileIo, path: string, text: string): Promise<void> {
  const bytes = Buffer.from(text, 'utf8');
  const fd = await io.open(path, 'w', 0o644);
  try {
    let done = 0;
    while (done < bytes.length) done += await io.write(fd, bytes, done, bytes.length - done, done);
    await io.fsync(fd);
  } finally {
    await io.close(fd);
  }
}

/** Removes temporary files a crash or a full disk left behind (by exact name or by a test). */
export async function removeStale(io: FileIo, dir: string, names: string[], match?: (name: string) => boolean): Promise<void> {
  let present: string[];
  try {
    present = await io.readdir(dir);
  } catch {
    return;
  }
  for (const name of present) {
    if (names.includes(name) || match?.(name)) await io.unlink(join(dir, name)).catch(() => undefined);
  }
}
