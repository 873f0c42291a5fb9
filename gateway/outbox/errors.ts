// Why the outbox did not take a record. Each says what it means for the scan in theatre terms.

/** The outbox holds capacityBytes of scans without a receipt: the new scan is refused, none is lost. */
export class OutboxFullError extends Error {
  readonly code = 'outbox-full';
  constructor(capacityBytes: number) {
    super(`the outbox is full (${capacityBytes} bytes of scans wait for their receipt): this scan is refused, stored scans are kept`);
    this.name = 'OutboxFullError';
  }
}

/** The write or its fsync failed (disk full, I/O error): the scan was not stored. */
export class OutboxWriteError extends Error {
  readonly code = 'outbox-write-failed';
  constructor(
    readonly errno: string,
    cause: unknown,
  ) {
    super(`the outbox could not store the scan (${errno}): it is refused, stored scans are kept`, { cause });
    this.name = 'OutboxWriteError';
  }
}

export class OutboxClosedError extends Error {
  readonly code = 'outbox-closed';
  constructor() {
    super('the outbox is closed');
    this.name = 'OutboxClosedError';
  }
}
