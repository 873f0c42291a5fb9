// The SQLite store (better-sqlite3): one file, WAL journal. Durable writes go through grouped()
// (group-commit.ts): a group's promise resolves once its transaction is on disk, power loss
// included (an fdatasync of the WAL off the thread; the connection runs synchronous=NORMAL, so a
// write outside a group is durable once a later group resolves).
//   const store = openSqliteStore('national.sqlite');
//   store.ingest([scan], Date.now()) → [{ kind: 'new', scan: { orderCode: '7KQ4M9PX', … } }]

import { closeSync, fdatasync, openSync } from 'node:fs';
import { promisify } from 'node:util';
import Database from 'better-sqlite3';
import { MAX_DRAWS, newOrderCode } from '../order-code.ts';
import type { DiScheme } from '../sources/types.ts';
import { GroupCommit } from './group-commit.ts';
import { MIGRATIONS } from './migrations.ts';
import {
  CodeSpaceExhausted,
  type AccessEntry,
  type AccessOutcome,
  type CaseRecord,
  type CodeLookup,
  type IngestOutcome,
  type NationalStore,
  type NewScanWithMetadata,
  type PendingScan,
  type ResolvedMetadata,
  type StoredScan,
} from './store.ts';

const fdatasyncAsync = promisify(fdatasync);

export interface SqliteStoreOptions {
  /** The code generator (tests force collisions with it). */
  newCode?: () => string;
}

interface ScanRow {
  scan_id: string;
  order_code: string;
  case_code: string;
  fingerprint: string;
  site: string;
  theatre: string;
  gateway_id: string;
  case_id: string;
  sequence: string;
  scanned_at_ms: number;
  received_at_ms: number;
  historical: number;
  raw: Buffer;
  symbology: string | null;
  scheme: DiScheme;
  di: string;
  lot: string | null;
  serial: string | null;
  expiry: string | null;
  manufactured: string | null;
  carrier_hrf: string;
  voided_at_ms: number | null;
  metadata: string | null;
}

/** The INSERT's parameters, in the column order of the statement. */
type InsertScanRow = [
  string, string, string, string, string, string, string, string, string, number,
  number, number, Buffer, string | null, DiScheme, string, string | null, string | null, string | null, string | null,
  string, string | null, number | null,
];

function fromRow(r: ScanRow): StoredScan {
  return {
    scanId: r.scan_id,
    orderCode: r.order_code,
    caseCode: r.case_code,
    fingerprint: r.fingerprint,
    site: r.site,
    theatre: r.theatre,
    gatewayId: r.gateway_id,
    caseId: r.case_id,
    sequence: r.sequence,
    scannedAtMs: r.scanned_at_ms,
    receivedAtMs: r.received_at_ms,
    historical: r.historical === 1,
    raw: new Uint8Array(r.raw),
    symbology: r.symbology,
    scheme: r.scheme,
    di: r.di,
    lot: r.lot,
    serial: r.serial,
    expiry: r.expiry,
    manufactured: r.manufactured,
    carrierHrf: r.carrier_hrf,
    voidedAtMs: r.voided_at_ms,
    metadata: r.metadata === null ? null : (JSON.parse(r.metadata) as ResolvedMetadata),
  };
}

/** Opens (creating if need be) and migrates the database at `path` (':memory:' for tests). */
export function openSqliteStore(path: string, options: SqliteStoreOptions = {}): NationalStore {
  const db = new Database(path);
  let walFd: number | null = null;
  try {
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
    db.pragma('foreign_keys = ON');
    db.pragma('busy_timeout = 5000');
    migrate(db);
    let sync: (() => Promise<void>) | null = null;
    if (!db.memory) {
      // From here on the group commit's fdatasync of the WAL, off the thread, makes each group
      // durable (group-commit.ts), instead of an fsync inside every COMMIT. The WAL file is there
      // (migrate read the database) and stays while this connection is open.
      walFd = openSync(`${db.name}-wal`, 'r');
      const fd = walFd;
      sync = () => fdatasyncAsync(fd);
      db.pragma('synchronous = NORMAL');
    }
    return new SqliteStore(db, options.newCode ?? newOrderCode, sync, walFd);
  } catch (e) {
    db.close();
    if (walFd !== null) closeSync(walFd);
    throw e;
  }
}

export function migrate(db: Database.Database): void {
  const version = db.pragma('user_version', { simple: true }) as number;
  if (version > MIGRATIONS.length) throw new Error(`the database is at schema version ${version}; this software knows up to ${MIGRATIONS.length}`);
  for (let v = version; v < MIGRATIONS.length; v++) {
    db.transaction(() => {
      db.exec(MIGRATIONS[v]!);
      db.pragma(`user_version = ${v + 1}`);
    })();
  }
}

