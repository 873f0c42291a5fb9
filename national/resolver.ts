// Resolves scans' product metadata through the configured sources, in order, and stores the
// outcome with each scan. Never fails: a source that cannot answer is recorded, and the scan is
// served with its barcode data marked "partial".
//   const resolver = new Resolver({ store, sources: [catalogue, validoo], logger });
//   await resolver.resolve([{ scanId, scheme: 'gs1', di }]);   // stored; waits for the lookups
//   resolver.startSweeper();                                   // picks up scans left pending
//
// Bounds: lookups of one identifier are shared; at most `concurrency` identifiers are looked up at
// once, at most `maxQueued` wait; beyond that a scan simply stays pending in the store and the
// sweeper (every `sweepIntervalMs`) or a registry's lookup picks it up later. Each identifier's
// resolution is cut off after `lookupTimeoutMs` (sources have their own, shorter, timeouts).

import type { Logger } from 'pino';
import type { DiScheme, MetadataSource, ProductInfo } from './sources/types.ts';
import { SourceError } from './sources/types.ts';
import type { NationalStore, PendingScan, ResolvedMetadata } from './store/store.ts';

export interface ResolverOptions {
  store: NationalStore;
  sources: readonly MetadataSource[];
  logger: Logger;
  now?: () => number;
  concurrency?: number;
  maxQueued?: number;
  lookupTimeoutMs?: number;
  sweepIntervalMs?: number;
}

interface Job {
  key: string;
  scheme: DiScheme;
  di: string;
  scanIds: Set<string>;
  /** Set when the lookup has finished (before the scans are saved). */
  result: ResolvedMetadata | null;
  done: Promise<void>;
  start: () => void;
}

export class Resolver {
  private readonly jobs = new Map<string, Job>();
  private readonly queue: Job[] = [];
  private running = 0;
  private readonly closing = new AbortController();
  private sweeper: NodeJS.Timeout | null = null;
  private readonly now: () => number;
  private readonly concurrency: number;
  private readonly maxQueued: number;
  private readonly lookupTimeoutMs: number;

  constructor(private readonly options: ResolverOptions) {
    this.now = options.now ?? Date.now;
    this.concurrency = options.concurrency ?? 16;
    this.maxQueued = options.maxQueued ?? 10_000;
    this.lookupTimeoutMs = options.lookupTimeoutMs ?? 15_000;
  }

  /** Resolves and stores these scans' metadata; settles when all of them are stored (or skipped
   * because the queue is full or the resolver is closing). Never rejects. */
  resolve(scans: readonly PendingScan[]): Promise<void> {
    const waits: Promise<void>[] = [];
    for (const s of scans) {
      const key = `${s.scheme}:${s.di}`;
      let job = this.jobs.get(key);
      if (job === undefined) {
        if (this.closing.signal.aborted || this.queue.length >= this.maxQueued) continue;
        job = this.createJob(key, s.scheme, s.di);
      }
      job.scanIds.add(s.scanId);
      waits.push(job.done);
    }
    return Promise.all(waits).then(() => undefined);
  }

  /** The metadata of these identifiers whose lookups finish within `waitMs` (keyed "scheme:di");
   * the others go on in the background. Lets ingest store a scan with its metadata at once. */
  async lookup(ids: readonly { scheme: DiScheme; di: string }[], waitMs: number): Promise<Map<string, ResolvedMetadata>> {
    const jobs = new Map<string, Job>();
    for (const { scheme, di } of ids) {
      const key = `${scheme}:${di}`;
      if (jobs.has(key)) continue;
      let job = this.jobs.get(key);
      if (job === undefined) {
        if (this.closing.signal.aborted || this.queue.length >= this.maxQueued) continue;
        job = this.createJob(key, scheme, di);
      }
      jobs.set(key, job);
    }
    if (jobs.size === 0) return new Map();
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([Promise.all([...jobs.values()].map((j) => j.done)), new Promise((resolve) => (timer = setTimeout(resolve, waitMs)))]);
    clearTimeout(timer);
    const out = new Map<string, ResolvedMetadata>();
    for (const [key, job] of jobs) if (job.result) out.set(key, job.result);
    return out;
  }

