// The storage errors every durable store of the gateway shares.

/** The errno values that mean "no room": the disk, the quota, or the file size limit. */
export const NO_SPACE = new Set(['ENOSPC', 'EDQUOT', 'EFBIG']);

export function isNoSpace(e: unknown): boolean {
  return NO_SPACE.has((e as NodeJS.ErrnoException | null)?.code ?? '');
}

/**
 * The disk (or quota, or file size limit) is full: nothing was changed on disk, what was stored
 * before is kept, and the operation can succeed again once there is room. `errno` has the same
 * name and meaning as on the outbox's OutboxWriteError, so one check maps both to a refusal.
 */
export class StorageFullError extends Error {
  readonly code = 'disk-full';
  readonly errno: string;
  constructor(what: string, cause: unknown) {
    const errno = (cause as NodeJS.ErrnoException | null)?.code ?? 'ENOSPC';
    super(`${what}: the disk is full (${errno}); stored data is kept, this is refused until there is room`, { cause });
    this.name = 'StorageFullError';
    this.errno = errno;
  }
}
