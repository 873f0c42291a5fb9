// The national service's storage, as a small repository interface: SQLite today (sqlite.ts),
// PostgreSQL later. Every method is one transaction. Nothing here holds personal data: scans are
// product codes (re-validated before they get here), and the access log holds registry ids and
// order codes.

import type { DiScheme, ProductInfo } from '../sources/types.ts';

/** A scan that passed re-validation, ready to be stored. */
export interface NewScan {
  scanId: string;
  /** sha256 (hex) of the scan's content without `historical`: tells a retry from a reused id. */
  fingerprint: string;
  site: string;
  theatre: string;
  gatewayId: string;
  caseId: string;
  /** Decimal uint64. */
  sequence: string;
  scannedAtMs: number;
  historical: boolean;
  raw: Uint8Array;
  symbology: string | null;
  scheme: DiScheme;
  di: string;
  lot: string | null;
  serial: string | null;
  /** YYYY-MM-DD */
  expiry: string | null;
  manufactured: string | null;
  /** Human-readable form: GS1 bracketed "(01)…(17)…", or the HIBC data. */
  carrierHrf: string;
}

export type SourceOutcome = 'found' | 'not-found' | 'failed';

/** The outcome of asking the metadata sources about one scan's product. */
export interface ResolvedMetadata {
  /** complete: a source knew the product. partial: only the barcode's own data is known. */
  status: 'complete' | 'partial';
  product: ProductInfo | null;
  /** The source that answered with the product, or null. */
  source: string | null;
  /** Each source asked, in order; sources after the one that answered are not asked. */
  sources: { name: string; outcome: SourceOutcome; error?: string }[];
  resolvedAtMs: number;
}

export interface StoredScan extends NewScan {
  orderCode: string;
  caseCode: string;
  receivedAtMs: number;
  voidedAtMs: number | null;
  /** null while pending (not yet resolved). */
  metadata: ResolvedMetadata | null;
}

export type IngestOutcome =
  | { kind: 'new'; scan: StoredScan }
  /** The scan id was stored before; `sameContent` is false when the content differs (a reused id). */
  | { kind: 'existing'; scan: StoredScan; sameContent: boolean };

export interface CaseRecord {
  caseCode: string;
  site: string;
  theatre: string;
  caseId: string;
  createdAtMs: number;
}

export type CodeLookup = { kind: 'scan'; scan: StoredScan } | { kind: 'case'; case: CaseRecord; scans: StoredScan[] } | null;

export type AccessOutcome = 'found' | 'not-found' | 'mistyped' | 'malformed' | 'voided' | 'pending' | 'revoked';

export interface AccessEntry {
  id: number;
  registryId: string;
  atMs: number;
  /** The canonical code asked for; null when what was sent was not shaped like a code. */
  code: string | null;
  outcome: AccessOutcome;
  httpStatus: number;
}

export interface PendingScan {
  scanId: string;
  scheme: DiScheme;
  di: string;
}

/** A scan to store, with the product metadata found for it so far (null: not yet). */
export type NewScanWithMetadata = NewScan & { metadata?: ResolvedMetadata | null };

export interface NationalStore {
  /** Runs `work` (calls on this store) in one transaction with the other work queued in the same
   * turn of the event loop: one commit, one fsync for all (group commit). Resolves with its result
   * once that commit returned (durable); rejects if `work` threw (its part undone) or the commit
   * failed (nothing of the group stored). */
  grouped<T>(work: () => T): Promise<T>;
  /** Stores the new scans (issuing an order code each, and a case code per new case) and returns
   * what was already there for the others: all or nothing. */
  ingest(scans: readonly NewScanWithMetadata[], receivedAtMs: number): IngestOutcome[];
  getScan(scanId: string): StoredScan | null;
  /** Marks a scan voided (idempotent: the first time is kept). null when unknown. */
  voidScan(scanId: string, atMs: number): StoredScan | null;
  findByCode(code: string): CodeLookup;
  /** Scans whose metadata is not yet resolved, oldest first. */
  pendingScans(limit: number): PendingScan[];
  saveMetadata(scanIds: readonly string[], metadata: ResolvedMetadata): void;
  /** Appends to the access log (never updated or deleted); returns the entry's id. */
  appendAccess(entry: Omit<AccessEntry, 'id'>): number;
  /** One registry's own entries with id > afterId, oldest first. */
  accessLog(registryId: string, afterId: number, limit: number): AccessEntry[];
  close(): void;
}

/** A code could not be issued within MAX_DRAWS draws: the code space is (impossibly) full. */
export class CodeSpaceExhausted extends Error {
  override name = 'CodeSpaceExhausted';
}