  /** Resolves up to `limit` scans the store still has pending; returns how many were taken. */
  async sweep(limit = 500): Promise<number> {
    const pending = this.options.store.pendingScans(limit).filter((p) => !this.jobs.has(`${p.scheme}:${p.di}`));
    await this.resolve(pending);
    return pending.length;
  }

  startSweeper(intervalMs = this.options.sweepIntervalMs ?? 30_000): void {
    if (this.sweeper) return;
    const tick = () => void this.sweep().catch((e: unknown) => this.options.logger.error({ err: (e as Error).message }, 'metadata sweep failed'));
    tick();
    this.sweeper = setInterval(tick, intervalMs);
    this.sweeper.unref();
  }

  close(): void {
    if (this.sweeper) clearInterval(this.sweeper);
    this.sweeper = null;
    this.closing.abort();
    for (const job of this.queue.splice(0)) {
      this.running++;
      job.start(); // it sees the abort and finishes at once
    }
  }

  private createJob(key: string, scheme: DiScheme, di: string): Job {
    let start!: () => void;
    const started = new Promise<void>((resolve) => (start = resolve));
    const job: Job = { key, scheme, di, scanIds: new Set(), result: null, start, done: Promise.resolve() };
    job.done = started.then(() => this.run(job)).finally(() => {
      if (this.jobs.get(key) === job) this.jobs.delete(key);
      this.running--;
      const next = this.queue.shift();
      if (next) {
        this.running++;
        next.start();
      }
    });
    this.jobs.set(key, job);
    if (this.running < this.concurrency) {
      this.running++;
      start();
    } else {
      this.queue.push(job);
    }
    return job;
  }

  private async run(job: Job): Promise<void> {
    if (this.closing.signal.aborted) return;
    const signal = AbortSignal.any([this.closing.signal, AbortSignal.timeout(this.lookupTimeoutMs)]);
    const metadata = await lookupAll(this.options.sources, job.di, job.scheme, signal, this.now);
    if (this.closing.signal.aborted) return; // the store may be closing too: stay pending
    job.result = metadata;
    this.jobs.delete(job.key); // from here on, a new scan of this identifier starts a new job
    if (job.scanIds.size === 0) return;
    try {
      this.options.store.saveMetadata([...job.scanIds], metadata);
    } catch (e) {
      this.options.logger.error({ err: (e as Error).message }, 'could not store resolved metadata; the scans stay pending');
      return;
    }
    const failed = metadata.sources.filter((s) => s.outcome === 'failed');
    if (failed.length > 0) {
      this.options.logger.warn({ scheme: job.scheme, failed: failed.map((f) => `${f.name}:${f.error}`), status: metadata.status }, 'metadata source failed');
    }
  }
}

/** Asks each source in order until one knows the product. Never throws. */
export async function lookupAll(sources: readonly MetadataSource[], di: string, scheme: DiScheme, signal: AbortSignal, now: () => number): Promise<ResolvedMetadata> {
  const asked: ResolvedMetadata['sources'] = [];
  let product: ProductInfo | null = null;
  let source: string | null = null;
  for (const s of sources) {
    try {
      product = await untilAborted(s.lookup(di, scheme, signal), signal);
    } catch (e) {
      const code = e instanceof SourceError ? e.code : signal.aborted ? 'timeout' : 'error';
      asked.push({ name: s.name, outcome: 'failed', error: code });
      continue;
    }
    if (product) {
      asked.push({ name: s.name, outcome: 'found' });
      source = s.name;
      break;
    }
    asked.push({ name: s.name, outcome: 'not-found' });
  }
  return { status: product ? 'complete' : 'partial', product, source, sources: asked, resolvedAtMs: now() };
}

/** `p`, or a rejection once `signal` aborts: a source that ignores its signal cannot hold us. */
function untilAborted<T>(p: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(new SourceError('timeout', 'the resolution deadline passed'));
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(new SourceError('timeout', 'the resolution deadline passed'));
    signal.addEventListener('abort', onAbort, { once: true });
    p.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}
