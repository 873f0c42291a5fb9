// The gateway's link to the hospital broker (mqtt.js, MQTT 3.1.1).
//   const link = await GatewayLink.open({ url, address, softwareVersion, configHash, birthSeqStore, logger });
//   link.on('online', () => outbox.replay((scan) => link.publishScan(scan, { historical: true })));
//   link.on('receipt', (r) => outbox.acknowledge(r.scanId));
//   await link.publishScan(event);   // resolves on PUBACK; waits (never fails) while offline
//   await link.close();              // retained OFFLINE state, DISCONNECT
//
// Session: client id = gateway id, clean: false (the broker keeps our subscriptions and queues
// receipts and commands while we are away), QoS 1 both ways.
//
// Birth and death (in the spirit of Sparkplug B): every CONNECT carries a new birth sequence
// number n, saved durably (BirthSeqStore) before the CONNECT is sent, so n grows across
// reconnects and restarts. The CONNECT's last will is the retained State{offline, n}; once
// connected the link publishes the retained State{online, n}; close() publishes State{offline, n}
// itself. A will is published by the broker whenever it notices the old connection died, possibly
// after a newer birth (n+1) — consumers must compare birthSeq and ignore a state whose birthSeq is
// lower than the highest birth they have seen. Numbers may skip (a CONNECT that never got its
// CONNACK used one): only their order means something.
//
// Reconnects: mqtt.js's own reconnect (a fixed period) is off; after every close the link waits a
// jittered, exponentially growing, capped delay (backoff.ts), saves n+1, and connects again.
//
// Publishing never drops: while offline, publishScan() hands the message to mqtt.js's outgoing
// store, which sends it on the next connection (and resends unacknowledged ones); the promise
// resolves on PUBACK, however late. At most `maxInFlight` (64) scans are unacknowledged at once;
// more callers wait in line (back-pressure). The outbox stays the owner of the data: on close()
// pending publishes reject with LinkClosedError and the outbox publishes them again next run.
// Events 'online'/'offline' let the controller replay its outbox on reconnect, marking replayed
// scans historical (publishScan(event, { historical: true })) with their original scannedAtMs.
// A scan may reach the broker twice (an unacknowledged publish resent, and the outbox's replay):
// duplicates are removed by scan id downstream (docs/architecture.md).
//
// Receiving: its own receipt and cmd topics; decoded with protocol/wire.ts; 'receipt' and
// 'command' events. A payload that does not decode is counted (stats.malformed,
// metrics.malformed) and logged with its error code, never its content, and never crashes the
// link; nor does a throwing listener.
//
// Refusals: when the broker says no to this gateway (a TLS alert about our certificate — revoked,
// expired, unknown CA — or a CONNACK refusal; refusal.ts), retrying cannot help until hospital IT
// acts. The link keeps retrying with backoff, but logs the cause at error level the first time
// and whenever it changes, the same cause again at most once per `refusalLogIntervalMs` (with
// the number of refusals in between), and emits 'refused' so the station page can show it.

import { EventEmitter } from 'node:events';
import { performance } from 'node:perf_hooks';
import { connect, type IClientOptions, type IConnackPacket, type MqttClient } from 'mqtt';
import type { Logger } from 'pino';
import { TLS_CLIENT_POLICY } from '../../protocol/tls-policy.ts';
import { cmdTopic, receiptTopic, scanTopic, stateTopic, uplinkStateTopic, type GatewayAddress } from '../../protocol/topics.ts';
import { UplinkBirths } from './uplink-births.ts';
import { encodeScanEvent, encodeState, validateState, type Command, type GatewayState, type ScanEvent, type ScanReceipt } from '../../protocol/wire.ts';
import { RetrySchedule, type BackoffPolicy, type Timers } from './backoff.ts';
import type { BirthSeqStore } from './birth-seq-store.ts';
import { InFlightLimit } from './in-flight.ts';
import { decodeIncoming } from './incoming.ts';
import { newLinkStats, type LinkMetrics, type LinkStats } from './link-metrics.ts';
import { refusalOf, type BrokerRefusal } from './refusal.ts';

