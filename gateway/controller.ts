// The gateway's core, in the manner of zigbee2mqtt's controller: it turns scanner frames into
// durable ScanEvents and receipts into station-page entries; everything else (station page,
// systemd, indicator, metrics) is an extension that listens to its events.
//   const c = new GatewayController({ config, outbox, link, sequence, … });
//   await c.handleFrame(bytes, Date.now());  → { accepted: true, scanId } once fsynced
//   c.on('accepted' | 'refused' | 'receipt' | 'status' | 'disk-full', …)
// Every frame ends in an outcome: a storage failure (disk full, outbox full, a failed write or
// fsync, a sequence block that cannot be reserved) or an unexpected error is a refusal with its
// reason, counted, logged and shown like any other; handleFrame never rejects.

import { EventEmitter } from 'node:events';
import type { Logger } from 'pino';
import { dayCaseId, isGatewayCaseId, newCaseId } from '../protocol/case-id.ts';
import { createScanIdGenerator } from '../protocol/scan-id.ts';
import { parse, plainReasonOf, type ParseResult } from '../protocol/udi/index.ts';
import type { Command, ScanEvent, ScanReceipt } from '../protocol/wire.ts';
import { encodeScanEvent } from '../protocol/wire.ts';
import type { GatewayConfig } from './config.ts';
import type { GatewayMetrics } from './metrics.ts';
import { REFUSAL_MESSAGES, type BrokerRefusal, type RefusalReason } from './mqtt/refusal.ts';
import type { Feedback, IndicatorPort, LinkPort, OutboxPort } from './ports.ts';
import { Publisher, type PublisherOptions } from './publisher.ts';
import { decide } from './scan-decision.ts';
import { ScanLog, type StationScan } from './scan-log.ts';
import { STORAGE_MESSAGES, storageRefusal } from './storage-failure.ts';

export interface SequenceSource {
  next(): Promise<bigint>;
}

export interface Status {
  scanner: 'connecting' | 'open' | 'lost';
  /** 'refused': the broker says no to this gateway (its certificate, credentials): see attention. */
  broker: 'online' | 'offline' | 'refused';
  /** Pending scans: accepted, waiting for their receipt. */
  outbox: number;
  caseId: string | null;
  /** What staff must act on (disk full, a damaged journal at start-up); empty when all is well. */
  attention: Attention[];
}

export interface Attention {
  code: 'disk-full' | 'journal-damaged' | 'broker-refused';
  message: string;
  /** broker-refused: why (gateway/mqtt/refusal.ts), e.g. 'certificate-revoked'. */
  reason?: RefusalReason;
}

/** Alerts that light the indicator's attention pattern; a broker refusal shows as offline instead. */
const lightsAttention = (a: Attention): boolean => a.code !== 'broker-refused';

export type FrameOutcome =
  | { accepted: true; scanId: string }
  | { accepted: false; reason: string; code: string; message: string }
  | { accepted: false; reason: 'double-read' | 'control' };

export interface ControllerDeps {
  config: GatewayConfig;
  outbox: OutboxPort;
  link: LinkPort;
  sequence: SequenceSource;
  metrics: GatewayMetrics;
  logger: Logger;
  indicator?: IndicatorPort;
  /** True when these bytes repeat the previous scan within the double-read window. */
  isDoubleRead?: (bytes: Uint8Array, atMs: number) => boolean;
  now?: () => number;
  newScanId?: () => string;
  publisher?: PublisherOptions;
}

interface Events {
  accepted: [ScanEvent];
  refused: [StationScan];
  receipt: [ScanReceipt, StationScan | undefined];
  status: [Status];
  /** The disk filled up: new scans are refused until clearAttention('disk-full'). */
  'disk-full': [];
}

/** A case id from outside that this gateway did not make (free text is never a case id). */
export class CaseIdRefused extends Error {
  readonly code = 'case-id-refused';
  constructor() {
    super('A case id is made by the gateway: start a case without one (or scan the case card).');
    this.name = 'CaseIdRefused';
  }
}

