// Whether a ScanEvent carries personal data, checked by every hop that could keep it: the uplink
// before it journals a scan, the national service before it stores one.
//   personalDataIn(event) → null | 'personal-id' | 'invalid-case-id'
//
// Case ids are codes the gateway makes, never free text (protocol/case-id.ts).

import { CASE_ID_PATTERN } from './case-id.ts';
import { parse, valuesHoldPersonalId, containsPersonalId } from './udi/index.ts';
import type { ScanEvent } from './wire.ts';

export type PersonalDataCode = 'personal-id' | 'invalid-case-id';

/** Why the event must not be kept, or null. Every text field is read, and the raw bytes parsed. */
export function personalDataIn(event: ScanEvent): PersonalDataCode | null {
  const { parse: claimed } = event;
  const texts = [event.site, event.theatre, event.gatewayId, event.caseId, event.symbology ?? '', claimed.udi.expiry ?? '', claimed.udi.manufactured ?? ''];
  for (const e of claimed.errors) texts.push(e.message);
  for (const t of texts) if (containsPersonalId(t)) return 'personal-id';
  // The gateway's parse, read as the parser reads its own: value by value, dates as dates; its
  // DI, lot and serial too, which a faulty gateway need not have taken from the elements.
  const { di = null, lot = null, serial = null } = claimed.udi;
  if (valuesHoldPersonalId(claimed.elements, { di, lot, serial }) || valuesHoldPersonalId([], { di, lot, serial })) return 'personal-id';
  // The raw bytes as the parser reads them (Latin-1), in every field the parser finds.
  if (parse(event.raw, { now: new Date(event.scannedAtMs) }).scheme === 'personal-id') return 'personal-id';
  if (!CASE_ID_PATTERN.test(event.caseId)) return 'invalid-case-id';
  return null;
}
