// What the outbox's recovery found at start-up, made loud: a log line with the counts, a metric
// per field, and (when anything was cut, damaged, moved aside or quarantined) the station page's
// attention alert with the indicator's attention pattern.
//   announceRecovery(outbox.recovery, { logger, metrics, attention: controller });
//
// The report is read field by field, so fields the outbox adds later (records recovered, damaged
// bytes, quarantine paths …) are logged and exported without a change here: a number is a count,
// a list counts its entries. Fields that count what is fine (segments, pending, records
// recovered/kept) are information; any other non-zero count is a finding.

import type { Logger } from 'pino';
import type { Attention } from './controller.ts';
import type { GatewayMetrics } from './metrics.ts';

const INFORMATION = /^(segments|pending)$|recovered|kept|intact/i;

export interface RecoverySummary {
  /** Every field as a count (lists by their length). */
  counts: Record<string, number>;
  /** The non-zero counts that are not information. */
  findings: Record<string, number>;
  /** The entries of list fields (segment names, quarantine paths) for the log. */
  lists: Record<string, string[]>;
}

export function summariseRecovery(report: object): RecoverySummary {
  const summary: RecoverySummary = { counts: {}, findings: {}, lists: {} };
  for (const [field, value] of Object.entries(report)) {
    let count: number;
    if (typeof value === 'number' && Number.isFinite(value)) count = value;
    else if (typeof value === 'bigint') count = Number(value);
    else if (Array.isArray(value)) {
      count = value.length;
      summary.lists[field] = value.map(String);
    } else continue;
    summary.counts[field] = count;
    if (count > 0 && !INFORMATION.test(field)) summary.findings[field] = count;
  }
  return summary;
}

export function announceRecovery(
  report: object,
  deps: { logger: Pick<Logger, 'warn' | 'error'>; metrics: GatewayMetrics; attention: { setAttention(code: Attention['code'], message: string): void } },
): RecoverySummary {
  const summary = summariseRecovery(report);
  for (const [field, count] of Object.entries(summary.counts)) deps.metrics.outboxRecovery.set({ field }, count);
  const found = Object.keys(summary.findings);
  deps.metrics.outboxRecoveryFindings.set(found.length > 0 ? 1 : 0);
  if (found.length === 0) return summary; // the daemon's 'outbox open' line says how many wait
  // A torn tail alone is what a power cut during a write leaves (that scan never got its
  // good-read); anything else means stored records were unreadable.
  const tornTailOnly = found.length === 1 && found[0] === 'tornBytes';
  const log = { recovery: summary.counts, findings: summary.findings, files: summary.lists };
  if (tornTailOnly) deps.logger.warn(log, 'outbox recovery cut a torn record off the journal (a write interrupted by a power cut or crash)');
  else deps.logger.error(log, 'outbox recovery found damage in the journal: records may be missing; the damaged bytes are kept for analysis');
  const counts = found.map((f) => `${f} ${summary.findings[f]}`).join(', ');
  deps.attention.setAttention(
    'journal-damaged',
    tornTailOnly
      ? `At start-up the scan journal ended in a cut-off record (${counts}), as after a power cut: the scan being stored then was not accepted. Check the last scans before the outage.`
      : `At start-up the scan journal was damaged (${counts}): accepted scans may be missing. Call IT; the gateway goes on accepting scans.`,
  );
  return summary;
}