/** A storage call (sequence, outbox) failed; the cause says how. */
class StorageFailure extends Error {
  constructor(readonly failure: unknown) {
    super('storage failure', { cause: failure });
  }
}

export const DISK_FULL_ATTENTION = 'The gateway disk is full: new scans are refused until space is freed. Scans already recorded are kept and sent.';

/** Control barcodes printed on the theatre's case card (see gateway/README.md). */
export const CONTROL_NEW_CASE = 'IMPLANTSCAN:CASE:NEW';
export const CONTROL_END_CASE = 'IMPLANTSCAN:CASE:END';

export class GatewayController extends EventEmitter<Events> {
  readonly scanLog: ScanLog;
  readonly publisher: Publisher;
  private readonly status: Status;
  private readonly now: () => number;
  private readonly newScanId: () => string;
  private prepared: Promise<unknown> = Promise.resolve();
  private closed = false;

  constructor(private readonly deps: ControllerDeps) {
    super();
    this.now = deps.now ?? Date.now;
    this.newScanId = deps.newScanId ?? createScanIdGenerator();
    this.scanLog = new ScanLog(2000, this.now);
    this.status = { scanner: 'connecting', broker: deps.link.online ? 'online' : 'offline', outbox: deps.outbox.depth, caseId: null, attention: [] };
    this.publisher = new Publisher(deps.outbox, deps.link, {
      maxInFlight: deps.config.broker.maxInFlight,
      ...deps.publisher,
      now: this.now,
      // The link observes the publish latency itself (gateway/mqtt/link-metrics.ts).
      onPublished: (event) => {
        const entry = this.scanLog.get(event.scanId);
        if (entry?.status === 'stored') this.scanLog.update(event.scanId, { status: 'sent' });
      },
      onUndecodable: (scanId) => deps.logger.error({ scanId }, 'an outbox record cannot be decoded: it is kept on disk but never published'),
    });
    deps.link.on('online', this.onOnline);
    deps.link.on('offline', this.onOffline);
    deps.link.on('refused', this.onRefused);
    deps.link.on('receipt', this.onReceipt);
    deps.link.on('command', this.onCommand);
    this.updateOutboxMetrics();
  }

  currentStatus(): Status {
    return { ...this.status, outbox: this.deps.outbox.depth, attention: [...this.status.attention] };
  }

  setScannerStatus(scanner: Status['scanner']): void {
    if (this.status.scanner === scanner) return;
    this.status.scanner = scanner;
    this.deps.metrics.scannerConnected.set(scanner === 'open' ? 1 : 0);
    this.emitStatus();
  }

  /** One frame from the scanner. Resolves once the outcome is final (accepted = fsynced). */
  handleFrame(bytes: Uint8Array, atMs: number = this.now()): Promise<FrameOutcome> {
    if (this.closed) return Promise.resolve({ accepted: false, reason: 'unknown', code: 'closing', message: 'The gateway is shutting down.' });
    // Parsing, the sequence number and the event are made in scan order; the fsyncs of a burst
    // then overlap, so the outbox can commit them as a group.
    const event = this.prepared.then(() => this.prepare(bytes, atMs));
    this.prepared = event.catch(() => undefined);
    return event.then((p) => ('outcome' in p ? p.outcome : this.store(p.event, p.result))).catch((e: unknown) => this.failed(e, atMs));
  }

  /** Something staff must act on; shown on the station page and as the indicator's attention state. */
  setAttention(code: Attention['code'], message: string): void {
    const was = this.status.attention;
    this.status.attention = [...was.filter((a) => a.code !== code), { code, message }];
    if (!was.some(lightsAttention)) this.feedback('attention');
    this.emitStatus();
    if (code === 'disk-full' && !was.some((a) => a.code === code)) this.emit('disk-full');
  }

