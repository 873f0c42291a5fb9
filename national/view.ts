// What the registry API and the receipts say about stored scans: barcode data (lot, serial,
// dates, as read from the code) merged with the product data a source gave (manufacturer, name,
// model, class). The registry API's JSON shapes are in protocol/national-api.yaml (Order, Implant).

import { validateScanReceipt, type ScanReceipt } from '../protocol/wire.ts';
import { ISSUER } from './fhir.ts';
import type { ProductInfo } from './sources/types.ts';
import type { ResolvedMetadata, StoredScan } from './store/store.ts';

export interface ImplantJson {
  orderCode: string;
  scanId: string;
  scannedAt: string;
  udi: {
    scheme: keyof typeof ISSUER;
    deviceIdentifier: string;
    issuer: string;
    carrierHRF: string;
    lotNumber: string | null;
    serialNumber: string | null;
    expirationDate: string | null;
    manufactureDate: string | null;
  };
  product: ProductInfo | null;
  /** complete: a source knew the product; partial: only what the barcode itself says. */
  metadataStatus: 'complete' | 'partial';
  /** The source that gave `product`. */
  metadataSource: string | null;
  /** Sources that could not answer (down, timed out): their data may come later. */
  failedSources: string[];
}

export interface OrderJson {
  code: string;
  kind: 'scan' | 'case';
  caseCode: string;
  site: string;
  theatre: string;
  /** Implanted devices, in scan order. Voided scans are never listed. */
  implants: ImplantJson[];
  voidedCount: number;
}

export function implantJson(scan: StoredScan & { metadata: ResolvedMetadata }): ImplantJson {
  const m = scan.metadata;
  return {
    orderCode: scan.orderCode,
    scanId: scan.scanId,
    scannedAt: new Date(scan.scannedAtMs).toISOString(),
    udi: {
      scheme: scan.scheme,
      deviceIdentifier: scan.di,
      issuer: ISSUER[scan.scheme],
      carrierHRF: scan.carrierHrf,
      lotNumber: scan.lot,
      serialNumber: scan.serial,
      expirationDate: scan.expiry,
      manufactureDate: scan.manufactured,
    },
    product: m.product,
    metadataStatus: m.status,
    metadataSource: m.source,
    failedSources: m.sources.filter((s) => s.outcome === 'failed').map((s) => s.name),
  };
}

/** Why a receipt says what it says: ok, unknown-product, metadata-partial, metadata-pending. */
export function metadataMessage(m: ResolvedMetadata | null): string {
  if (m === null) return 'metadata-pending';
  if (m.status === 'complete') return 'ok';
  return m.sources.some((s) => s.outcome === 'failed') ? 'metadata-partial' : 'unknown-product';
}

export function receiptFor(scan: StoredScan, status: 'accepted' | 'duplicate' | 'voided'): ScanReceipt {
  const receipt: ScanReceipt = {
    scanId: scan.scanId,
    orderCode: scan.orderCode,
    caseCode: scan.caseCode,
    productName: scan.metadata?.product?.name ?? null,
    status,
    receivedAtMs: scan.receivedAtMs,
    messageCode: status === 'voided' ? 'voided' : metadataMessage(scan.metadata),
  };
  // Source text is cleaned on the way in; should a name still break the wire rules, the receipt
  // goes without it rather than failing the batch.
  return validateScanReceipt(receipt) === null ? receipt : { ...receipt, productName: null };
}

export function rejectedReceipt(scanId: string, messageCode: string, nowMs: number): ScanReceipt {
  return { scanId, orderCode: null, caseCode: null, productName: null, status: 'rejected', receivedAtMs: nowMs, messageCode };
}
