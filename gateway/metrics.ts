// The gateway's Prometheus metrics, served as text at GET /metrics by the station page:
//   implant_scan_scans_accepted_total 42
//   implant_scan_scans_refused_total{reason="personal-id"} 1
//   implant_scan_outbox_depth 3
//   implant_scan_publish_latency_seconds_bucket{le="0.005"} 40
// One registry per gateway instance (not prom-client's global one), so tests and the demo can run
// several gateways in one process.

// The four parts, not the package's index (prom-client-parts.d.ts says why).
import Counter from 'prom-client/lib/counter';
import Gauge from 'prom-client/lib/gauge';
import Histogram from 'prom-client/lib/histogram';
import Registry from 'prom-client/lib/registry';

/** Why a scan was not accepted; a closed set, so the label cannot grow without bound. */
export type RefusalReason = 'personal-id' | 'unknown' | 'invalid' | 'outbox-full' | 'disk-full' | 'storage-error' | 'internal-error' | 'double-read';

export class GatewayMetrics {
  readonly registry = new Registry();
  readonly scansAccepted = new Counter({ name: 'implant_scan_scans_accepted_total', help: 'Scans accepted: parsed as a product code and written to the outbox.', registers: [this.registry] });
  readonly scansRefused = new Counter({
    name: 'implant_scan_scans_refused_total',
    help: 'Scans refused, by reason (personal-id, unknown, invalid, outbox-full, disk-full, storage-error, internal-error, double-read).',
    labelNames: ['reason'] as const,
    registers: [this.registry],
  });
  readonly framingErrors = new Counter({
    name: 'implant_scan_serial_framing_errors_total',
    help: 'Serial input dropped before parsing (overlong line, partial line at unplug), by kind.',
    labelNames: ['kind'] as const,
    registers: [this.registry],
  });
  readonly outboxDepth = new Gauge({ name: 'implant_scan_outbox_depth', help: 'Accepted scans waiting for their receipt.', registers: [this.registry] });
  readonly outboxBytes = new Gauge({ name: 'implant_scan_outbox_bytes', help: 'Bytes on disk in the outbox journal.', registers: [this.registry] });
  readonly outboxRecovery = new Gauge({
    name: 'implant_scan_outbox_recovery',
    help: "What the outbox's recovery at start-up counted, by field of its report (tornBytes, damagedSegments, foreignFiles, pending …).",
    labelNames: ['field'] as const,
    registers: [this.registry],
  });
  readonly outboxRecoveryFindings = new Gauge({
    name: 'implant_scan_outbox_recovery_damaged',
    help: 'Whether recovery at start-up cut, moved aside or quarantined anything (1) or found the journal whole (0).',
    registers: [this.registry],
  });
  readonly publishLatency = new Histogram({
    name: 'implant_scan_publish_latency_seconds',
    help: 'From the scan (fsynced) to the broker acknowledging its publish (PUBACK).',
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10, 60],
    registers: [this.registry],
  });
  readonly receiptLatency = new Histogram({
    name: 'implant_scan_receipt_latency_seconds',
    help: 'From the scan to its receipt (order code) from the national service.',
    buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 60, 600, 3600],
    registers: [this.registry],
  });
  readonly reconnects = new Counter({ name: 'implant_scan_broker_reconnects_total', help: 'Connections to the broker after the first.', registers: [this.registry] });
  readonly brokerConnected = new Gauge({ name: 'implant_scan_broker_connected', help: '1 while connected to the broker.', registers: [this.registry] });
  readonly scannerConnected = new Gauge({ name: 'implant_scan_scanner_connected', help: '1 while the scanner device is open.', registers: [this.registry] });
  readonly malformedMessages = new Counter({ name: 'implant_scan_malformed_messages_total', help: 'Receipts or commands that could not be decoded.', registers: [this.registry] });

  refused(reason: RefusalReason): void {
    this.scansRefused.inc({ reason });
  }

  text(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}