class SqliteStore implements NationalStore {
  private readonly s;
  private readonly ingestTransaction: (scans: readonly NewScanWithMetadata[], receivedAtMs: number) => IngestOutcome[];
  private readonly saveMetadataTx: (scanIds: readonly string[], metadata: ResolvedMetadata) => void;
  private readonly group: GroupCommit;

  constructor(
    private readonly db: Database.Database,
    private readonly newCode: () => string,
    sync: (() => Promise<void>) | null,
    private walFd: number | null,
  ) {
    this.s = {
      scanById: db.prepare<[string], ScanRow>('SELECT * FROM scans WHERE scan_id = ?'),
      scanByCode: db.prepare<[string], ScanRow>('SELECT * FROM scans WHERE order_code = ?'),
      scansOfCase: db.prepare<[string], ScanRow>('SELECT * FROM scans WHERE case_code = ? ORDER BY scanned_at_ms, scan_id'),
      // A code is taken if a scan has it (scans.order_code) or order_codes holds it (cases, and
      // the codes of scans no longer there): two reads, no write (migration 3).
      codeTaken: db.prepare<[string, string], { taken: 1 }>('SELECT 1 AS taken FROM scans WHERE order_code = ? UNION ALL SELECT 1 FROM order_codes WHERE code = ? LIMIT 1'),
      claimCaseCode: db.prepare<[string, number]>("INSERT INTO order_codes (code, kind, issued_at_ms) VALUES (?, 'case', ?)"),
      caseByKey: db.prepare<[string, string, string], { case_code: string }>('SELECT case_code FROM cases WHERE site = ? AND theatre = ? AND case_id = ?'),
      caseByCode: db.prepare<[string], { case_code: string; site: string; theatre: string; case_id: string; created_at_ms: number }>('SELECT * FROM cases WHERE case_code = ?'),
      insertCase: db.prepare<[string, string, string, string, number]>('INSERT INTO cases (case_code, site, theatre, case_id, created_at_ms) VALUES (?, ?, ?, ?, ?)'),
      // Positional parameters: binding a 23-key object by name costs more than the INSERT itself.
      insertScan: db.prepare<InsertScanRow>(
        `INSERT INTO scans (scan_id, order_code, case_code, fingerprint, site, theatre, gateway_id, case_id, sequence, scanned_at_ms,
           received_at_ms, historical, raw, symbology, scheme, di, lot, serial, expiry, manufactured, carrier_hrf, metadata, metadata_at_ms)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ),
      voidScan: db.prepare<[number, string]>('UPDATE scans SET voided_at_ms = ? WHERE scan_id = ? AND voided_at_ms IS NULL'),
      pending: db.prepare<[number], { scan_id: string; scheme: DiScheme; di: string }>('SELECT scan_id, scheme, di FROM scans WHERE metadata IS NULL ORDER BY received_at_ms LIMIT ?'),
      saveMetadata: db.prepare<[string, number, string]>('UPDATE scans SET metadata = ?, metadata_at_ms = ? WHERE scan_id = ?'),
      appendAccess: db.prepare<[string, number, string | null, string, number]>('INSERT INTO access_log (registry_id, at_ms, code, outcome, http_status) VALUES (?, ?, ?, ?, ?)'),
      accessLog: db.prepare<[string, number, number], { id: number; registry_id: string; at_ms: number; code: string | null; outcome: AccessOutcome; http_status: number }>(
        'SELECT * FROM access_log WHERE registry_id = ? AND id > ? ORDER BY id LIMIT ?',
      ),
    };
    this.group = new GroupCommit(db, sync);
    this.ingestTransaction = db.transaction((scans: readonly NewScanWithMetadata[], receivedAtMs: number) => this.ingestRows(scans, receivedAtMs));
    this.saveMetadataTx = db.transaction((scanIds: readonly string[], metadata: ResolvedMetadata) => {
      const json = JSON.stringify(metadata);
      for (const id of scanIds) this.s.saveMetadata.run(json, metadata.resolvedAtMs, id);
    });
  }

  /** A fresh code: random, drawn again while it collides with one issued before. The caller stores it
   * (in scans, or in order_codes for a case) in the same transaction. */
  private freshCode(): string {
    for (let i = 0; i < MAX_DRAWS; i++) {
      const code = this.newCode();
      if (this.s.codeTaken.get(code, code) === undefined) return code;
    }
    throw new CodeSpaceExhausted(`no free order code in ${MAX_DRAWS} draws`);
  }

  private ingestRows(scans: readonly NewScanWithMetadata[], receivedAtMs: number): IngestOutcome[] {
    const out: IngestOutcome[] = [];
    const seen = new Map<string, StoredScan>(); // the same id twice in one batch
    // The scans of one product share one metadata object: serialised once per batch.
    const json = new Map<ResolvedMetadata, string>();
    const metadataJson = (m: ResolvedMetadata): string => {
      let text = json.get(m);
      if (text === undefined) json.set(m, (text = JSON.stringify(m)));
      return text;
    };
    const caseCodes = new Map<string, string>(); // the scans of a batch mostly share a case
    for (const scan of scans) {
      const before = seen.get(scan.scanId) ?? this.getScan(scan.scanId);
      if (before) {
        out.push({ kind: 'existing', scan: before, sameContent: before.fingerprint === scan.fingerprint });
        continue;
      }
      const caseKey = JSON.stringify([scan.site, scan.theatre, scan.caseId]);
      let caseCode = caseCodes.get(caseKey) ?? this.s.caseByKey.get(scan.site, scan.theatre, scan.caseId)?.case_code;
      if (caseCode === undefined) {
        caseCode = this.freshCode();
        this.s.claimCaseCode.run(caseCode, receivedAtMs);
        this.s.insertCase.run(caseCode, scan.site, scan.theatre, scan.caseId, receivedAtMs);
      }
      caseCodes.set(caseKey, caseCode);
      const orderCode = this.freshCode();
      const metadata = scan.metadata ?? null;
      // Spelled out: a rest-and-spread copy of the scan cost a third as much as its INSERT.
      const stored: StoredScan = {
        scanId: scan.scanId, fingerprint: scan.fingerprint, site: scan.site, theatre: scan.theatre, gatewayId: scan.gatewayId, caseId: scan.caseId,
        sequence: scan.sequence, scannedAtMs: scan.scannedAtMs, historical: scan.historical, raw: scan.raw, symbology: scan.symbology, scheme: scan.scheme,
        di: scan.di, lot: scan.lot, serial: scan.serial, expiry: scan.expiry, manufactured: scan.manufactured, carrierHrf: scan.carrierHrf,
        orderCode, caseCode, receivedAtMs, voidedAtMs: null, metadata,
      };
      const raw = Buffer.isBuffer(scan.raw) ? scan.raw : Buffer.from(scan.raw.buffer, scan.raw.byteOffset, scan.raw.byteLength); // a view, not a copy
      this.s.insertScan.run(
        scan.scanId, orderCode, caseCode, scan.fingerprint, scan.site, scan.theatre, scan.gatewayId, scan.caseId, scan.sequence, scan.scannedAtMs,
        receivedAtMs, scan.historical ? 1 : 0, raw, scan.symbology, scan.scheme, scan.di, scan.lot, scan.serial, scan.expiry, scan.manufactured,
        scan.carrierHrf, metadata === null ? null : metadataJson(metadata), metadata?.resolvedAtMs ?? null,
      );
      seen.set(scan.scanId, stored);
      out.push({ kind: 'new', scan: stored });
    }
    return out;
  }


  grouped<T>(work: () => T): Promise<T> {
    return this.group.run(work);
  }

  ingest(scans: readonly NewScanWithMetadata[], receivedAtMs: number): IngestOutcome[] {
    return this.ingestTransaction(scans, receivedAtMs);
  }

  getScan(scanId: string): StoredScan | null {
    const row = this.s.scanById.get(scanId);
    return row ? fromRow(row) : null;
  }

  voidScan(scanId: string, atMs: number): StoredScan | null {
    this.s.voidScan.run(atMs, scanId);
    return this.getScan(scanId);
  }

  findByCode(code: string): CodeLookup {
    const row = this.s.scanByCode.get(code);
    if (row) return { kind: 'scan', scan: fromRow(row) };
    const c = this.s.caseByCode.get(code);
    if (!c) return null;
    const record: CaseRecord = { caseCode: c.case_code, site: c.site, theatre: c.theatre, caseId: c.case_id, createdAtMs: c.created_at_ms };
    return { kind: 'case', case: record, scans: this.s.scansOfCase.all(code).map(fromRow) };
  }

  pendingScans(limit: number): PendingScan[] {
    return this.s.pending.all(limit).map((r) => ({ scanId: r.scan_id, scheme: r.scheme, di: r.di }));
  }

  saveMetadata(scanIds: readonly string[], metadata: ResolvedMetadata): void {
    this.saveMetadataTx(scanIds, metadata);
  }

  appendAccess(entry: Omit<AccessEntry, 'id'>): number {
    return Number(this.s.appendAccess.run(entry.registryId, entry.atMs, entry.code, entry.outcome, entry.httpStatus).lastInsertRowid);
  }

  accessLog(registryId: string, afterId: number, limit: number): AccessEntry[] {
    return this.s.accessLog.all(registryId, afterId, limit).map((r) => ({
      id: r.id,
      registryId: r.registry_id,
      atMs: r.at_ms,
      code: r.code,
      outcome: r.outcome,
      httpStatus: r.http_status,
    }));
  }

  close(): void {
    if (this.db.open) this.db.close();
    if (this.walFd !== null) {
      closeSync(this.walFd);
      this.walFd = null;
    }
  }
}
