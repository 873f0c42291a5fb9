import { describe, expect, test } from 'vitest';
import { RECEIPT_ACCEPTED, SAMPLES } from '../../protocol/fixtures/samples.ts';
import { cmdTopic, receiptTopic, scanTopic } from '../../protocol/topics.ts';
import { encodeCommand, encodeScanReceipt } from '../../protocol/wire.ts';
import { GatewayMetrics } from '../metrics.ts';
import { decodeIncoming } from './incoming.ts';
import { gatewayMetricsHooks } from './link-metrics.ts';

const A = { site: 'sahlgrenska', theatre: 'or-3', gateway: 'gw-or3' };
const B = { site: 'sahlgrenska', theatre: 'or-4', gateway: 'gw-or4' };

describe('decodeIncoming', () => {
  test('own receipt and cmd topics decode to receipts and commands', () => {
    expect(decodeIncoming(A, receiptTopic(A), encodeScanReceipt(RECEIPT_ACCEPTED))).toEqual({ kind: 'receipt', receipt: RECEIPT_ACCEPTED });
    const command = SAMPLES['command-void-scan'].value;
    expect(decodeIncoming(A, cmdTopic(A), encodeCommand(command))).toEqual({ kind: 'command', command });
  });

  test('undecodable payloads are malformed, with the decoder’s code and no payload', () => {
    const bad = decodeIncoming(A, receiptTopic(A), Uint8Array.of(0xff, 0xff, 0xff));
    expect(bad).toMatchObject({ kind: 'malformed', topicKind: 'receipt', error: { code: 'malformed' } });
    expect(JSON.stringify(bad)).not.toContain('255');
    // A receipt's bytes on the cmd topic: valid protobuf, not a valid Command.
    expect(decodeIncoming(A, cmdTopic(A), encodeScanReceipt(RECEIPT_ACCEPTED))).toMatchObject({ kind: 'malformed', topicKind: 'cmd', error: { code: 'invalid-field' } });
  });

  test('any other topic — another gateway’s, a scan topic, not a topic at all — is unexpected', () => {
    const payload = encodeScanReceipt(RECEIPT_ACCEPTED);
    for (const topic of [receiptTopic(B), scanTopic(A), 'implant/v1/sahlgrenska/or-3/gw-or3/receipt/x', '', '#']) {
      expect(decodeIncoming(A, topic, payload)).toEqual({ kind: 'unexpected-topic' });
    }
  });
});

test('gatewayMetricsHooks feeds gateway/metrics.ts', async () => {
  const metrics = new GatewayMetrics();
  const hooks = gatewayMetricsHooks(metrics);
  hooks.publishLatency?.(0.003);
  hooks.reconnected?.();
  hooks.connected?.(true);
  hooks.malformed?.('cmd', 'malformed');
  const text = await metrics.text();
  expect(text).toMatch(/implant_scan_publish_latency_seconds_count 1/);
  expect(text).toMatch(/implant_scan_broker_reconnects_total 1/);
  expect(text).toMatch(/implant_scan_broker_connected 1/);
  expect(text).toMatch(/implant_scan_malformed_messages_total 1/);
});
