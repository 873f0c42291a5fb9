// The uplink's Prometheus metrics (its own registry, served by `implant-scan uplink` at /metrics).

import { Counter, Gauge, Histogram, Registry } from 'prom-client';

export class UplinkMetrics {
  readonly registry = new Registry();
  readonly forwarded = new Counter({ name: 'implant_uplink_scans_forwarded_total', help: 'Scans answered by the national service and receipted to their gateway, by receipt status.', labelNames: ['status'] as const, registers: [this.registry] });
  readonly malformed = new Counter({ name: 'implant_uplink_malformed_total', help: 'Scan messages dropped: undecodable, or claiming another gateway than their topic.', registers: [this.registry] });
  readonly refused = new Counter({ name: 'implant_uplink_scans_refused_total', help: 'Scans refused before storing (rejected receipt sent): personal data, or a field the decoder refuses; by reason.', labelNames: ['reason'] as const, registers: [this.registry] });
  readonly batchFailures = new Counter({ name: 'implant_uplink_batch_failures_total', help: 'Batches the national service did not answer (retried).', registers: [this.registry] });
  readonly batchLatency = new Histogram({ name: 'implant_uplink_batch_seconds', help: 'National service round trip per batch.', buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 15], registers: [this.registry] });
  readonly outboxDepth = new Gauge({ name: 'implant_uplink_outbox_depth', help: 'Scans stored at the uplink, waiting for the national service.', registers: [this.registry] });
  readonly breakerOpen = new Gauge({ name: 'implant_uplink_breaker_open', help: '1 while the circuit breaker holds calls to the national service.', registers: [this.registry] });
  readonly brokerConnected = new Gauge({ name: 'implant_uplink_broker_connected', help: '1 while connected to the hospital broker.', registers: [this.registry] });
}