export interface LinkTlsOptions {
  /** CA certificate(s) that the broker's certificate must chain to (PEM). */
  ca?: string | Buffer;
  /** This gateway's client certificate and key (PEM), when the broker asks for one (provisioned by implant-scan provision). */
  cert?: string | Buffer;
  key?: string | Buffer;
  /** Default true; false only for a test broker. */
  rejectUnauthorized?: boolean;
  servername?: string;
}

export interface GatewayLinkOptions {
  /** mqtt://host:port or mqtts://host:port (tcp:// and tls:// too). */
  url: string;
  /** This gateway's place in the topic tree; `gateway` is also its MQTT client id. */
  address: GatewayAddress;
  /** For the birth message: [0-9A-Za-z.+_-]{1,64}. */
  softwareVersion: string;
  /** For the birth message: lowercase hex, 8 … 128 digits (gateway/config.ts configHash). */
  configHash: string;
  /** Default: when the link was created. */
  startedAtMs?: number;
  birthSeqStore: BirthSeqStore;
  logger: Logger;
  metrics?: LinkMetrics;
  username?: string;
  password?: string | Buffer;
  tls?: LinkTlsOptions;
  /** Default 30. */
  keepaliveSeconds?: number;
  /** From CONNECT sent to CONNACK (TCP and TLS setup included); default 10 000. */
  connectTimeoutMs?: number;
  /** Reconnect delays; default 500 ms doubling to 30 s, equal jitter. */
  reconnect?: Partial<BackoffPolicy>;
  /** Unacknowledged scans at once; default 64. */
  maxInFlight?: number;
  /** Bound on close(): waiting for the OFFLINE state's PUBACK, then for the socket; default 2 000. */
  closeTimeoutMs?: number;
  /** The same refusal is logged again at most this often; default 300 000 (a changed cause at once). */
  refusalLogIntervalMs?: number;
  /** For tests: the jitter's random source, the reconnect timers, and the clock of the refusal log's rate. */
  random?: () => number;
  timers?: Timers;
  now?: () => number;
}

export interface OnlineInfo {
  birthSeq: bigint;
  /** The broker still had our session (subscriptions, queued receipts). */
  sessionPresent: boolean;
}

export type LinkEvents = {
  online: [info: OnlineInfo];
  /** The broker granted the receipt and cmd subscriptions on this connection. */
  subscribed: [];
  offline: [];
  /** The broker refused this gateway (first refusal, and whenever its reason changes); cleared by 'online'. */
  refused: [refusal: BrokerRefusal];
  receipt: [receipt: ScanReceipt];
  command: [command: Command];
  /** The site's uplink subscribed anew: scans published since may have been dropped. */
  uplinkBirth: [];
};

export class LinkClosedError extends Error {
  override name = 'LinkClosedError';
  constructor() {
    super('the gateway link is closed');
  }
}

export interface PublishScanOptions {
  /** Replayed from the outbox: publish with historical = true (scannedAtMs stays the original). */
  historical?: boolean;
  /** The event already encoded (the outbox stores these bytes): published as they are, not encoded again. */
  encoded?: Uint8Array;
}

const toBuffer = (bytes: Uint8Array): Buffer => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([promise, new Promise<undefined>((resolve) => {
      timer = setTimeout(() => resolve(undefined), ms);
    })]).finally(() => clearTimeout(timer));
}

export class GatewayLink extends EventEmitter<LinkEvents> {
  /** Loads the birth sequence number and starts connecting; resolves at once (scans are accepted offline). */
  static async open(options: GatewayLinkOptions): Promise<GatewayLink> {
    const link = new GatewayLink(options);
    await link.start();
    return link;
  }

