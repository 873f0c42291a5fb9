// GroupCommit on a real SQLite file (WAL, synchronous=FULL), read back through a second connection,
// which sees only what was committed.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { GroupCommit } from './group-commit.ts';

let dir: string;
let db: Database.Database;
let reader: Database.Database;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'group-commit-'));
  db = new Database(join(dir, 'g.sqlite'));
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.pragma('foreign_keys = ON');
  db.exec('CREATE TABLE parent (id INTEGER PRIMARY KEY)');
  // A deferred foreign key is checked at COMMIT: a row pointing nowhere makes the COMMIT itself fail,
  // as a disk error at the WAL write or fsync would.
  db.exec('CREATE TABLE rows (id INTEGER PRIMARY KEY, v TEXT NOT NULL, parent INTEGER REFERENCES parent (id) DEFERRABLE INITIALLY DEFERRED)');
  reader = new Database(join(dir, 'g.sqlite'), { readonly: true });
});
afterEach(() => {
  reader.close();
  db.close();
  rmSync(dir, { recursive: true, force: true });
});

const insert = (v: string, parent: number | null = null) => () => Number(db.prepare('INSERT INTO rows (v, parent) VALUES (?, ?)').run(v, parent).lastInsertRowid);
const committed = (): string[] => reader.prepare<[], { v: string }>('SELECT v FROM rows ORDER BY id').all().map((r) => r.v);

describe('GroupCommit', () => {
  it('work queued in one turn shares one commit, and each result arrives only once it is committed', async () => {
    const group = new GroupCommit(db);
    const seenAtResolve: string[][] = [];
    const pieces = ['a', 'b', 'c', 'd'].map((v) => group.run(insert(v)).then((id) => (seenAtResolve.push(committed()), id)));
    expect(committed()).toEqual([]); // nothing runs before the turn ends
    expect(await Promise.all(pieces)).toEqual([1, 2, 3, 4]);
    expect(group.stats).toEqual({ commits: 1, pieces: 4 });
    for (const seen of seenAtResolve) expect(seen).toEqual(['a', 'b', 'c', 'd']);
    await group.run(insert('e'));
    expect(group.stats).toEqual({ commits: 2, pieces: 5 });
  });

  it('a piece that throws is undone alone; the others commit', async () => {
    const group = new GroupCommit(db);
    const results = await Promise.allSettled([
      group.run(insert('a')),
      group.run(() => {
        insert('half')();
        throw new Error('refused halfway');
      }),
      group.run(insert('b')),
    ]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(committed()).toEqual(['a', 'b']);
  });

  it('a failed COMMIT rejects every piece of the group, and none of it is stored', async () => {
    const group = new GroupCommit(db);
    const results = await Promise.allSettled([group.run(insert('a')), group.run(insert('points nowhere', 99)), group.run(insert('b'))]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected', 'rejected']);
    expect(committed()).toEqual([]);
    // The connection is usable again for the next group.
    expect(await group.run(insert('c'))).toBeGreaterThan(0);
    expect(committed()).toEqual(['c']);
  });

  it('the groups committed while a sync runs share the next sync, which starts after it (not one sync each)', async () => {
    const syncs: { resolve: () => void; reject: (e: Error) => void }[] = [];
    const group = new GroupCommit(db, () => new Promise<void>((resolve, reject) => syncs.push({ resolve, reject })));
    const turn = () => new Promise((r) => setImmediate(r));
    const resolved: string[] = [];
    const done = (v: string) => () => void resolved.push(v);
    const first = group.run(insert('a')).then(done('a'));
    await turn();
    const later = [group.run(insert('b')).then(done('b'))];
    await turn();
    later.push(group.run(insert('c')).then(done('c')));
    await turn();
    expect(group.stats.commits).toBe(3);
    expect(syncs.length).toBe(1); // only the first group's sync runs; b and c wait, unanswered
    syncs.shift()!.resolve();
    await first;
    await turn();
    expect(syncs.length).toBe(1); // one sync covers b and c: both committed before it started
    expect(resolved).toEqual(['a']);
    syncs.shift()!.resolve();
    await turn();
    expect(resolved).toEqual(['a', 'b', 'c']);
    expect(syncs.length).toBe(0);
    await Promise.all(later);
  });

  it('with a sync (the WAL fdatasync): nothing resolves before it, and a failed sync rejects its group and every later one', async () => {
    const syncs: { resolve: () => void; reject: (e: Error) => void }[] = [];
    const group = new GroupCommit(db, () => new Promise<void>((resolve, reject) => syncs.push({ resolve, reject })));
    const resolved: string[] = [];
    const first = group.run(insert('a')).then(() => resolved.push('a'));
    await new Promise((r) => setImmediate(r));
    const second = group.run(insert('b')).then(() => resolved.push('b'));
    await new Promise((r) => setImmediate(r));
    expect(committed()).toEqual(['a', 'b']); // both committed (NORMAL: written, not yet synced) …
    expect(syncs.length).toBe(1); // … the second group's sync waits for the first's
    expect(resolved).toEqual([]);
    syncs.shift()!.resolve();
    await first;
    expect(resolved).toEqual(['a']);
    await new Promise((r) => setImmediate(r));
    syncs.shift()!.reject(Object.assign(new Error('EIO: i/o error, fdatasync'), { code: 'EIO' }));
    await expect(second).rejects.toThrow(/EIO/);
    await expect(group.run(insert('c'))).rejects.toThrow(/EIO/); // no answer after a failed sync
    expect(syncs.length).toBe(0);
    expect(resolved).toEqual(['a']);
  });
});