  clearAttention(code: Attention['code']): void {
    if (!this.status.attention.some((a) => a.code === code)) return;
    this.status.attention = this.status.attention.filter((a) => a.code !== code);
    if (!this.status.attention.some(lightsAttention)) this.feedback('attention-cleared');
    this.deps.logger.warn({ code }, 'attention cleared');
    this.emitStatus();
  }

  /** True from a disk-full failure until clearAttention('disk-full'): new scans are refused meanwhile. */
  get diskFull(): boolean {
    return this.status.attention.some((a) => a.code === 'disk-full');
  }

  /**
   * Starts a case. Its id is made here; a given one must be one this gateway software made
   * (protocol/case-id.ts), anything else throws CaseIdRefused, whose message never quotes it.
   */
  startCase(caseId?: string): string {
    if (caseId !== undefined && !isGatewayCaseId(caseId)) throw new CaseIdRefused();
    const id = caseId ?? newCaseId();
    this.status.caseId = id;
    this.deps.logger.info({ caseId: id }, 'case started');
    this.emitStatus();
    return id;
  }

  endCase(): void {
    if (this.status.caseId === null) return;
    this.deps.logger.info({ caseId: this.status.caseId }, 'case ended');
    this.status.caseId = null;
    this.emitStatus();
  }

  close(): void {
    this.closed = true;
    this.publisher.close();
    this.deps.link.off('online', this.onOnline);
    this.deps.link.off('offline', this.onOffline);
    this.deps.link.off('refused', this.onRefused);
    this.deps.link.off('receipt', this.onReceipt);
    this.deps.link.off('command', this.onCommand);
  }

  /** Waits for every frame handed in so far to be decided. */
  async drain(): Promise<void> {
    await this.prepared;
  }

  private async prepare(bytes: Uint8Array, atMs: number): Promise<{ outcome: FrameOutcome } | { event: ScanEvent; result: ParseResult }> {
    const { config, metrics } = this.deps;
    if (this.deps.isDoubleRead?.(bytes, atMs)) {
      metrics.refused('double-read');
      this.deps.logger.debug('double read suppressed');
      return { outcome: { accepted: false, reason: 'double-read' } };
    }
    const control = controlCode(bytes);
    if (control !== null) {
      if (control === 'new') this.startCase();
      else this.endCase();
      this.feedback('good-read');
      return { outcome: { accepted: false, reason: 'control' } };
    }
    const result = parse(bytes, { gsSubstitutes: config.scanner.gsSubstitutes, now: new Date(atMs) });
    const decision = decide(result);
    if (!decision.accept) {
      metrics.refused(decision.reason);
      // Never the scan's content: it may be a wristband.
      this.deps.logger.info({ reason: decision.reason, code: decision.code, detail: decision.detail }, 'scan refused');
      this.refuse(atMs, result.scheme, decision.code, decision.message);
      return { outcome: { accepted: false, reason: decision.reason, code: decision.code, message: decision.message } };
    }
    // While the disk is full nothing is written, not even a sequence block: the space left is
    // for the receipts that empty the outbox.
    if (this.diskFull) throw new StorageFailure(Object.assign(new Error('the disk is full'), { code: 'disk-full' }));
    const event: ScanEvent = {
      scanId: this.newScanId(),
      gatewayId: config.gateway,
      site: config.site,
      theatre: config.theatre,
      caseId: this.status.caseId ?? dayCaseId(atMs),
      sequence: await this.nextSequence(),
      scannedAtMs: atMs,
      historical: false,
      raw: bytes.slice(),
      symbology: result.symbology,
      parse: { ok: result.ok, scheme: result.scheme, elements: result.elements, udi: result.udi, errors: result.errors },
    };
    return { event, result };
  }

