// A product-data source behind any HTTP JSON API, connected by configuration (Validoo, Procordo,
// a national device database …):
//   const validoo = httpJsonSource({
//     name: 'validoo',
//     urlTemplate: 'https://api.validoo.example/products/{di}?issuer={scheme}',
//     headers: { 'x-api-key': process.env.VALIDOO_KEY! },
//     fields: { name: 'tradeItem.description', manufacturer: 'tradeItem.brandOwner.name', modelNumber: 'tradeItem.articleNumber' },
//   });
// {di} and {scheme} are percent-encoded into the URL. Field paths are dot paths into the JSON
// answer ("items.0.name"); `name` is required, a missing name means "not found".
// Answers: 200 → mapped fields; 404 → not found (null); 429, 5xx, timeouts and network errors are
// retried (exponential backoff with full jitter); anything else, or an unreadable body, fails.
// Every lookup is bounded: `attempts` × `timeoutMs` plus the backoff delays. Answers are cached
// (found: `cacheTtlMs`, not found: `notFoundTtlMs`, at most `cacheSize` entries, LRU), concurrent
// lookups of one identifier share one request, and a circuit breaker stops calling a source that
// keeps failing (open after `breakerThreshold` failed lookups, one trial after `breakerCooldownMs`).

import { CircuitBreaker, type BreakerState } from './circuit-breaker.ts';
import { TtlCache } from './ttl-cache.ts';
import { cleanProduct, PRODUCT_FIELDS, SourceError, type DiScheme, type MetadataSource, type ProductInfo } from './types.ts';

export interface HttpSourceOptions {
  /** [a-z0-9-]{1,32}: names the source in the registry API and logs. */
  name: string;
  urlTemplate: string;
  headers?: Record<string, string>;
  fields: { name: string } & Partial<Record<Exclude<(typeof PRODUCT_FIELDS)[number], 'name'>, string>>;
  /** Per attempt. Default 2,000 ms. */
  timeoutMs?: number;
  /** Attempts per lookup, the first included. Default 3. */
  attempts?: number;
  /** Backoff before retry n (from 1): random × min(retryMaxMs, retryBaseMs × 2^(n−1)). */
  retryBaseMs?: number;
  retryMaxMs?: number;
  cacheTtlMs?: number;
  notFoundTtlMs?: number;
  cacheSize?: number;
  breakerThreshold?: number;
  breakerCooldownMs?: number;
  /** A larger answer fails as bad-response. Default 256 KiB. */
  maxResponseBytes?: number;
  now?: () => number;
  random?: () => number;
}

export interface HttpSource extends MetadataSource {
  readonly breakerState: BreakerState;
  /** Counters for tests and metrics. */
  readonly stats: { requests: number; cacheHits: number; failures: number };
}

const NAME = /^[a-z0-9][a-z0-9-]{0,31}$/;

