// For migration tests: a database file at an older schema version holding one scan (codes
// SCAN2345, case CASE2345), written with plain SQL as the software of that version would have.

import Database from 'better-sqlite3';
import { MIGRATIONS } from './migrations.ts';
import type { NewScan } from './store.ts';

export const OLD_SCAN_CODE = 'SCAN2345';
export const OLD_CASE_CODE = 'CASE2345';

/** Creates `path` at schema `version` (1 or 2: the scans columns are the same) with `scan` in it. */
export function databaseAtVersion(path: string, version: 1 | 2, scan: NewScan): void {
  const db = new Database(path);
  try {
    for (const m of MIGRATIONS.slice(0, version)) db.exec(m);
    db.pragma(`user_version = ${version}`);
    db.prepare('INSERT INTO order_codes VALUES (?, ?, 1), (?, ?, 1)').run(OLD_CASE_CODE, 'case', OLD_SCAN_CODE, 'scan');
    db.prepare('INSERT INTO cases VALUES (?, ?, ?, ?, 1)').run(OLD_CASE_CODE, scan.site, scan.theatre, scan.caseId);
    db.prepare(
      `INSERT INTO scans (scan_id, order_code, case_code, fingerprint, site, theatre, gateway_id, case_id, sequence, scanned_at_ms, received_at_ms,
         historical, raw, symbology, scheme, di, lot, serial, expiry, manufactured, carrier_hrf) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, 0, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ).run(
      scan.scanId, OLD_SCAN_CODE, OLD_CASE_CODE, scan.fingerprint, scan.site, scan.theatre, scan.gatewayId, scan.caseId, scan.sequence, scan.scannedAtMs,
      Buffer.from(scan.raw), scan.symbology, scan.scheme, scan.di, scan.lot, scan.serial, scan.expiry, scan.manufactured, scan.carrierHrf,
    );
  } finally {
    db.close();
  }
}
