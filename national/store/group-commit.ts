// Group commit for one better-sqlite3 connection: work queued in the same turn of the event loop
// runs in one transaction, each piece in its own savepoint, and one COMMIT and one fdatasync of
// the WAL make all of it durable.
//   const group = new GroupCommit(db, () => fdatasync(walFd));
//   const id = await group.run(() => insertRow.run(…).lastInsertRowid);   // resolves once durable
//
// The connection runs with synchronous=NORMAL: its COMMIT writes the transaction's frames to the
// WAL without waiting for the disk, and `sync` (an fdatasync of the WAL file on the thread pool)
// makes them durable, as synchronous=FULL would at the COMMIT, but without blocking the thread:
// the next group is read, checked and committed while the disk works. One sync runs at a time, and
// it covers every group committed before it started: the groups that commit while it runs share
// the next one (not a sync each, one after the other). A group resolves only after its covering
// sync and every earlier one succeeded (WAL frames are checksummed in a chain: a lost earlier
// frame makes later ones unreadable). After a failed sync nothing resolves any more (the kernel
// may have dropped the unwritten pages): a restart reads what really is on disk. A piece that throws is undone alone (its savepoint) and rejects; a COMMIT
// that fails rejects them all. Nothing resolves before it is on disk: a caller answers only that.

import type Database from 'better-sqlite3';

interface Queued {
  work: () => unknown;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

type Outcome = { ok: true; value: unknown } | { ok: false; error: unknown };

/** A committed group waiting for a sync that covers it. */
interface Committed {
  answer: () => void;
  fail: (error: unknown) => void;
}

export class GroupCommit {
  /** Transactions committed, and pieces of work they carried (for tests and metrics). */
  readonly stats = { commits: 0, pieces: 0 };
  private queue: Queued[] = [];
  /** Groups committed since the running sync started (that sync does not cover them). */
  private unsynced: Committed[] = [];
  private syncing = false;
  private failed: unknown = null;
  private readonly inSavepoint: (work: () => unknown) => unknown;
  private readonly inTransaction: (batch: readonly Queued[]) => Outcome[];

  /** `sync`: makes every COMMIT so far durable (null: the connection's own COMMIT does, or nothing can). */
  constructor(
    db: Database.Database,
    private readonly sync: (() => Promise<void>) | null = null,
  ) {
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
    if (this.failed !== null) return void batch.forEach((q) => q.reject(this.failed));
    let outcomes: Outcome[];
    try {
      outcomes = this.inTransaction(batch);
    } catch (error) {
      for (const q of batch) q.reject(error); // the COMMIT failed: none of it is on disk
      return;
    }
    this.stats.commits++;
    this.stats.pieces += batch.length;
    const answer = () =>
      batch.forEach((q, i) => {
        const o = outcomes[i]!;
        if (o.ok) q.resolve(o.value);
        else q.reject(o.error);
      });
    if (this.sync === null) return answer();
    this.unsynced.push({ answer, fail: (error) => batch.forEach((q) => q.reject(error)) });
    if (!this.syncing) this.startSync(this.sync);
  }

  /** One sync for every group committed so far; when it is done, the next for those committed meanwhile. */
  private startSync(sync: () => Promise<void>): void {
    const covered = this.unsynced;
    this.unsynced = [];
    this.syncing = true;
    Promise.resolve()
      .then(sync)
      .then(
        () => {
          this.syncing = false;
          for (const c of covered) c.answer();
          if (this.unsynced.length > 0) this.startSync(sync);
        },
        (error: unknown) => {
          this.failed ??= error; // nothing resolves any more, here or in a later group
          this.syncing = false;
          const all = [...covered, ...this.unsynced];
          this.unsynced = [];
          for (const c of all) c.fail(error);
        },
      );
  }
}
