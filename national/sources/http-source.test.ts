// The HTTP JSON source against a real fake product API on loopback.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { httpJsonSource, pick, type HttpSourceOptions } from './http-source.ts';
import { SourceError } from './types.ts';

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

let server: Server;
let base: string;
let handler: Handler;
let hits: string[];

beforeAll(async () => {
  server = createServer((req, res) => {
    hits.push(req.url ?? '');
    handler(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});
beforeEach(() => {
  hits = [];
  handler = (_req, res) => res.writeHead(500).end();
});

const PRODUCT = { item: { title: 'Demo Lens\u0007 +21 D', brand: { owner: 'Exempel Optik Lins AB' }, refs: ['VK-210'], class: 'IIb' } };
const json = (status: number, body: unknown): Handler => (_req, res) => res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));

function source(extra: Partial<HttpSourceOptions> = {}) {
  return httpJsonSource({
    name: 'fake-products',
    urlTemplate: `${base}/products/{di}?issuer={scheme}`,
    headers: { 'x-api-key': 'k' },
    fields: { name: 'item.title', manufacturer: 'item.brand.owner', modelNumber: 'item.refs.0', deviceClass: 'item.class' },
    timeoutMs: 10_000, // generous: a busy machine must not turn an answer into a timeout
    attempts: 3,
    retryBaseMs: 5,
    retryMaxMs: 20,
    ...extra,
  });
}

const signal = () => new AbortController().signal;

async function failure(p: Promise<unknown>): Promise<SourceError> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(SourceError);
    return e as SourceError;
  }
  throw new Error('expected the lookup to fail');
}

describe('HTTP JSON source', () => {
  test('maps fields, cleans text, percent-encodes the identifier, and caches the answer', async () => {
    handler = json(200, PRODUCT);
    const s = source();
    const first = await s.lookup('A1/2 3', 'hibc', signal());
    expect(first).toEqual({ name: 'Demo Lens +21 D', manufacturer: 'Exempel Optik Lins AB', modelName: null, modelNumber: 'VK-210', deviceClass: 'IIb', deviceType: null });
    expect(hits).toEqual(['/products/A1%2F2%203?issuer=hibc']);
    expect(await s.lookup('A1/2 3', 'hibc', signal())).toEqual(first);
    expect(hits).toHaveLength(1);
    expect(s.stats.cacheHits).toBe(1);
  });

  test('404 and an answer without a name are "not found", cached too', async () => {
    handler = json(404, {});
    const s = source();
    expect(await s.lookup('07399990000170', 'gs1', signal())).toBeNull();
    expect(await s.lookup('07399990000170', 'gs1', signal())).toBeNull();
    expect(hits).toHaveLength(1);
    handler = json(200, { item: { title: 42 } });
    expect(await s.lookup('x', 'gs1', signal())).toEqual(expect.objectContaining({ name: '42' }));
    handler = json(200, { nothing: true });
    expect(await s.lookup('y', 'gs1', signal())).toBeNull();
  });

  test('retries 5xx with backoff and succeeds', async () => {
    let n = 0;
    handler = (req, res) => (++n < 3 ? res.writeHead(503).end() : json(200, PRODUCT)(req, res));
    const s = source();
    expect((await s.lookup('d', 'gs1', signal()))?.name).toBe('Demo Lens +21 D');
    expect(hits).toHaveLength(3);
  });

  test('a source that never answers times out per attempt, is retried, and fails as timeout', async () => {
    // Never answered: the lookup can only end by its own timeouts, after exactly `attempts` requests.
    handler = () => {};
    const s = source({ timeoutMs: 50, attempts: 2 });
    const e = await failure(s.lookup('slow', 'gs1', signal()));
    expect(e.code).toBe('timeout');
    expect(hits).toHaveLength(2);
    expect(s.stats.requests).toBe(2);
  });

  test('4xx and unreadable answers fail at once, without retry', async () => {
    handler = json(401, {});
    expect((await failure(source().lookup('a', 'gs1', signal()))).code).toBe('bad-response');
    handler = (_req, res) => res.writeHead(200).end('not json');
    expect((await failure(source().lookup('b', 'gs1', signal()))).code).toBe('bad-response');
    handler = (_req, res) => res.writeHead(200).end(JSON.stringify({ pad: 'x'.repeat(5000) }));
    expect((await failure(source({ maxResponseBytes: 1000 }).lookup('c', 'gs1', signal()))).code).toBe('bad-response');
    expect(hits).toHaveLength(3);
  });

  test('the circuit opens after repeated failures, lets one trial through after the cooldown, and closes on success', async () => {
    let t = 1_000_000;
    const s = source({ attempts: 1, timeoutMs: 2_000, breakerThreshold: 2, breakerCooldownMs: 10_000, now: () => t });
    await failure(s.lookup('a', 'gs1', signal()));
    expect(s.breakerState).toBe('closed');
    await failure(s.lookup('b', 'gs1', signal()));
    expect(s.breakerState).toBe('open');
    expect((await failure(s.lookup('c', 'gs1', signal()))).code).toBe('circuit-open');
    expect(hits).toHaveLength(2); // refused without a request

    t += 10_000;
    expect(s.breakerState).toBe('half-open');
    await failure(s.lookup('d', 'gs1', signal())); // the trial fails: open again
    expect(s.breakerState).toBe('open');
    expect(hits).toHaveLength(3);

    t += 10_000;
    let release!: () => void;
    handler = (req, res) => {
      release = () => json(200, PRODUCT)(req, res);
    };
    const trial = s.lookup('e', 'gs1', signal());
    await until(() => hits.length === 4);
    expect((await failure(s.lookup('f', 'gs1', signal()))).code).toBe('circuit-open'); // one trial at a time
    release();
    expect((await trial)?.name).toBe('Demo Lens +21 D');
    expect(s.breakerState).toBe('closed');
    handler = json(200, PRODUCT);
    expect((await s.lookup('g', 'gs1', signal()))?.name).toBe('Demo Lens +21 D');
  });

  test("concurrent lookups share one request; a caller's abort ends only its own wait", async () => {
    let release!: () => void;
    handler = (req, res) => {
      release = () => json(200, PRODUCT)(req, res);
    };
    const s = source({ timeoutMs: 2_000 });
    const ac = new AbortController();
    const a = s.lookup('same', 'gs1', ac.signal);
    const b = s.lookup('same', 'gs1', signal());
    await until(() => hits.length === 1);
    ac.abort();
    expect((await failure(a)).code).toBe('aborted');
    release();
    expect((await b)?.name).toBe('Demo Lens +21 D');
    expect(hits).toHaveLength(1);
    expect((await failure(s.lookup('x', 'gs1', AbortSignal.abort()))).code).toBe('aborted');
  });

  test('refuses bad configuration', () => {
    expect(() => source({ name: 'Bad Name' })).toThrow(/name/);
    expect(() => source({ urlTemplate: 'ftp://x/{di}' })).toThrow(/http/);
    expect(() => source({ urlTemplate: `${base}/products` })).toThrow(/\{di\}/);
  });

  test('pick reads own properties only', () => {
    expect(pick({ a: [{ b: 1 }] }, 'a.0.b')).toBe(1);
    expect(pick({}, 'constructor')).toBeUndefined();
    expect(pick({ a: null }, 'a.b')).toBeUndefined();
  });
});

async function until(cond: () => boolean): Promise<void> {
  const deadline = Date.now() + 2_000;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 2));
  }
}
