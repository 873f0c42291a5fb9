// Re-validation of an uplinked scan before anything of it is stored. The national service trusts
// its own parse of the raw bytes, not the gateway's: the same parser, the scan time as the
// reference for two-digit years. A scan that is not a clean product code, or that carries
// anything shaped like a personal identity number, or a case id that is not a code
// (protocol/scan-privacy.ts), is refused and nothing of it is kept.
//   checkScan(event, 'sahlgrenska') → { ok: true, scan: NewScan } | { ok: false, messageCode: 'personal-id' }

import { createHash } from 'node:crypto';
import { personalDataIn } from '../protocol/scan-privacy.ts';
import { parse, toBracketed, type ParseResult } from '../protocol/udi/index.ts';
import type { ScanEvent } from '../protocol/wire.ts';
import type { NewScan } from './store/store.ts';

export type ScanCheck =
  | { ok: true; scan: NewScan; /** the gateway's parse disagreed with ours (ours is kept) */ parseMismatch: boolean }
  | { ok: false; messageCode: string };

export interface ScanCheckOptions {
  /** Characters the site's scanners send for FNC1 besides GS (see protocol/udi ParseOptions). */
  gsSubstitutes?: readonly string[];
}

const latin1 = new TextDecoder('latin1');

export function checkScan(event: ScanEvent, site: string, options: ScanCheckOptions = {}): ScanCheck {
  if (event.site !== site) return { ok: false, messageCode: 'wrong-site' };
  // The same check as the uplink's: ids are codes, and nothing of the event looks like a personnummer.
  const personal = personalDataIn(event);
  if (personal !== null) return { ok: false, messageCode: personal };
  const result = parse(event.raw, { now: new Date(event.scannedAtMs), gsSubstitutes: options.gsSubstitutes ?? [] });
  if (result.scheme === 'personal-id') return { ok: false, messageCode: 'personal-id' };
  if (!result.ok) return { ok: false, messageCode: result.errors[0]?.code ?? 'unrecognised' };
  const { udi } = result;
  if ((result.scheme !== 'gs1' && result.scheme !== 'hibc' && result.scheme !== 'isbt128') || udi.di === null) return { ok: false, messageCode: 'not-a-product' };
  const claimed = event.parse.udi;
  const same = (k: keyof typeof udi) => (claimed[k] ?? null) === udi[k];
  const parseMismatch = event.parse.scheme !== result.scheme || !(same('di') && same('lot') && same('serial') && same('expiry') && same('manufactured'));
  return {
    ok: true,
    parseMismatch,
    scan: {
      scanId: event.scanId,
      fingerprint: fingerprint(event),
      site: event.site,
      theatre: event.theatre,
      gatewayId: event.gatewayId,
      caseId: event.caseId,
      sequence: event.sequence.toString(),
      scannedAtMs: event.scannedAtMs,
      historical: event.historical,
      raw: event.raw,
      symbology: result.symbology,
      scheme: result.scheme,
      di: udi.di,
      lot: udi.lot,
      serial: udi.serial,
      expiry: udi.expiry,
      manufactured: udi.manufactured,
      carrierHrf: humanReadable(result, event.raw),
    },
  };
}

/** The content that makes a scan this scan: everything but `historical` (a replay flag) and the
 * gateway's parse (the raw bytes decide). A retry has the same fingerprint; a reused id does not. */
export function fingerprint(e: ScanEvent): string {
  const content = JSON.stringify([e.scanId, e.gatewayId, e.site, e.theatre, e.caseId, e.sequence.toString(), e.scannedAtMs, e.symbology, Buffer.from(e.raw).toString('base64')]);
  return createHash('sha256').update(content).digest('hex');
}

/** GS1: the bracketed form "(01)…(17)…(10)…". HIBC and ISBT 128: the data as printed, "+…", "=/…". */
function humanReadable(result: ParseResult, raw: Uint8Array): string {
  if (result.scheme === 'gs1') return toBracketed(result.elements);
  let text = latin1.decode(raw).replace(/[\r\n\t]+$/, '');
  if (result.symbology !== null && text.startsWith(result.symbology)) text = text.slice(result.symbology.length);
  return text;
}
