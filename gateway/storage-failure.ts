// Why the gateway's storage (the outbox, the sequence file) could not take a scan, as a refusal:
//   storageRefusal(new OutboxFullError(…))                 → 'outbox-full'
//   storageRefusal(Object.assign(err, { code: 'ENOSPC' }))  → 'disk-full'
//   storageRefusal(new Error('EIO …'))                      → 'storage-error'
// Errors are told apart by their `code` (and the outbox's `errno`), never by their message, so the
// plain Node errors of the file layer and the storage layer's typed ones read the same.

/** The disk, the user's quota or the process's file size limit is reached. */
const DISK_FULL_CODES = new Set(['disk-full', 'ENOSPC', 'EDQUOT', 'EFBIG']);

export type StorageRefusal = 'disk-full' | 'outbox-full' | 'storage-error';

function codesOf(e: unknown): string[] {
  const codes: string[] = [];
  // A wrapper (OutboxWriteError) carries the errno of its cause; look one level down as well.
  for (let x = e, depth = 0; typeof x === 'object' && x !== null && depth < 3; x = (x as { cause?: unknown }).cause, depth++) {
    for (const key of ['code', 'errno'] as const) {
      const v = (x as Record<string, unknown>)[key];
      if (typeof v === 'string') codes.push(v);
    }
  }
  return codes;
}

export function isDiskFull(e: unknown): boolean {
  return codesOf(e).some((c) => DISK_FULL_CODES.has(c));
}

export function storageRefusal(e: unknown): StorageRefusal {
  if (isDiskFull(e)) return 'disk-full';
  if (codesOf(e).includes('outbox-full') || (e as Error | null)?.name === 'OutboxFullError') return 'outbox-full';
  return 'storage-error';
}

/** What staff read on the station page for each; none names a file or quotes the scan. */
export const STORAGE_MESSAGES: Readonly<Record<StorageRefusal, string>> = {
  'disk-full': 'The gateway disk is full: this scan was NOT recorded. Scans already recorded are kept. Call IT.',
  'outbox-full': 'The gateway storage is full (too many scans wait for the national service): this scan was NOT recorded. Call IT.',
  'storage-error': 'The gateway could not store this scan: it was NOT recorded. Call IT.',
};