  private async store(event: ScanEvent, result: ParseResult): Promise<FrameOutcome> {
    const { metrics, logger } = this.deps;
    const encoded = encodeScanEvent(event);
    try {
      await this.deps.outbox.append(event.scanId, encoded, { mark: event.sequence });
    } catch (e) {
      throw new StorageFailure(e);
    }
    // Durable now. The PUBLISH goes first, then the good-read. mqtt.js writes into a corked socket
    // and uncorks it on the next tick: the bookkeeping (metrics, log line, station page, status)
    // waits until after that tick, so nothing runs between the fsync and the PUBLISH on the wire.
    this.publisher.submit(event, encoded);
    this.feedback('good-read');
    await afterNextTick();
    metrics.scansAccepted.inc();
    this.updateOutboxMetrics();
    logger.info({ scanId: event.scanId, sequence: Number(event.sequence), scheme: result.scheme }, 'scan accepted');
    logger.debug({ scanId: event.scanId, udi: result.udi }, 'scan content');
    this.scanLog.add({
      scanId: event.scanId,
      status: 'stored',
      scannedAt: new Date(event.scannedAtMs).toISOString(),
      caseId: event.caseId,
      scheme: result.scheme,
      udi: result.udi,
      orderCode: null,
      caseCode: null,
      productName: null,
      reason: null,
    });
    this.emit('accepted', event);
    this.emitStatus();
    return { accepted: true, scanId: event.scanId };
  }

  private async nextSequence(): Promise<bigint> {
    try {
      return await this.deps.sequence.next();
    } catch (e) {
      throw new StorageFailure(e);
    }
  }

  /** The refusal for a failed storage call or an unexpected error: what was accepted before stays. */
  private failed(e: unknown, atMs: number): FrameOutcome {
    const cause = e instanceof StorageFailure ? e.failure : e;
    const reason = e instanceof StorageFailure ? storageRefusal(cause) : 'internal-error';
    const message = reason === 'internal-error' ? 'The gateway failed on this scan: it was NOT recorded. Call IT.' : STORAGE_MESSAGES[reason];
    this.deps.metrics.refused(reason);
    const c = cause as { name?: unknown; code?: unknown; errno?: unknown; message?: unknown } | null;
    // The error's name and code, never the scan. A storage error's message names a file; any other
    // error's message is left out, since it might quote what was scanned.
    const err = { name: c?.name, code: c?.code ?? c?.errno, ...(reason === 'internal-error' ? {} : { message: c?.message }) };
    this.deps.logger.error({ reason, err }, 'scan NOT accepted: refused');
    this.refuse(atMs, 'unknown', reason, message);
    if (reason === 'disk-full') this.setAttention('disk-full', DISK_FULL_ATTENTION);
    return { accepted: false, reason, code: reason, message };
  }

  private refuse(atMs: number, scheme: string, code: string, message: string): void {
    this.feedback('refused');
    const entry = this.scanLog.add({
      scanId: null,
      status: 'refused',
      scannedAt: new Date(atMs).toISOString(),
      caseId: this.status.caseId,
      scheme,
      udi: null,
      orderCode: null,
      caseCode: null,
      productName: null,
      reason: { code, message },
    });
    this.emit('refused', entry);
  }

  private feedback(f: Feedback): void {
    try {
      this.deps.indicator?.signal(f);
    } catch (e) {
      this.deps.logger.warn({ err: (e as Error).message }, 'indicator failed');
    }
  }

  private readonly onOnline = (): void => {
    this.status.broker = 'online';
    this.status.attention = this.status.attention.filter((a) => a.code !== 'broker-refused');
    this.deps.metrics.brokerConnected.set(1);
    this.feedback('online');
    this.emitStatus();
  };

  private readonly onOffline = (): void => {
    this.status.broker = 'offline';
    this.deps.metrics.brokerConnected.set(0);
    this.feedback('offline');
    this.emitStatus();
  };

