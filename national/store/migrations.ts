// Schema migrations, applied in order; PRAGMA user_version holds how many have run. Only append:
// a migration that has shipped is never edited.

export const MIGRATIONS: readonly string[] = [
  // 1: codes, cases, scans, access log.
  `
  -- Every order code ever issued (scan and case codes share one namespace), kept for the
  -- uniqueness window (order-code.ts: 10 years) so that no code is issued twice within it.
  CREATE TABLE order_codes (
    code TEXT PRIMARY KEY,
    kind TEXT NOT NULL CHECK (kind IN ('scan', 'case')),
    issued_at_ms INTEGER NOT NULL
  ) WITHOUT ROWID;

  -- One case per (site, theatre, gateway case id): the scans of one procedure at one theatre.
  CREATE TABLE cases (
    case_code TEXT PRIMARY KEY REFERENCES order_codes (code),
    site TEXT NOT NULL,
    theatre TEXT NOT NULL,
    case_id TEXT NOT NULL,
    created_at_ms INTEGER NOT NULL,
    UNIQUE (site, theatre, case_id)
  );

  -- Accepted scans only: product codes re-validated by the parser. Rejected scans leave nothing.
  CREATE TABLE scans (
    scan_id TEXT PRIMARY KEY,
    order_code TEXT NOT NULL UNIQUE REFERENCES order_codes (code),
    case_code TEXT NOT NULL REFERENCES cases (case_code),
    fingerprint TEXT NOT NULL,
    site TEXT NOT NULL,
    theatre TEXT NOT NULL,
    gateway_id TEXT NOT NULL,
    case_id TEXT NOT NULL,
    sequence TEXT NOT NULL,
    scanned_at_ms INTEGER NOT NULL,
    received_at_ms INTEGER NOT NULL,
    historical INTEGER NOT NULL,
    raw BLOB NOT NULL,
    symbology TEXT,
    scheme TEXT NOT NULL CHECK (scheme IN ('gs1', 'hibc')),
    di TEXT NOT NULL,
    lot TEXT,
    serial TEXT,
    expiry TEXT,
    manufactured TEXT,
    carrier_hrf TEXT NOT NULL,
    voided_at_ms INTEGER,
    metadata TEXT, -- JSON (store.ts ResolvedMetadata); NULL while pending
    metadata_at_ms INTEGER
  );
  CREATE INDEX scans_by_case ON scans (case_code, scanned_at_ms);
  CREATE INDEX scans_pending ON scans (received_at_ms) WHERE metadata IS NULL;

  -- Every registry lookup: who, when, which code, what came of it. Append-only (the triggers
  -- refuse UPDATE and DELETE), kept at least five years; AUTOINCREMENT never reuses an id.
  CREATE TABLE access_log (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    registry_id TEXT NOT NULL,
    at_ms INTEGER NOT NULL,
    code TEXT,
    outcome TEXT NOT NULL,
    http_status INTEGER NOT NULL
  );
  CREATE INDEX access_log_by_registry ON access_log (registry_id, id);
  CREATE TRIGGER access_log_no_update BEFORE UPDATE ON access_log
    BEGIN SELECT RAISE(ABORT, 'access_log is append-only'); END;
  CREATE TRIGGER access_log_no_delete BEFORE DELETE ON access_log
    BEGIN SELECT RAISE(ABORT, 'access_log is append-only'); END;
  `,
  // 2: scans may be ISBT 128 (implants of human origin). SQLite cannot change a CHECK in place:
  // the table is rebuilt, rows and indexes kept. Nothing references scans, so foreign keys hold.
  `
  CREATE TABLE scans_v2 (
    scan_id TEXT PRIMARY KEY,
    order_code TEXT NOT NULL UNIQUE REFERENCES order_codes (code),
    case_code TEXT NOT NULL REFERENCES cases (case_code),
    fingerprint TEXT NOT NULL,
    site TEXT NOT NULL,
    theatre TEXT NOT NULL,
    gateway_id TEXT NOT NULL,
    case_id TEXT NOT NULL,
    sequence TEXT NOT NULL,
    scanned_at_ms INTEGER NOT NULL,
    received_at_ms INTEGER NOT NULL,
    historical INTEGER NOT NULL,
    raw BLOB NOT NULL,
    symbology TEXT,
    scheme TEXT NOT NULL CHECK (scheme IN ('gs1', 'hibc', 'isbt128')),
    di TEXT NOT NULL,
    lot TEXT,
    serial TEXT,
    expiry TEXT,
    manufactured TEXT,
    carrier_hrf TEXT NOT NULL,
    voided_at_ms INTEGER,
    metadata TEXT,
    metadata_at_ms INTEGER
  );
  INSERT INTO scans_v2 SELECT scan_id, order_code, case_code, fingerprint, site, theatre, gateway_id, case_id, sequence,
    scanned_at_ms, received_at_ms, historical, raw, symbology, scheme, di, lot, serial, expiry, manufactured, carrier_hrf,
    voided_at_ms, metadata, metadata_at_ms FROM scans;
  DROP TABLE scans;
  ALTER TABLE scans_v2 RENAME TO scans;
  CREATE INDEX scans_by_case ON scans (case_code, scanned_at_ms);
  CREATE INDEX scans_pending ON scans (received_at_ms) WHERE metadata IS NULL;
  `,
  // 3: a scan's code is reserved by its row in scans (the UNIQUE index on order_code), no longer
  // also by a row in order_codes, which keeps the case codes (and must receive a scan's code when
  // a scan is ever deleted, for the rest of the uniqueness window). Codes are random: each index
  // keyed by them puts about one random page per stored scan into the WAL at COMMIT; now one
  // index takes a scan's code, and order_codes stays as small as the cases.
  `
  CREATE TABLE scans_v3 (
    scan_id TEXT PRIMARY KEY,
    order_code TEXT NOT NULL UNIQUE,
    case_code TEXT NOT NULL REFERENCES cases (case_code),
    fingerprint TEXT NOT NULL,
    site TEXT NOT NULL,
    theatre TEXT NOT NULL,
    gateway_id TEXT NOT NULL,
    case_id TEXT NOT NULL,
    sequence TEXT NOT NULL,
    scanned_at_ms INTEGER NOT NULL,
    received_at_ms INTEGER NOT NULL,
    historical INTEGER NOT NULL,
    raw BLOB NOT NULL,
    symbology TEXT,
    scheme TEXT NOT NULL CHECK (scheme IN ('gs1', 'hibc', 'isbt128')),
    di TEXT NOT NULL,
    lot TEXT,
    serial TEXT,
    expiry TEXT,
    manufactured TEXT,
    carrier_hrf TEXT NOT NULL,
    voided_at_ms INTEGER,
    metadata TEXT,
    metadata_at_ms INTEGER
  );
  INSERT INTO scans_v3 SELECT scan_id, order_code, case_code, fingerprint, site, theatre, gateway_id, case_id, sequence,
    scanned_at_ms, received_at_ms, historical, raw, symbology, scheme, di, lot, serial, expiry, manufactured, carrier_hrf,
    voided_at_ms, metadata, metadata_at_ms FROM scans;
  DROP TABLE scans;
  ALTER TABLE scans_v3 RENAME TO scans;
  CREATE INDEX scans_by_case ON scans (case_code, scanned_at_ms);
  CREATE INDEX scans_pending ON scans (received_at_ms) WHERE metadata IS NULL;
  DELETE FROM order_codes WHERE kind = 'scan' AND code IN (SELECT order_code FROM scans);
  `,
];
