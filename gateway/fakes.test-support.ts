// Small in-memory stand-ins for the controller's ports, for unit tests of one unit only; the
// integration tests (gateway/daemon.test.ts, test/) use the real outbox, broker and pty.
import { EventEmitter } from 'node:events';
import type { ScanEvent } from '../protocol/wire.ts';
import type { LinkEvents, PublishScanOptions } from './mqtt/link.ts';
import type { Feedback, LinkPort, OutboxPort } from './ports.ts';
import pino from 'pino';
import { parseConfig } from './config.ts';
import { GatewayController } from './controller.ts';
import { GatewayMetrics } from './metrics.ts';

export class MemoryOutbox implements OutboxPort {
  readonly records = new Map<string, Uint8Array>();
  readonly retired: string[] = [];
  failNext: Error | null = null;
  async append(id: string, payload: Uint8Array): Promise<void> {
    if (this.failNext) {
      const e = this.failNext;
      this.failNext = null;
      throw e;
    }
    this.records.set(id, payload);
  }
  async retire(id: string): Promise<void> {
    this.records.delete(id);
    this.retired.push(id);
  }
  *pending(): Iterable<{ id: string; payload: Uint8Array }> {
    for (const [id, payload] of this.records) yield { id, payload };
  }
  get depth(): number {
    return this.records.size;
  }
  get bytes(): number {
    let n = 0;
    for (const p of this.records.values()) n += p.length;
    return n;
  }
}

/** A link whose publishes complete only when the test says so. */
export class ManualLink extends EventEmitter<LinkEvents> implements LinkPort {
  online = false;
  readonly published: ScanEvent[] = [];
  /** The bytes each publish was handed, if any (the outbox's, for a live scan). */
  readonly encoded: (Uint8Array | undefined)[] = [];
  private readonly waiting: { resolve: () => void; reject: (e: Error) => void }[] = [];
  publishScan(event: ScanEvent, options: PublishScanOptions = {}): Promise<void> {
    this.published.push(event);
    this.encoded.push(options.encoded);
    return new Promise((resolve, reject) => this.waiting.push({ resolve, reject }));
  }
  get outstanding(): number {
    return this.waiting.length;
  }
  ackAll(): void {
    for (const w of this.waiting.splice(0)) w.resolve();
  }
  failAll(): void {
    for (const w of this.waiting.splice(0)) w.reject(new Error('closed'));
  }
  setOnline(online: boolean): void {
    this.online = online;
    if (online) this.emit('online', { birthSeq: 1n, sessionPresent: true });
    else this.emit('offline');
  }
}

export class RecordingIndicator {
  readonly signals: Feedback[] = [];
  signal(f: Feedback): void {
    this.signals.push(f);
  }
}

/** A controller of gateway sahlgrenska/or-7/gw-or7 (or `address`) on a memory outbox and a counting
 * sequence, with its link, metrics and a recording indicator, for tests of what it shows. With
 * `logs`, every log line (debug and up) is pushed there. */
export function testController(link: LinkPort, address = { site: 'sahlgrenska', theatre: 'or-7', gateway: 'gw-or7' }, logs?: string[]) {
  const metrics = new GatewayMetrics();
  const indicator = new RecordingIndicator();
  const outbox = new MemoryOutbox();
  let seq = 0n;
  const controller = new GatewayController({
    config: parseConfig(address),
    outbox,
    link,
    metrics,
    logger: logs ? pino({ level: 'debug' }, { write: (line: string) => void logs.push(line) }) : pino({ level: 'silent' }),
    indicator,
    sequence: { next: async () => ++seq },
  });
  return { controller, metrics, indicator, outbox };
}