  readonly stats: LinkStats = newLinkStats();
  private readonly client: MqttClient;
  private readonly log: Logger;
  private readonly topics: { scan: string; state: string; receipt: string; cmd: string };
  private readonly schedule: RetrySchedule;
  private readonly slots: InFlightLimit;
  private readonly pending = new Set<(error: Error) => void>();
  private readonly stateBase: Omit<GatewayState, 'status' | 'birthSeq'>;
  private seq = 0n;
  private isOnline = false;
  private connectedOnce = false;
  private clientStarted = false;
  private closed = false;
  private closing: Promise<void> | null = null;
  private failuresLogged = 0;
  private lastError: string | null = null;
  /** Set by 'error' during a connect attempt, read by the 'close' that ends it. */
  private attemptRefusal: BrokerRefusal | null = null;
  private currentRefusal: BrokerRefusal | null = null;
  private refusalLog = { reason: '', atMs: 0, since: 0 };

  private constructor(private readonly options: GatewayLinkOptions) {
    super();
    const { address } = options;
    this.log = options.logger.child({ component: 'mqtt-link', gateway: address.gateway });
    this.topics = { scan: scanTopic(address), state: stateTopic(address), receipt: receiptTopic(address), cmd: cmdTopic(address) };
    this.stateBase = { softwareVersion: options.softwareVersion, configHash: options.configHash, startedAtMs: options.startedAtMs ?? Date.now(), gatewayId: address.gateway };
    const problem = validateState({ ...this.stateBase, status: 'online', birthSeq: 1n });
    if (problem) throw new TypeError(`GatewayLink: the birth message would be invalid: ${problem.message}`);
    this.schedule = new RetrySchedule(options.reconnect, options.random, options.timers);
    this.slots = new InFlightLimit(options.maxInFlight ?? 64);

    const tls = options.tls ?? {};
    const clientOptions: IClientOptions = {
      clientId: address.gateway,
      clean: false,
      protocolVersion: 4,
      keepalive: options.keepaliveSeconds ?? 30,
      connectTimeout: options.connectTimeoutMs ?? 10_000,
      reconnectPeriod: 0, // reconnects are ours: jittered backoff and a new birthSeq each time
      resubscribe: false, // subscriptions are ours too, on every connect
      queueQoSZero: false,
      manualConnect: true,
      // mqtt-packet's default pre-builds a Buffer for each of the 65,536 two-byte numbers on the
      // first packet: about 7 MB of heap kept for the daemon's life, to save a 2-byte allocation.
      writeCache: false,
      ...(options.username === undefined ? {} : { username: options.username }),
      ...(options.password === undefined ? {} : { password: options.password as string }),
      ...(tls.ca === undefined ? {} : { ca: tls.ca }),
      ...(tls.cert === undefined ? {} : { cert: tls.cert }),
      ...(tls.key === undefined ? {} : { key: tls.key }),
      ...(tls.servername === undefined ? {} : { servername: tls.servername }),
      rejectUnauthorized: tls.rejectUnauthorized ?? true,
      ...TLS_CLIENT_POLICY, // read only for mqtts:// (TLS): AEAD-only TLS 1.2, or TLS 1.3
    };
    this.client = connect(options.url, clientOptions);
    this.client.on('connect', (connack) => this.onConnect(connack));
    this.client.on('close', () => this.onClose());
    this.client.on('error', (err) => this.onError(err));
    this.client.on('message', (topic, payload) => this.onMessage(topic, payload));
    // The site uplink's births (protocol/README.md): on a new one, scans waiting for receipts go again.
    const uplinkState = uplinkStateTopic(address.site);
    const births = new UplinkBirths();
    this.client.on('connect', () => this.client.subscribe(uplinkState, { qos: 1 }, (err) => err && this.log.debug({ err: err.message }, 'mqtt: no uplink state subscription on this connection')));
    this.client.on('message', (topic, payload, packet) => topic === uplinkState && births.isNews(payload, packet.retain) && this.emitSafely('uplinkBirth'));
  }

  /** Connected to the broker (CONNACK received, not yet closed). */
  get online(): boolean {
    return this.isOnline;
  }

