// What the gateway controller needs from the parts around it. The real ones are serial/,
// outbox/, mqtt/ and hw/; unit tests of the controller pass small fakes.

import type { EventEmitter } from 'node:events';
import type { ScanEvent } from '../protocol/wire.ts';
import type { LinkEvents, PublishScanOptions } from './mqtt/link.ts';

/** The durable outbox (gateway/outbox/): append resolves only once the record is fsynced. */
export interface OutboxPort {
  /** `mark`: the ScanEvent's sequence, kept by the journal so the sequence continues after a crash. */
  append(id: string, payload: Uint8Array, options?: { mark?: bigint }): Promise<void>;
  retire(id: string): Promise<void>;
  pending(): Iterable<{ id: string; payload: Uint8Array }>;
  readonly depth: number;
  readonly bytes: number;
}

/** The MQTT link to the hospital broker (gateway/mqtt/link.ts GatewayLink). */
export interface LinkPort extends Pick<EventEmitter<LinkEvents>, 'on' | 'off'> {
  readonly online: boolean;
  /** Resolves on PUBACK; while offline it waits (the outbox, not the link, owns the data). */
  publishScan(event: ScanEvent, options?: PublishScanOptions): Promise<void>;
}

/** Theatre feedback (hw/): light and sound. */
export type Feedback = 'good-read' | 'refused' | 'offline' | 'online' | 'order-code' | 'attention' | 'attention-cleared';

export interface IndicatorPort {
  signal(feedback: Feedback): void;
}
