// Files the CA host must never leave half-written (the ledger, the CRL, the ACL): written to a
// temporary file beside the target, fsynced, renamed over it, and the directory fsynced, so after a
// crash or power cut the file is either the old one or the new one, whole.
//   await writeFileAtomic('/var/lib/implant-scan-ca/ledger.json', text, 0o600)
// And one provisioning step at a time on a CA directory (a daily `crl` must not lose a `revoke`):
//   await withLock(caDir, async () => { …read, change, write the ledger… })

import { constants } from 'node:fs';
import { open, readFile, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { ProvisioningError } from './subject.ts';

export async function writeFileAtomic(path: string, data: string, mode = 0o644): Promise<void> {
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.tmp`);
  const file = await open(tmp, 'w', mode);
  try {
    await file.writeFile(data);
    await file.sync();
  } finally {
    await file.close();
  }
  await rename(tmp, path);
  await syncDirectory(dirname(path));
}

/** Makes a rename durable. Some filesystems refuse fsync on a directory; the rename stands anyway. */
async function syncDirectory(dir: string): Promise<void> {
  const handle = await open(dir, constants.O_RDONLY);
  try {
    await handle.sync().catch(() => {});
  } finally {
    await handle.close();
  }
}

const isAlive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
};

/** Runs `body` holding dir/.lock (O_EXCL; a lock left by a process that is gone is taken over). */
export async function withLock<T>(dir: string, body: () => Promise<T>): Promise<T> {
  const lock = join(dir, '.lock');
  for (let attempt = 0; ; attempt++) {
    try {
      const handle = await open(lock, 'wx', 0o600);
      await handle.writeFile(`${process.pid}\n`);
      await handle.close();
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST' || attempt > 0) throw e;
      const holder = Number((await readFile(lock, 'utf8').catch(() => '')).trim());
      if (Number.isInteger(holder) && holder > 0 && isAlive(holder)) throw new ProvisioningError(`another provisioning step (process ${holder}) is working on ${dir}: wait for it`);
      await rm(lock, { force: true });
    }
  }
  try {
    return await body();
  } finally {
    await rm(lock, { force: true });
  }
}