  /** The link logs the refusal; staff see it on the page, and the indicator stays offline (red). */
  private readonly onRefused = (refusal: BrokerRefusal): void => {
    this.status.broker = 'refused';
    this.deps.metrics.brokerConnected.set(0);
    const alert: Attention = { code: 'broker-refused', message: REFUSAL_MESSAGES[refusal.reason], reason: refusal.reason };
    this.status.attention = [...this.status.attention.filter((a) => a.code !== 'broker-refused'), alert];
    this.feedback('offline');
    this.emitStatus();
  };

  private readonly onReceipt = (receipt: ScanReceipt): void => {
    void this.publisher.receipt(receipt.scanId).then(
      (known) => {
        const entry = this.scanLog.get(receipt.scanId);
        if (!known && entry === undefined) return; // another hop's duplicate: already done here
        const status = receipt.status === 'rejected' ? 'rejected' : receipt.status === 'voided' ? 'voided' : 'receipted';
        const updated = this.scanLog.update(receipt.scanId, {
          status,
          orderCode: receipt.orderCode,
          caseCode: receipt.caseCode,
          productName: receipt.productName,
          reason: status === 'rejected' ? { code: receipt.messageCode, message: plainReasonOf(receipt.messageCode) ?? 'The national service refused this scan.' } : null,
        });
        if (known) {
          const sent = updated ? Date.parse(updated.scannedAt) : NaN;
          if (Number.isFinite(sent)) this.deps.metrics.receiptLatency.observe(Math.max(0, this.now() - sent) / 1000);
          if (status === 'receipted') this.feedback('order-code');
        }
        this.updateOutboxMetrics();
        this.emit('receipt', receipt, updated);
        this.emitStatus();
      },
      (e: unknown) => this.deps.logger.error({ scanId: receipt.scanId, err: (e as Error).message }, 'could not retire a receipted scan; it will be published again'),
    );
  };

  private readonly onCommand = (command: Command): void => {
    if (command.expiresAtMs < this.now()) {
      this.deps.logger.warn({ commandId: command.commandId, kind: command.action.kind }, 'expired command ignored');
      return;
    }
    const a = command.action;
    this.deps.logger.info({ commandId: command.commandId, kind: a.kind }, 'command');
    if (a.kind === 'start-case') this.startCaseByCommand(command.commandId, a.caseId);
    else if (a.kind === 'end-case') this.endCase();
    else if (a.kind === 'void-scan') {
      const entry = this.scanLog.get(a.scanId);
      if (entry) this.scanLog.update(a.scanId, { status: 'voided' });
    }
  };

  private startCaseByCommand(commandId: string, caseId: string): void {
    try {
      this.startCase(caseId);
    } catch (e) {
      if (!(e instanceof CaseIdRefused)) throw e;
      this.deps.logger.warn({ commandId }, 'start-case refused: its case id was not made by a gateway');
    }
  }

  private updateOutboxMetrics(): void {
    this.deps.metrics.outboxDepth.set(this.deps.outbox.depth);
    this.deps.metrics.outboxBytes.set(this.deps.outbox.bytes);
  }

  private emitStatus(): void {
    this.emit('status', this.currentStatus());
  }
}

/** Resolves after the ticks queued so far (process.nextTick is FIFO), e.g. mqtt.js's uncork. */
const afterNextTick = (): Promise<void> => new Promise((resolve) => process.nextTick(resolve));

function controlCode(bytes: Uint8Array): 'new' | 'end' | null {
  if (bytes.length < CONTROL_NEW_CASE.length || bytes.length > CONTROL_NEW_CASE.length + 8) return null;
  const text = Buffer.from(bytes).toString('latin1');
  // The scanner may prefix an AIM identifier (]Q1, ]A0 …).
  const body = text.startsWith(']') ? text.slice(3) : text;
  if (body === CONTROL_NEW_CASE) return 'new';
  if (body === CONTROL_END_CASE) return 'end';
  return null;
}