  /** Why the broker refuses this gateway, since the last refused attempt; null once connected. */
  get refusal(): BrokerRefusal | null {
    return this.currentRefusal;
  }

  /** The birth sequence number of the current (or last attempted) connection. */
  get birthSeq(): bigint {
    return this.seq;
  }

  /** Scans handed to the client and not yet acknowledged. */
  get inFlight(): number {
    return this.slots.inFlight;
  }

  /** The most scans ever unacknowledged at once (never above maxInFlight). */
  get maxInFlightSeen(): number {
    return this.slots.maxInFlight;
  }

  /** publishScan() calls waiting for an in-flight slot (back-pressure). */
  get waitingForSlot(): number {
    return this.slots.waiting;
  }

  /**
   * Publishes a scan at QoS 1 on this gateway's scan topic; resolves on PUBACK. Offline, it waits
   * for the connection (it does not fail); with maxInFlight scans unacknowledged, it waits for a
   * slot. Rejects with WireEncodeError for an invalid event, TypeError for another gateway's
   * event, LinkClosedError once close() is called.
   */
  async publishScan(event: ScanEvent, options: PublishScanOptions = {}): Promise<void> {
    const started = performance.now();
    if (this.closed) throw new LinkClosedError();
    const { address } = this.options;
    if (event.site !== address.site || event.theatre !== address.theatre || event.gatewayId !== address.gateway) {
      throw new TypeError("publishScan: the event's site, theatre and gatewayId must be this gateway's");
    }
    const flag = options.historical === true && !event.historical;
    const payload = toBuffer(options.encoded !== undefined && !flag ? options.encoded : encodeScanEvent(flag ? { ...event, historical: true } : event));
    if (!this.slots.tryAcquire()) {
      try {
        await this.slots.acquire();
      } catch (e) {
        this.stats.publishFailures++; // closed while waiting for a slot
        throw e;
      }
    }
    try {
      await this.publish(this.topics.scan, payload, false);
    } catch (e) {
      this.stats.publishFailures++;
      throw e;
    } finally {
      this.slots.release();
    }
    this.stats.published++;
    this.hook(() => this.options.metrics?.published?.());
    this.hook(() => this.options.metrics?.publishLatency?.((performance.now() - started) / 1000));
  }

  /**
   * Publishes the retained State{offline} (bounded wait), rejects pending publishes with
   * LinkClosedError, and disconnects. Idempotent.
   */
  close(): Promise<void> {
    this.closing ??= this.shutdown();
    return this.closing;
  }

  private async shutdown(): Promise<void> {
    this.closed = true;
    this.schedule.cancel();
    const bound = this.options.closeTimeoutMs ?? 2_000;
    if (this.client.connected) {
      const death = toBuffer(encodeState({ ...this.stateBase, status: 'offline', birthSeq: this.seq }));
      await withTimeout(
        this.publish(this.topics.state, death, true).catch(() => undefined),
        bound,
      );
    }
    const error = new LinkClosedError();
    this.slots.close(error);
    for (const fail of [...this.pending]) fail(error);
    if (this.clientStarted) {
      // Connected: DISCONNECT (the broker discards the will) once the acknowledgements still
      // due have come, within the bound; past it, or offline, the socket is simply dropped (a
      // will published then says the same as the OFFLINE state above).
      const graceful = this.client.connected;
      const ended = await withTimeout(new Promise<true>((resolve) => this.client.end(!graceful, {}, () => resolve(true))), bound);
      if (ended === undefined) this.client.stream?.destroy();
    }
    this.log.info({ birthSeq: String(this.seq) }, 'mqtt: link closed');
  }

  // ---- connection ---------------------------------------------------------------------------

  private async start(): Promise<void> {
    this.seq = await this.options.birthSeqStore.load();
    void this.attempt();
  }

