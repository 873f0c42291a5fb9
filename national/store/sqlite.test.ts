import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { newOrderCode } from '../order-code.ts';
import { checkScan } from '../scan-check.ts';
import { gs1Raw, HIP_STEM, LENS, scanEvent } from '../test-support.ts';
import { MIGRATIONS } from './migrations.ts';
import { databaseAtVersion, OLD_CASE_CODE, OLD_SCAN_CODE } from './old-schema.test-support.ts';
import { openSqliteStore } from './sqlite.ts';
import { CodeSpaceExhausted, type NewScan, type ResolvedMetadata } from './store.ts';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'national-store-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function newScan(raw = gs1Raw(LENS), over: Parameters<typeof scanEvent>[1] = {}): NewScan {
  const c = checkScan(scanEvent(raw, over), 'sahlgrenska');
  if (!c.ok) throw new Error(c.messageCode);
  return c.scan;
}

const META: ResolvedMetadata = {
  status: 'complete',
  product: { name: 'P', manufacturer: 'M', modelName: null, modelNumber: null, deviceClass: 'III', deviceType: null },
  source: 'catalogue',
  sources: [{ name: 'catalogue', outcome: 'found' }],
  resolvedAtMs: 5,
};

describe('SQLite store', () => {
  test('creates the schema at the latest version, WAL, and keeps data across reopen', () => {
    const path = join(dir, 'n.sqlite');
    const store = openSqliteStore(path);
    const [o] = store.ingest([newScan()], 1000);
    store.close();
    const db = new Database(path);
    expect(db.pragma('user_version', { simple: true })).toBe(MIGRATIONS.length);
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    db.close();
    const again = openSqliteStore(path);
    expect(again.getScan(o!.scan.scanId)).toMatchObject({ orderCode: o!.scan.orderCode, receivedAtMs: 1000, metadata: null });
    again.close();
  });

  test('grouped work is committed when it resolves; the connection leaves the fsync to the group (synchronous=NORMAL)', async () => {
    const path = join(dir, 'n.sqlite');
    const store = openSqliteStore(path);
    const reader = new Database(path, { readonly: true });
    try {
      const [a, b] = await Promise.all([store.grouped(() => store.ingest([newScan()], 1000)), store.grouped(() => store.ingest([newScan()], 1000))]);
      const count = reader.prepare<[], { n: number }>('SELECT count(*) AS n FROM scans').get()!.n;
      expect([a![0]!.kind, b![0]!.kind, count]).toEqual(['new', 'new', 2]);
    } finally {
      reader.close();
      store.close();
    }
    const db = new Database(path);
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    db.close();
  });

  test('migration 3: scans keep their codes and are found by them; order_codes keeps the case codes only', () => {
    const path = join(dir, 'n.sqlite');
    const s = newScan();
    databaseAtVersion(path, 2, s);
    const store = openSqliteStore(path);
    expect(store.findByCode(OLD_SCAN_CODE)).toMatchObject({ kind: 'scan', scan: { scanId: s.scanId, orderCode: OLD_SCAN_CODE, caseCode: OLD_CASE_CODE } });
    expect(store.findByCode(OLD_CASE_CODE)).toMatchObject({ kind: 'case', scans: [{ scanId: s.scanId }] });
    const [fresh] = store.ingest([newScan(gs1Raw(HIP_STEM), { caseId: 'k2' })], 2);
    expect(store.findByCode(fresh!.scan.orderCode)).toMatchObject({ kind: 'scan', scan: { scanId: fresh!.scan.scanId } });
    store.close();
    const db = new Database(path, { readonly: true });
    const codes = db.prepare<[], { code: string; kind: string }>('SELECT code, kind FROM order_codes ORDER BY kind, code').all();
    db.close();
    expect(codes).toEqual([OLD_CASE_CODE, fresh!.scan.caseCode].sort().map((code) => ({ code, kind: 'case' })));
  });

  test('a scan code is never one a case has, nor another scan’s: drawn again', () => {
    const store = openSqliteStore(':memory:', { newCode: () => draws.shift()! });
    const [a, b, c] = ['AAAAAAAA', 'BBBBBBBB', 'CCCCCCCC'];
    const draws = [a, b, a, b, c]; // case a, scan b; then a scan of the same case: a and b taken, c
    const [first] = store.ingest([newScan()], 1);
    const [second] = store.ingest([newScan(gs1Raw(HIP_STEM))], 1);
    expect([first!.scan.caseCode, first!.scan.orderCode, second!.scan.caseCode, second!.scan.orderCode]).toEqual([a, b, a, c]);
    store.close();
  });

  test('refuses a database from newer software', () => {
    const path = join(dir, 'n.sqlite');
    const db = new Database(path);
    db.pragma(`user_version = ${MIGRATIONS.length + 1}`);
    db.close();
    expect(() => openSqliteStore(path)).toThrow(/schema version/);
  });

  test('a colliding code is drawn again; an exhausted space is an error, and the batch is not half-stored', () => {
    const fixed = newOrderCode();
    const draws = [fixed, fixed, fixed, newOrderCode()];
    const store = openSqliteStore(':memory:', { newCode: () => draws.shift() ?? fixed });
    const [first] = store.ingest([newScan()], 1); // case code = fixed, scan code = the 4th draw … after two collisions
    expect(first!.scan.caseCode).toBe(fixed);
    expect(first!.scan.orderCode).not.toBe(fixed);
    const a = newScan(gs1Raw(HIP_STEM), { caseId: 'other-case' });
    expect(() => store.ingest([newScan(gs1Raw(LENS, 'B')), a], 2)).toThrow(CodeSpaceExhausted);
    expect(store.getScan(a.scanId)).toBeNull();
    store.close();
  });

  test('existing ids come back with their first content; the same id twice in a batch is stored once', () => {
    const store = openSqliteStore(':memory:');
    const s = newScan();
    const out = store.ingest([s, s, { ...s, fingerprint: 'f'.repeat(64) }], 1);
    expect(out.map((o) => o.kind)).toEqual(['new', 'existing', 'existing']);
    expect(out.map((o) => o.kind === 'existing' && o.sameContent)).toEqual([false, true, false]);
    expect(new Set(out.map((o) => o.scan.orderCode)).size).toBe(1);
    store.close();
  });

  test('cases group by site, theatre and case id; codes find scans and cases', () => {
    const store = openSqliteStore(':memory:');
    const [a, b, c] = store.ingest([newScan(gs1Raw(LENS), { caseId: 'k1', scannedAtMs: 20 }), newScan(gs1Raw(HIP_STEM), { caseId: 'k1', scannedAtMs: 10 }), newScan(gs1Raw(LENS), { caseId: 'k2' })], 1);
    expect(a!.scan.caseCode).toBe(b!.scan.caseCode);
    expect(c!.scan.caseCode).not.toBe(a!.scan.caseCode);
    const found = store.findByCode(a!.scan.caseCode);
    expect(found?.kind).toBe('case');
    expect(found?.kind === 'case' && found.scans.map((s) => s.di)).toEqual([HIP_STEM, LENS]); // scan order
    expect(store.findByCode(a!.scan.orderCode)).toMatchObject({ kind: 'scan', scan: { scanId: a!.scan.scanId } });
    expect(store.findByCode('00000000')).toBeNull();
    store.close();
  });

  test('pending scans, stored metadata, voiding (idempotent), and the access log pages', () => {
    const store = openSqliteStore(':memory:');
    const [a, b] = store.ingest([newScan(), newScan(gs1Raw(HIP_STEM))], 1);
    expect(store.pendingScans(10).map((p) => p.scanId)).toEqual([a!.scan.scanId, b!.scan.scanId]);
    store.saveMetadata([a!.scan.scanId], META);
    expect(store.pendingScans(10).map((p) => p.scanId)).toEqual([b!.scan.scanId]);
    expect(store.getScan(a!.scan.scanId)?.metadata).toEqual(META);
    expect(store.voidScan(a!.scan.scanId, 7)?.voidedAtMs).toBe(7);
    expect(store.voidScan(a!.scan.scanId, 9)?.voidedAtMs).toBe(7);
    expect(store.voidScan('019b76da-a800-7a3e-9c41-5e2f8d01b7c3', 9)).toBeNull();
    const ids = [1, 2, 3].map((i) => store.appendAccess({ registryId: i === 2 ? 'r2' : 'r1', atMs: i, code: null, outcome: 'malformed', httpStatus: 400 }));
    expect(store.accessLog('r1', 0, 10).map((e) => e.id)).toEqual([ids[0], ids[2]]);
    expect(store.accessLog('r1', ids[0]!, 10).map((e) => e.id)).toEqual([ids[2]]);
    store.close();
  });
});
