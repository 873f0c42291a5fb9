// The hospital uplink: every theatre's scans from the hospital broker to the national service,
// and each receipt back to the gateway that sent the scan.
//   const up = await Uplink.start({ brokerUrl, site: 'sahlgrenska', outbox, national, logger });
//   … up.stats, up.metrics …  await up.close();
//
// Keeps no personal data: a scan that the national service would refuse for it (a personnummer
// anywhere, a case id that is not a code: protocol/scan-privacy.ts) is never stored here; its
// gateway gets a rejected receipt at once. So does a scan the wire decoder refuses (a bad case
// id, …) if its scan id reads: messageCode `invalid-{field}`; otherwise its gateway would resend it
// forever. Bytes without a readable scan id are dropped (counted as malformed).
// Durable at every step, so an uplink restart or a national outage of hours loses nothing:
// - a scan is PUBACKed to the broker only after it is fsynced in the uplink's own outbox; scans
//   arriving together share one fsync (group commit: take() below), PUBACKs go in arrival order;
// - it leaves the outbox only after the national service has answered for it AND its receipt has
//   been PUBACKed by the broker on the way back to the gateway.
// Floods nothing: batches of at most `batchSize` scans, at most `maxInFlight` batches at once,
// jittered exponential backoff after a failure, and a circuit breaker that stops calling a
// national service that keeps failing. Duplicates (a gateway's replay, our own retry) are removed
// by scan id: the outbox holds one record per id, the national service answers a known id with
// the same order code.

import { randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { connect, type IClientOptions, type IPublishPacket, type MqttClient } from 'mqtt';
import { writeToStream } from 'mqtt-packet';
import type { Logger } from 'pino';
import { parseTopic, receiptTopic, siteScanSubscription, uplinkStateTopic, type GatewayAddress } from '../../protocol/topics.ts';
import { encodeUplinkState } from '../../protocol/uplink-state.ts';
import { personalDataIn } from '../../protocol/scan-privacy.ts';
import { decodeScanEvent, encodeScanReceipt, scanIdOfScanEvent, type ScanEvent, type ScanReceipt, type WireError } from '../../protocol/wire.ts';
import type { OutboxPort } from '../ports.ts';
import { CircuitBreaker } from './circuit-breaker.ts';
import type { NationalClient } from './national-client.ts';
import { UplinkMetrics } from './metrics.ts';

/**
 * Scans per POST (the national service takes up to 1,000), POSTs in flight, and bytes per POST
 * body: the service refuses a body over its limit (1 MiB by default), so a batch of large scans is
 * cut by bytes before it gets there.
 */
export const UPLINK_DEFAULTS = { batchSize: 500, maxInFlight: 4, maxBatchBytes: 1024 * 1024 } as const;

/** A scan's bytes in a POST body: its length as a protobuf varint, then the message (at most 64 KiB). */
const framedBytes = (n: number): number => n + (n < 0x80 ? 1 : n < 0x4000 ? 2 : 3);

export interface UplinkOptions {
  brokerUrl: string;
  site: string;
  /** MQTT client id; default `uplink-{site}`. Stable, so the broker keeps our session. */
  clientId?: string;
  username?: string;
  password?: string | Buffer;
  tls?: { ca?: string | Buffer; cert?: string | Buffer; key?: string | Buffer; rejectUnauthorized?: boolean };
  outbox: OutboxPort;
  national: NationalClient;
  logger: Logger;
  batchSize?: number;
  maxInFlight?: number;
  /** A POST body's bytes at most; set it to the national service's limit if that is not the default 1 MiB. */
  maxBatchBytes?: number;
  /** Backoff after a failed batch: first delay and cap. */
  retryMs?: number;
  maxRetryMs?: number;
  breaker?: CircuitBreaker;
  random?: () => number;
  /** Messages taken from the broker but not yet fsynced (and PUBACKed) at once; default 1,000. */
  maxUnacknowledged?: number;
  /** After a scan could not be stored: wait this long (doubling, ×16 at most), then reconnect. */
  redeliverMs?: number;
}

export interface UplinkStats {
  received: number;
  malformed: number;
  /** Scans whose content claims another place than the topic they came on. */
  mismatched: number;
  /** Scans refused here (personal data, a field that does not decode), answered with a rejected receipt, never stored. */
  refused: number;
  forwarded: number;
  receiptsPublished: number;
  batchFailures: number;
}

export class Uplink extends EventEmitter<{ forwarded: [ScanReceipt[]]; idle: [] }> {
  readonly stats: UplinkStats = { received: 0, malformed: 0, mismatched: 0, refused: 0, forwarded: 0, receiptsPublished: 0, batchFailures: 0 };
  readonly metrics = new UplinkMetrics();
  private readonly client: MqttClient;
  private readonly inFlight = new Set<string>();
  private batches = 0;
  private failures = 0;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private closed = false;
  private readonly breaker: CircuitBreaker;
  private readonly batchSize: number;
  /** Batches the national service has answered whose receipts are still being delivered. */
  private delivering = 0;
  private readonly maxInFlight: number;
  private readonly maxBatchBytes: number;
  /** Store failures in a row, and the reconnect that makes the broker deliver those scans again. */
  private storeFailures = 0;
  private redeliverTimer: ReturnType<typeof setTimeout> | null = null;
  /** The PUBACKs owed on this connection, in the order the PUBLISHes came. */
  private acks: Promise<void> = Promise.resolve();
  /** Messages taken whose store has not settled, and mqtt.js's go-ahead held while too many are. */
  private unsettled = 0;
  private held: (() => void) | null = null;
  private readonly maxUnsettled: number;
  /** Ours since we last subscribed on a session the broker did not keep (protocol/uplink-state.ts). */
  private epoch = newEpoch();

  static async start(options: UplinkOptions): Promise<Uplink> {
    const uplink = new Uplink(options);
    await uplink.subscribed;
    return uplink;
  }

  private readonly subscribed: Promise<void>;

  private constructor(private readonly options: UplinkOptions) {
    super();
    this.breaker = options.breaker ?? new CircuitBreaker();
    this.batchSize = options.batchSize ?? UPLINK_DEFAULTS.batchSize;
    this.maxInFlight = options.maxInFlight ?? UPLINK_DEFAULTS.maxInFlight;
    this.maxBatchBytes = options.maxBatchBytes ?? UPLINK_DEFAULTS.maxBatchBytes;
    this.maxUnsettled = options.maxUnacknowledged ?? 1000;
    const mqttOptions: IClientOptions = {
      clientId: options.clientId ?? `uplink-${options.site}`,
      clean: false,
      protocolVersion: 4,
      reconnectPeriod: 2000,
      connectTimeout: 10_000,
      queueQoSZero: false,
      // No mqtt-packet table of 65,536 number Buffers (~7 MB held for the process's life), as the
      // gateway's link and the embedded broker do; it also covers the PUBACKs written below.
      writeCache: false,
      ...(options.username ? { username: options.username } : {}),
      ...(options.password ? { password: options.password } : {}),
      ...(options.tls ?? {}),
      will: { topic: uplinkStateTopic(options.site), payload: encodeUplinkState({ status: 'offline' }), qos: 1, retain: true },
    };
    this.client = connect(options.brokerUrl, mqttOptions);
    // Group commit: mqtt.js would hand over the next message only after this callback, so one
    // fsync per message. Instead every message goes to the outbox at once (appends queued during
    // one fsync share the next), mqtt.js is told to send no PUBACK (the callback gets an error) and
    // to go on, and the PUBACK is written here once the fsync covering the message is done.
    this.client.handleMessage = (packet, done) => this.take(packet, done);
    this.client.on('connect', () => {
      this.acks = Promise.resolve(); // a new connection: PUBACKs owed on the old one are void
    });
    this.subscribed = new Promise((resolve, reject) => {
      const subscribed = () => {
        this.publishBirth();
        resolve();
      };
      const subscribe = () =>
        this.client.subscribe(siteScanSubscription(options.site), { qos: 1 }, (err, granted) => {
          if (err || granted?.some((g) => g.qos === 128)) {
            const e = err ?? new Error(`the broker refused the subscription to ${siteScanSubscription(options.site)}`);
            options.logger.error({ err: e.message }, 'uplink subscription refused');
            reject(e);
          } else subscribed();
        });
      this.client.on('connect', (ack) => {
        this.metrics.brokerConnected.set(1);
        options.logger.info({ sessionPresent: ack.sessionPresent }, 'uplink connected to the broker');
        if (!ack.sessionPresent) {
          // Gateways' scans published while we had no subscription are gone: a new epoch tells them.
          this.epoch = newEpoch();
          subscribe();
        } else subscribed();
        this.pump();
      });
    });
    this.client.on('close', () => this.metrics.brokerConnected.set(0));
    this.client.on('error', (e) => options.logger.warn({ err: e.message }, 'uplink broker connection error'));
    this.updateDepth();
    this.pump();
  }

  get backlog(): number {
    return this.options.outbox.depth;
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    if (this.redeliverTimer) clearTimeout(this.redeliverTimer);
    // `connected` stays true for a moment after redeliverLater destroyed the socket.
    const live = this.client.connected && !this.client.stream.destroyed;
    // A clean DISCONNECT discards the will: say offline ourselves (best effort, it is only news).
    if (live) this.client.publish(uplinkStateTopic(this.options.site), encodeUplinkState({ status: 'offline' }), { qos: 1, retain: true });
    // Without a connection there is nothing to wait for: mqtt.js would wait for PUBACKs of our
    // in-flight publishes that can no longer come (reconnecting stops here). Their scans stay in
    // the outbox, so nothing is lost.
    await new Promise<void>((resolve) => this.client.end(!live, {}, () => resolve()));
  }

  /**
   * One incoming message: stored (group commit), then PUBACKed in arrival order, never before its
   * fsync. A scan that could not be stored gets no PUBACK: a reconnect (redeliverLater) makes the
   * broker deliver it again; the outbox keeps one record per scan id.
   */
  private take(packet: IPublishPacket, done: (error?: Error) => void): void {
    const stored = this.receive(packet);
    const stream = this.client.stream;
    this.unsettled++;
    const settled = () => {
      this.unsettled--;
      const held = this.held;
      if (held && this.unsettled < this.maxUnsettled) {
        this.held = null;
        held();
      }
    };
    this.acks = this.acks.then(async () => {
      try {
        await stored;
      } catch (e) {
        this.options.logger.error({ err: (e as Error).message }, 'uplink cannot store a scan; not acknowledging it to the broker');
        this.redeliverLater();
        return;
      } finally {
        settled();
      }
      this.storeFailures = 0;
      if (packet.qos === 1 && packet.messageId !== undefined && stream === this.client.stream && !stream.destroyed) {
        writeToStream({ cmd: 'puback', messageId: packet.messageId }, stream);
      }
    });
    // mqtt.js sends no PUBACK for a callback with an error, and hands over the next message.
    const goOn = () => done(PUBACK_DEFERRED);
    if (this.unsettled < this.maxUnsettled) goOn();
    else this.held = goOn; // back-pressure: the broker's socket waits until the disk catches up
  }

  private async receive(packet: IPublishPacket): Promise<void> {
    const payload = typeof packet.payload === 'string' ? Buffer.from(packet.payload) : packet.payload;
    this.stats.received++;
    const place = parseTopic(packet.topic);
    const decoded = decodeScanEvent(payload);
    if (!decoded.ok && place?.kind === 'scan' && place.site === this.options.site) {
      // Its gateway resends it until it gets a receipt: answer it, if its scan id reads at all.
      const scanId = scanIdOfScanEvent(payload);
      if (scanId !== null) {
        this.refuse(scanId, place, invalidFieldCode(decoded.error), 'scan refused: a field does not decode');
        return;
      }
    }
    if (!decoded.ok || place === null || place.kind !== 'scan') {
      this.stats.malformed++;
      this.metrics.malformed.inc();
      this.options.logger.warn({ error: decoded.ok ? 'bad-topic' : decoded.error.code }, 'malformed scan message dropped');
      return;
    }
    const e = decoded.value;
    if (e.site !== place.site || e.theatre !== place.theatre || e.gatewayId !== place.gateway || e.site !== this.options.site) {
      this.stats.mismatched++;
      this.metrics.malformed.inc();
      this.options.logger.warn({ topic: packet.topic, scanId: e.scanId }, 'scan claims another gateway than its topic: dropped');
      return;
    }
    const refusal = personalDataIn(e);
    if (refusal !== null) {
      this.refuse(e.scanId, place, refusal, 'scan refused before storing it: personal data');
      return;
    }
    await this.options.outbox.append(e.scanId, payload);
    this.updateDepth();
    this.pump();
  }

  private pump(): void {
    if (this.closed || this.timer !== null) return;
    // Receipts still being delivered hold their scans too: at most as many batches as in flight.
    while (this.batches < this.maxInFlight && this.delivering < this.maxInFlight) {
      const batch = this.nextBatch();
      if (batch.length === 0) break;
      if (!this.breaker.allow()) {
        this.later(this.breaker.waitMs() || this.options.retryMs || 1000);
        break;
      }
      void this.send(batch);
    }
    if (this.batches === 0 && this.delivering === 0 && this.options.outbox.depth === 0) this.emit('idle');
  }

  private nextBatch(): { id: string; event: ScanEvent; payload: Uint8Array }[] {
    const batch: { id: string; event: ScanEvent; payload: Uint8Array }[] = [];
    let bytes = 0;
    for (const record of this.options.outbox.pending()) {
      const id = record.id;
      if (this.inFlight.has(id)) continue;
      const payload = record.payload; // read from disk: only for the scans this batch takes
      // The first scan always goes: alone it is far below any body limit (64 KiB at most).
      if (batch.length > 0 && bytes + framedBytes(payload.length) > this.maxBatchBytes) break;
      const d = decodeScanEvent(payload);
      if (!d.ok) continue; // stored only after decoding, so this is disk damage; the record stays
      batch.push({ id, event: d.value, payload });
      bytes += framedBytes(payload.length);
      if (batch.length >= this.batchSize) break;
    }
    return batch;
  }

  private async send(batch: { id: string; event: ScanEvent; payload: Uint8Array }[]): Promise<void> {
    for (const b of batch) this.inFlight.add(b.id);
    this.batches++;
    let answered = false;
    const started = performance.now();
    try {
      // The journaled bytes go as they are: they are the event, decoded and checked on the way in.
      const receipts = await this.options.national.sendBatch(
        batch.map((b) => b.event),
        undefined,
        batch.map((b) => b.payload),
      );
      this.breaker.success();
      this.failures = 0;
      this.metrics.batchLatency.observe((performance.now() - started) / 1000);
      // The national service has answered: the next batch may go while these receipts are delivered
      // (the scans stay in flight until then, so none is sent twice).
      answered = true;
      this.batches--;
      this.delivering++;
      this.pump();
      const events = new Map(batch.map((b) => [b.id, b.event]));
      await Promise.all(receipts.filter((r) => events.has(r.scanId)).map((r) => this.deliver(events.get(r.scanId)!, r)));
      this.emit('forwarded', receipts);
    } catch (e) {
      if (answered) {
        // The broker, not the national service, failed: the scans stay and go round again.
        this.options.logger.warn({ err: (e as Error).message, scans: batch.length }, 'receipts could not be delivered; will retry');
        this.later(this.options.retryMs ?? 1000);
        return;
      }
      this.breaker.failure();
      this.failures++;
      this.stats.batchFailures++;
      this.metrics.batchFailures.inc();
      this.options.logger.warn({ err: (e as Error).message, scans: batch.length, failures: this.failures, breaker: this.breaker.state }, 'national service batch failed; will retry');
      const base = this.options.retryMs ?? 1000;
      const delay = Math.min(this.options.maxRetryMs ?? 60_000, base * 2 ** Math.min(16, this.failures - 1));
      this.later(delay * (0.5 + (this.options.random ?? Math.random)()));
    } finally {
      for (const b of batch) this.inFlight.delete(b.id);
      if (answered) this.delivering--;
      else this.batches--;
      this.metrics.breakerOpen.set(this.breaker.state === 'closed' ? 0 : 1);
      this.updateDepth();
      this.pump();
    }
  }

  /** A rejected receipt to the gateway the scan came from; nothing of the scan is kept. */
  private refuse(scanId: string, from: GatewayAddress, messageCode: string, why: string): void {
    this.stats.refused++;
    this.metrics.refused.inc({ reason: messageCode });
    this.options.logger.warn({ scanId, messageCode }, why);
    const receipt: ScanReceipt = { scanId, orderCode: null, caseCode: null, productName: null, status: 'rejected', receivedAtMs: Date.now(), messageCode };
    const topic = receiptTopic(from);
    // Not awaited: its PUBACK comes in on this connection, whose packets wait for the scan's handler
    // to finish. If it is lost with the process, the gateway sends the scan again and is refused again.
    this.client.publish(topic, Buffer.from(encodeScanReceipt(receipt)), { qos: 1 }, (err) => {
      if (err) this.options.logger.warn({ scanId, err: err.message }, 'rejected receipt not delivered; the gateway will send the scan again');
    });
  }

  /** The receipt to its gateway (PUBACKed), then the scan leaves the outbox. */
  private async deliver(event: ScanEvent, receipt: ScanReceipt): Promise<void> {
    const topic = receiptTopic({ site: event.site, theatre: event.theatre, gateway: event.gatewayId });
    await this.client.publishAsync(topic, Buffer.from(encodeScanReceipt(receipt)), { qos: 1 });
    this.stats.forwarded++;
    this.stats.receiptsPublished++;
    this.metrics.forwarded.inc({ status: receipt.status });
    await this.options.outbox.retire(event.scanId);
  }

  /** Our retained birth, once subscribed: gateways publish again what a new epoch may have missed. */
  private publishBirth(): void {
    const birth = encodeUplinkState({ status: 'online', epoch: this.epoch });
    this.client.publish(uplinkStateTopic(this.options.site), birth, { qos: 1, retain: true }, (err) => {
      if (err) this.options.logger.warn({ err: err.message }, 'uplink birth not acknowledged; published again on the next connection');
    });
  }

  /**
   * An MQTT 3.1.1 broker delivers an unacknowledged message again only on a new connection of the
   * same session, so after a scan could not be stored: back off, then drop the connection. mqtt.js
   * reconnects (clean: false) and keeps our own unacknowledged receipts to send again.
   */
  private redeliverLater(): void {
    if (this.redeliverTimer !== null || this.closed) return;
    const base = this.options.redeliverMs ?? 1000;
    const delay = base * 2 ** Math.min(4, this.storeFailures++);
    this.redeliverTimer = setTimeout(() => {
      this.redeliverTimer = null;
      if (this.closed) return;
      this.options.logger.warn({ afterMs: delay }, 'uplink reconnecting so that the broker delivers the scans it could not store again');
      this.client.stream.destroy();
    }, delay);
  }

  private later(ms: number): void {
    if (this.timer !== null || this.closed) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.pump();
    }, ms);
  }

  private updateDepth(): void {
    this.metrics.outboxDepth.set(this.options.outbox.depth);
  }
}

/** Not a failure: tells mqtt.js that the uplink sends this message's PUBACK itself. */
const PUBACK_DEFERRED = new Error('PUBACK sent by the uplink after the fsync');

const newEpoch = (): string => randomBytes(12).toString('base64url');

/** A receipt's message code for a decoder refusal: `invalid-` and the field, e.g. invalid-caseid. */
export function invalidFieldCode(error: WireError): string {
  const field = /^ScanEvent\.([A-Za-z.]+):/.exec(error.message)?.[1];
  return field ? `invalid-${field.toLowerCase().replace(/[^a-z0-9]+/g, '-')}`.slice(0, 64) : 'invalid-scan';
}