export function httpJsonSource(options: HttpSourceOptions): HttpSource {
  if (!NAME.test(options.name)) throw new Error(`http source: name must match ${NAME.source}`);
  const probe = new URL(options.urlTemplate.replaceAll('{di}', 'x').replaceAll('{scheme}', 'gs1'));
  if (probe.protocol !== 'https:' && probe.protocol !== 'http:') throw new Error('http source: urlTemplate must be an http(s) URL');
  if (!options.urlTemplate.includes('{di}')) throw new Error('http source: urlTemplate must contain {di}');
  const now = options.now ?? Date.now;
  const random = options.random ?? Math.random;
  const timeoutMs = options.timeoutMs ?? 2_000;
  const attempts = Math.max(1, options.attempts ?? 3);
  const retryBaseMs = options.retryBaseMs ?? 100;
  const retryMaxMs = options.retryMaxMs ?? 2_000;
  const cacheTtlMs = options.cacheTtlMs ?? 60 * 60_000;
  const notFoundTtlMs = options.notFoundTtlMs ?? 10 * 60_000;
  const maxBytes = options.maxResponseBytes ?? 256 * 1024;
  const cache = new TtlCache<string, ProductInfo | null>({ maxEntries: options.cacheSize ?? 10_000, now });
  const breaker = new CircuitBreaker({ threshold: options.breakerThreshold ?? 5, cooldownMs: options.breakerCooldownMs ?? 30_000, now });
  const inFlight = new Map<string, Promise<ProductInfo | null>>();
  const stats = { requests: 0, cacheHits: 0, failures: 0 };
  const headers = { accept: 'application/json', ...options.headers };

  const urlFor = (di: string, scheme: DiScheme): string =>
    options.urlTemplate.replaceAll('{di}', encodeURIComponent(di)).replaceAll('{scheme}', encodeURIComponent(scheme));

  /** One HTTP attempt: the product, null (not found), or a SourceError saying whether to retry. */
  async function attempt(url: string): Promise<ProductInfo | null> {
    stats.requests++;
    let res: Response;
    const signal = AbortSignal.timeout(timeoutMs);
    try {
      res = await fetch(url, { headers, signal, redirect: 'error' });
    } catch (e) {
      throw signal.aborted ? new SourceError('timeout', `no answer within ${timeoutMs} ms`) : new SourceError('unavailable', `cannot reach the source (${errorCode(e)})`);
    }
    if (res.status === 404) {
      await res.body?.cancel().catch(() => {});
      return null;
    }
    if (res.status !== 200) {
      await res.body?.cancel().catch(() => {});
      throw new SourceError(res.status === 429 || res.status >= 500 ? 'unavailable' : 'bad-response', `the source answered ${res.status}`);
    }
    let body: unknown;
    try {
      body = JSON.parse(await readBounded(res, maxBytes));
    } catch (e) {
      if (signal.aborted) throw new SourceError('timeout', `no answer within ${timeoutMs} ms`);
      throw e instanceof SourceError ? e : new SourceError('bad-response', 'the answer is not JSON');
    }
    const picked: Record<string, unknown> = {};
    for (const [field, path] of Object.entries(options.fields)) if (typeof path === 'string') picked[field] = pick(body, path);
    return cleanProduct(picked);
  }

  async function lookupUncached(di: string, scheme: DiScheme): Promise<ProductInfo | null> {
    const url = urlFor(di, scheme);
    for (let n = 1; ; n++) {
      try {
        return await attempt(url);
      } catch (e) {
        const err = e as SourceError;
        const retryable = err.code === 'timeout' || err.code === 'unavailable';
        if (!retryable || n >= attempts) throw err;
        await sleep(random() * Math.min(retryMaxMs, retryBaseMs * 2 ** (n - 1)));
      }
    }
  }

  async function shared(key: string, di: string, scheme: DiScheme): Promise<ProductInfo | null> {
    if (!breaker.tryAcquire()) throw new SourceError('circuit-open', `${options.name} is failing; the circuit is open`);
    try {
      const product = await lookupUncached(di, scheme);
      breaker.success();
      cache.set(key, product, product === null ? notFoundTtlMs : cacheTtlMs);
      return product;
    } catch (e) {
      breaker.failure();
      stats.failures++;
      throw e;
    }
  }

  return {
    name: options.name,
    stats,
    get breakerState() {
      return breaker.state;
    },
    lookup(di, scheme, signal) {
      if (signal.aborted) return Promise.reject(new SourceError('aborted', 'the lookup was cancelled'));
      const key = `${scheme}:${di}`;
      const hit = cache.get(key);
      if (hit) {
        stats.cacheHits++;
        return Promise.resolve(hit.value);
      }
      let p = inFlight.get(key);
      if (p === undefined) {
        p = shared(key, di, scheme).finally(() => inFlight.delete(key));
        inFlight.set(key, p);
      }
      return raceAbort(p, signal);
    },
  };
}

/** Resolves like `p`, or rejects as soon as `signal` aborts (the shared lookup goes on). */
function raceAbort<T>(p: Promise<T>, signal: AbortSignal): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(new SourceError('aborted', 'the lookup was cancelled'));
    signal.addEventListener('abort', onAbort, { once: true });
    p.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

async function readBounded(res: Response, maxBytes: number): Promise<string> {
  const declared = Number(res.headers.get('content-length'));
  if (declared > maxBytes) {
    await res.body?.cancel().catch(() => {});
    throw new SourceError('bad-response', `the answer is larger than ${maxBytes} bytes`);
  }
  if (!res.body) return '';
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > maxBytes) {
      await reader.cancel().catch(() => {});
      throw new SourceError('bad-response', `the answer is larger than ${maxBytes} bytes`);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** The value at a dot path ("a.0.b"), own properties only; undefined when absent. */
export function pick(root: unknown, path: string): unknown {
  let v: unknown = root;
  for (const part of path.split('.')) {
    if (v === null || typeof v !== 'object' || !Object.hasOwn(v, part)) return undefined;
    v = (v as Record<string, unknown>)[part];
  }
  return v;
}

function errorCode(e: unknown): string {
  const cause = (e as { cause?: { code?: unknown } }).cause;
  const code = typeof cause?.code === 'string' ? cause.code : (e as Error).name;
  return String(code).replace(/[^A-Za-z0-9_-]/g, '').slice(0, 40) || 'error';
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms).unref?.());