  /** One CONNECT: a new, durably saved birthSeq, its will, then the socket. */
  private async attempt(): Promise<void> {
    if (this.closed) return;
    const next = this.seq + 1n;
    try {
      await this.options.birthSeqStore.save(next);
    } catch (e) {
      // Without a durable number a restart could reuse it: do not connect, retry later.
      this.log.error({ err: (e as Error).message }, 'mqtt: cannot save the birth sequence number; not connecting');
      this.retryLater();
      return;
    }
    if (this.closed) return;
    this.seq = next;
    this.client.options.will = {
      topic: this.topics.state,
      payload: toBuffer(encodeState({ ...this.stateBase, status: 'offline', birthSeq: next })),
      qos: 1,
      retain: true,
    };
    this.stats.connectAttempts++;
    this.clientStarted = true;
    this.client.connect();
  }

  private retryLater(): void {
    if (this.closed) return;
    const delay = this.schedule.next(() => void this.attempt());
    if (delay !== null) this.log.debug({ delayMs: delay, attempt: this.schedule.attempts }, 'mqtt: reconnect scheduled');
  }

  private onConnect(connack: IConnackPacket): void {
    this.isOnline = true;
    this.schedule.reset();
    this.failuresLogged = 0;
    this.lastError = null;
    this.attemptRefusal = null;
    this.currentRefusal = null;
    this.refusalLog = { reason: '', atMs: 0, since: 0 };
    if (this.connectedOnce) {
      this.stats.reconnects++;
      this.hook(() => this.options.metrics?.reconnected?.());
    }
    this.connectedOnce = true;
    this.hook(() => this.options.metrics?.connected?.(true));
    const sessionPresent = connack.sessionPresent === true;
    this.log.info({ birthSeq: String(this.seq), sessionPresent }, 'mqtt: online');

    const birth = toBuffer(encodeState({ ...this.stateBase, status: 'online', birthSeq: this.seq }));
    this.publish(this.topics.state, birth, true).catch((e: Error) => this.log.debug({ err: e.message }, 'mqtt: birth not acknowledged on this connection'));
    // Always (re)subscribe: a broker may report a session without our subscriptions in it (e.g.
    // the SUBSCRIBE was lost with the previous connection). Re-subscribing keeps queued messages.
    this.client.subscribe({ [this.topics.receipt]: { qos: 1 }, [this.topics.cmd]: { qos: 1 } }, (err) => {
      if (!err) return this.emitSafely('subscribed');
      // A SUBACK that refuses carries the packet (granted 0x80); a lost connection does not.
      const granted = (err as { packet?: { granted?: unknown } }).packet?.granted;
      if (Array.isArray(granted) && granted.some((g) => typeof g === 'number' && g >= 0x80)) {
        this.stats.subscribeRefused++;
        this.log.error({ err: err.message }, 'mqtt: the broker refused our receipt/cmd subscription: its ACL must let this gateway read its own receipt and cmd topics');
      } else {
        this.log.debug({ err: err.message }, 'mqtt: subscription interrupted; retried on the next connection');
      }
    });
    this.emitSafely('online', { birthSeq: this.seq, sessionPresent });
  }

  private onClose(): void {
    if (this.isOnline) {
      this.isOnline = false;
      this.hook(() => this.options.metrics?.connected?.(false));
      if (!this.closed) this.log.warn({ birthSeq: String(this.seq), err: this.lastError }, 'mqtt: offline; reconnecting with backoff');
      this.emitSafely('offline');
    } else if (!this.closed) {
      const refusal = this.attemptRefusal;
      this.attemptRefusal = null;
      if (refusal) this.onRefused(refusal);
      else {
        // A broker that is away: the first failed attempt loudly, the rest (same story) at debug.
        const fields = { err: this.lastError, attempt: this.schedule.attempts + 1 };
        if (this.failuresLogged++ === 0) this.log.warn(fields, 'mqtt: cannot connect to the broker; retrying with backoff');
        else this.log.debug(fields, 'mqtt: connect attempt failed');
      }
    }
    this.retryLater();
  }

