// Group commit for one better-sqlite3 connection: work queued in the same turn of the event loop
// runs in one transaction, each piece in its own savepoint, and one COMMIT (with synchronous=FULL,
// one WAL fsync) makes all of it durable.
//   const group = new GroupCommit(db);
//   const id = await group.run(() => insertRow.run(…).lastInsertRowid);   // resolves after COMMIT
//
// A COMMIT blocks the thread while it fsyncs; requests that arrive meanwhile wait in the kernel and
// are read in the next turn, so under load each commit carries all that came during the last one.
// Nothing resolves before the COMMIT returned: a caller answers only what is on disk. A piece
// that throws is undone alone (its savepoint) and rejects; a COMMIT that fails rejects them all.

import type Database from 'better-sqlite3';

interface Queued {
  work: () => unknown;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

type Outcome = { ok: true; value: unknown } | { ok: false; error: unknown };

export class GroupCommit {
  /** Transactions committed, and pieces of work they carried (for tests and metrics). */
  readonly stats = { commits: 0, pieces: 0 };
  private queue: Queued[] = [];
  private readonly inSavepoint: (work: () => unknown) => unknown;
  private readonly inTransaction: (batch: readonly Queued[]) => Outcome[];

  constructor(db: Database.Database) {
    // Called inside a transaction, a better-sqlite3 transaction function is a savepoint.
    this.inSavepoint = db.transaction((work: () => unknown) => work());
    this.inTransaction = db.transaction((batch: readonly Queued[]) =>
      batch.map((q): Outcome => {
        // A failed piece may have made SQLite roll back the whole transaction (a full disk, an I/O
        // error): the rest would then run outside it, so it does not run; the COMMIT then fails.
        if (!db.inTransaction) return { ok: false, error: new Error('the group transaction was rolled back') };
        try {
          return { ok: true, value: this.inSavepoint(q.work) };
        } catch (error) {
          return { ok: false, error };
        }
      }),
    );
  }

  /** `work` (synchronous calls on the connection) in the next group; its result once committed. */
  run<T>(work: () => T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      if (this.queue.length === 0) setImmediate(() => this.flush());
      this.queue.push({ work, resolve: resolve as (value: unknown) => void, reject });
    });
  }

  private flush(): void {
    const batch = this.queue;
    this.queue = [];
    let outcomes: Outcome[];
    try {
      outcomes = this.inTransaction(batch);
    } catch (error) {
      for (const q of batch) q.reject(error); // the COMMIT failed: none of it is on disk
      return;
    }
    this.stats.commits++;
    this.stats.pieces += batch.length;
    batch.forEach((q, i) => {
      const o = outcomes[i]!;
      if (o.ok) q.resolve(o.value);
      else q.reject(o.error);
    });
  }
}
