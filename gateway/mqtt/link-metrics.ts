// The link's metric hooks, and their wiring to the gateway's Prometheus metrics (gateway/metrics.ts).
//   const link = await GatewayLink.open({ …, metrics: gatewayMetricsHooks(metrics) });
//
// Every hook is optional and must not throw (a throwing hook is caught and logged by the link).
// The link also keeps plain counters of its own (`link.stats`), for tests and the station page.

import type { GatewayMetrics } from '../metrics.ts';
import type { WireErrorCode } from '../../protocol/wire.ts';

export interface LinkMetrics {
  /** A scan was acknowledged by the broker (PUBACK). */
  published?(): void;
  /** Seconds from publishScan() being called (back-pressure wait included) to its PUBACK. */
  publishLatency?(seconds: number): void;
  /** A connection after the first one succeeded. */
  reconnected?(): void;
  /** The connection went up (true) or down (false). */
  connected?(up: boolean): void;
  /** A receipt or command that did not decode. */
  malformed?(topicKind: 'receipt' | 'cmd', code: WireErrorCode): void;
}

export interface LinkStats {
  /** Scans acknowledged by the broker. */
  published: number;
  /** publishScan() calls that failed (closed link, client error); the outbox retries them. */
  publishFailures: number;
  /** CONNECTs sent (each with its own birthSeq). */
  connectAttempts: number;
  /** Connections after the first. */
  reconnects: number;
  /** Messages received on any topic. */
  received: number;
  receipts: number;
  commands: number;
  /** Receipts and commands that did not decode (malformed, too-large, invalid-field). */
  malformed: number;
  /** Messages on a topic that is not this gateway's receipt or cmd. */
  unexpectedTopic: number;
  /** SUBACKs refusing the receipt or cmd subscription (the broker's ACL does not match ours). */
  subscribeRefused: number;
  /** Listener or metric hook exceptions caught by the link. */
  listenerErrors: number;
}

export const newLinkStats = (): LinkStats => ({
  published: 0,
  publishFailures: 0,
  connectAttempts: 0,
  reconnects: 0,
  received: 0,
  receipts: 0,
  commands: 0,
  malformed: 0,
  unexpectedTopic: 0,
  subscribeRefused: 0,
  listenerErrors: 0,
});

/** The link's hooks feeding gateway/metrics.ts: latency histogram, reconnects, connected gauge, malformed. */
export function gatewayMetricsHooks(m: GatewayMetrics): LinkMetrics {
  return {
    publishLatency: (seconds) => m.publishLatency.observe(seconds),
    reconnected: () => m.reconnects.inc(),
    connected: (up) => m.brokerConnected.set(up ? 1 : 0),
    malformed: () => m.malformedMessages.inc(),
  };
}