  private onError(err: Error & { code?: unknown }): void {
    // Connection errors are followed by 'close', which logs them and reconnects.
    const text = `${err.message}${typeof err.code === 'string' ? ` (${err.code})` : ''}`;
    const refusal = refusalOf(err);
    if (refusal) this.attemptRefusal = refusal;
    // A CONNACK refusal refusal.ts does not name (identifier rejected, server unavailable).
    else if (/Connection refused/.test(err.message) && text !== this.lastError) this.log.error({ err: text }, 'mqtt: the broker refused the connection');
    this.lastError = text;
  }

  /** An error line for a new cause at once; the same cause again only after the interval. */
  private onRefused(refusal: BrokerRefusal): void {
    const now = (this.options.now ?? Date.now)();
    const log = this.refusalLog;
    const changed = refusal.reason !== log.reason;
    if (changed || now - log.atMs >= (this.options.refusalLogIntervalMs ?? 300_000)) {
      this.log.error(
        { reason: refusal.reason, detail: refusal.detail, attempt: this.schedule.attempts + 1, ...(changed ? {} : { refusedSinceLastLine: log.since }) },
        'mqtt: the broker refuses this gateway; retrying with backoff, but hospital IT must act',
      );
      this.refusalLog = { reason: refusal.reason, atMs: now, since: 0 };
    } else log.since++;
    if (this.currentRefusal?.reason !== refusal.reason) {
      this.currentRefusal = refusal;
      this.emitSafely('refused', refusal);
    }
  }

  // ---- publish --------------------------------------------------------------------------------

  /** QoS 1 publish whose promise close() can reject (mqtt.js may otherwise hold it forever). */
  private publish(topic: string, payload: Buffer, retain: boolean): Promise<void> {
    return new Promise((resolve, reject) => {
      const fail = (error: Error): void => {
        this.pending.delete(fail);
        reject(error);
      };
      this.pending.add(fail);
      this.client.publish(topic, payload, { qos: 1, retain }, (err) => {
        if (!this.pending.delete(fail)) return; // already rejected by close()
        if (err) reject(err);
        else resolve();
      });
    });
  }

  // ---- receive --------------------------------------------------------------------------------

  private onMessage(topic: string, payload: Buffer): void {
    if (topic === uplinkStateTopic(this.options.address.site)) return; // the listener in the constructor
    try {
      this.stats.received++;
      const incoming = decodeIncoming(this.options.address, topic, payload);
      switch (incoming.kind) {
        case 'receipt':
          this.stats.receipts++;
          this.emitSafely('receipt', incoming.receipt);
          break;
        case 'command':
          this.stats.commands++;
          this.emitSafely('command', incoming.command);
          break;
        case 'malformed':
          this.stats.malformed++;
          this.hook(() => this.options.metrics?.malformed?.(incoming.topicKind, incoming.error.code));
          // The decoder's message names the field and the rule, never the value; no payload bytes.
          this.log.warn({ topicKind: incoming.topicKind, code: incoming.error.code, reason: incoming.error.message, bytes: payload.length }, 'mqtt: dropped a message that does not decode');
          break;
        case 'unexpected-topic':
          this.stats.unexpectedTopic++;
          this.log.warn({ bytes: payload.length }, 'mqtt: dropped a message on a topic this gateway did not subscribe to');
          break;
      }
    } catch (e) {
      this.stats.listenerErrors++;
      this.log.error({ err: (e as Error).message }, 'mqtt: error while handling an incoming message');
    }
  }

  // ---- safety -------------------------------------------------------------------------------

  private emitSafely<K extends keyof LinkEvents>(event: K, ...args: LinkEvents[K]): void {
    try {
      (this.emit as (event: K, ...args: LinkEvents[K]) => boolean)(event, ...args);
    } catch (e) {
      this.stats.listenerErrors++;
      this.log.error({ event, err: (e as Error).message }, 'mqtt: a link event listener threw');
    }
  }

  private hook(call: () => void): void {
    try {
      call();
    } catch (e) {
      this.stats.listenerErrors++;
      this.log.error({ err: (e as Error).message }, 'mqtt: a metrics hook threw');
    }
  }
}
