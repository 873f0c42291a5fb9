// The station server over real HTTP on a free port: endpoints, headers, guards, events, fuzzed bodies.
//   npx vitest run gateway/station/server.test.ts
import { request } from 'node:http';
import FakeTimers from '@sinonjs/fake-timers';
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import pino from 'pino';
import { isGatewayCaseId, newCaseId } from '../../protocol/case-id.ts';
import { parseConfig } from '../config.ts';
import { GatewayController } from '../controller.ts';
import { ManualLink, MemoryOutbox } from '../fakes.test-support.ts';
import { GatewayMetrics } from '../metrics.ts';
import { FakeSource, scan } from './fake-source.test-support.ts';
import { startStationServer, type StationServer, type StationSource } from './server.ts';

// Compile-time: the daemon passes its GatewayController as the source.
export const controllerIsASource = (c: GatewayController): StationSource => c;

let source: FakeSource;
let metrics: GatewayMetrics;
let station: StationServer;
const started: StationServer[] = [];

async function start(extra: { maxClients?: number; heartbeatMs?: number } = {}): Promise<StationServer> {
  const s = await startStationServer({ source, metrics, port: 0, ...extra });
  started.push(s);
  return s;
}
const at = (path: string): string => new URL(path, station.url).href;
const post = (path: string, body?: BodyInit, headers: Record<string, string> = { 'X-Implant-Scan': '1' }): Promise<Response> =>
  fetch(at(path), { method: 'POST', headers, body: body ?? null });

/** Reads server-sent events from a fetch() response, one at a time. */
function sse(res: Response) {
  const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  return {
    async next(): Promise<{ event: string | undefined; data: string | undefined; comment: boolean }> {
      for (;;) {
        const end = buffer.indexOf('\n\n');
        if (end >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          if (block.startsWith('retry:')) continue;
          const field = (name: string) => block.split('\n').find((l) => l.startsWith(`${name}: `))?.slice(name.length + 2);
          return { event: field('event'), data: field('data'), comment: block.startsWith(':') };
        }
        const { value, done } = await reader.read();
        if (done) throw new Error('stream ended');
        buffer += value;
      }
    },
    async nextEvent(): Promise<{ event: string | undefined; data: unknown }> {
      for (;;) {
        const e = await this.next();
        if (!e.comment) return { event: e.event, data: JSON.parse(e.data ?? 'null') };
      }
    },
  };
}

beforeEach(async () => {
  source = new FakeSource();
  metrics = new GatewayMetrics();
  station = await start();
});

afterEach(async () => {
  await Promise.all(started.splice(0).map((s) => s.close()));
});

describe('station server', () => {
  it('listens on loopback on a free port and reports it in url', () => {
    expect(station.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    expect(station.port).toBeGreaterThan(0);
  });

  it('serves the page with the security headers, the CSP pinning its inline blocks', async () => {
    const res = await fetch(station.url);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
    const csp = res.headers.get('content-security-policy') ?? '';
    expect(csp).toMatch(/^default-src 'none'; script-src 'sha256-[A-Za-z0-9+/]{43}='; style-src 'sha256-[A-Za-z0-9+/]{43}='; connect-src 'self'; img-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'$/);
    expect(csp).not.toContain('unsafe');
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('referrer-policy')).toBe('no-referrer');
    expect(res.headers.get('cache-control')).toBe('no-store');
    const html = await res.text();
    expect(html).toContain("new EventSource('/events')");
    expect(html).not.toMatch(/innerHTML|outerHTML|insertAdjacentHTML|document\.write/);
  });

  it.each(['/healthz', '/api/status', '/api/scans', '/metrics', '/nope', '/events?x'])('puts the security headers on %s too', async (path) => {
    const controller = new AbortController();
    const res = await fetch(at(path), { signal: controller.signal });
    expect(res.headers.get('content-security-policy')).toContain("default-src 'none'");
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('cache-control')).toBe('no-store');
    controller.abort();
  });

  it('answers /healthz, /api/status and /metrics', async () => {
    const health = await fetch(at('/healthz'));
    expect([health.status, await health.text()]).toEqual([200, 'ok']);

    source.setStatus({ broker: 'online', outbox: 3, caseId: 'case-1' });
    expect(await (await fetch(at('/api/status'))).json()).toEqual({ scanner: 'open', broker: 'online', outbox: 3, caseId: 'case-1', attention: [] });

    metrics.scansAccepted.inc(42);
    const m = await fetch(at('/metrics'));
    expect(m.headers.get('content-type')).toBe(metrics.contentType);
    expect(await m.text()).toContain('implant_scan_scans_accepted_total 42');
  });

  it('lists today’s scans newest first, in the API shape, refused ones with their reason only', async () => {
    const a = source.scanLog.add(scan({ productName: 'Hip stem', caseCode: 'C1' }));
    source.scanLog.add(scan({ scanId: null, status: 'refused', udi: null, reason: { code: 'personal-id', message: 'A personal id, not a product.' } }));
    source.scanLog.update(a.scanId!, { status: 'receipted', orderCode: 'K7D2M9QX' });
    const body = (await (await fetch(at('/api/scans'))).json()) as Array<Record<string, unknown>>;
    expect(body.map((s) => s.status)).toEqual(['refused', 'receipted']);
    expect(body[0]).toEqual({ scanId: null, status: 'refused', orderCode: null, caseCode: null, productName: null, udi: null, scannedAt: expect.any(String), reason: { code: 'personal-id', message: 'A personal id, not a product.' } });
    expect(Object.keys(body[1]!).sort()).toEqual(['caseCode', 'orderCode', 'productName', 'reason', 'scanId', 'scannedAt', 'status', 'udi']);
    expect(body[1]).toMatchObject({ scanId: a.scanId, orderCode: 'K7D2M9QX', caseCode: 'C1', productName: 'Hip stem', udi: a.udi });
  });

  it('answers 404 with a JSON problem for unknown paths and 405 with Allow for wrong methods', async () => {
    for (const path of ['/nope', '/api', '/api/scans/x', '/constructor', '/__proto__']) {
      const res = await fetch(at(path));
      expect(res.status, path).toBe(404);
      expect(res.headers.get('content-type')).toBe('application/problem+json');
      expect(await res.json()).toMatchObject({ status: 404 });
    }
    const wrong = await post('/api/scans');
    expect(wrong.status).toBe(405);
    expect(wrong.headers.get('allow')).toBe('GET');
    expect((await fetch(at('/api/case/start'))).headers.get('allow')).toBe('POST');
    expect((await fetch(at('/'), { method: 'DELETE' })).status).toBe(405);
  });

  it('starts a case (without an id, or with one the gateway made) and ends it', async () => {
    const made = newCaseId();
    const started1 = await post('/api/case/start', JSON.stringify({ caseId: made }), { 'X-Implant-Scan': '1', 'Content-Type': 'application/json' });
    expect(started1.status).toBe(200);
    expect(await started1.json()).toMatchObject({ caseId: made });
    expect((await post('/api/case/start')).status).toBe(200);
    expect((await post('/api/case/start', '{}')).status).toBe(200);
    const ended = await post('/api/case/end', '{}');
    expect(await ended.json()).toMatchObject({ caseId: null });
    expect(source.calls).toEqual([['start', made], ['start', undefined], ['start', undefined], ['end']]);
  });

  it('dismisses the journal-damaged alert by hand, never disk-full, and only with X-Implant-Scan: 1', async () => {
    source.setStatus({ attention: [{ code: 'disk-full', message: 'full' }, { code: 'journal-damaged', message: 'damaged' }] });
    expect((await post('/api/attention/dismiss', JSON.stringify({ code: 'journal-damaged' }), {})).status).toBe(403);
    const refused = await post('/api/attention/dismiss', JSON.stringify({ code: 'disk-full' }));
    expect(refused.status).toBe(400);
    expect(source.calls).toEqual([]);
    const ok = await post('/api/attention/dismiss', JSON.stringify({ code: 'journal-damaged' }));
    expect(ok.status).toBe(200);
    expect(await ok.json()).toMatchObject({ attention: [{ code: 'disk-full', message: 'full' }] });
    expect(source.calls).toEqual([['dismiss', 'journal-damaged']]);
  });

  it('refuses case changes without X-Implant-Scan: 1 (403)', async () => {
    for (const headers of [{}, { 'X-Implant-Scan': '0' }, { 'Content-Type': 'application/json' }]) {
      expect((await post('/api/case/start', '{}', headers as Record<string, string>)).status).toBe(403);
      expect((await post('/api/case/end', '{}', headers as Record<string, string>)).status).toBe(403);
    }
    expect(source.calls).toEqual([]);
  });

  it('refuses a body over 1 KiB (413), declared or streamed', async () => {
    const big = JSON.stringify({ caseId: 'a', pad: 'x'.repeat(1100) });
    const declared = await post('/api/case/start', big);
    expect(declared.status).toBe(413);
    expect(await declared.json()).toMatchObject({ status: 413 });

    const chunks = new ReadableStream<Uint8Array>({
      start(c) {
        for (let i = 0; i < 8; i++) c.enqueue(new TextEncoder().encode('x'.repeat(200)));
        c.close();
      },
    });
    const streamed = await fetch(at('/api/case/end'), { method: 'POST', headers: { 'X-Implant-Scan': '1' }, body: chunks, duplex: 'half' } as RequestInit);
    expect(streamed.status).toBe(413);
    expect(source.calls).toEqual([]);
    expect((await fetch(at('/healthz'))).status).toBe(200);
  });

  it.each([
    ['a personnummer as case id', { caseId: '19121212_1212' }],
    ['a name as case id', { caseId: 'Tolvan Tolvansson' }],
    ['a free-text case id of the wire shape', { caseId: 'OR-3_2024' }],
    ['a case id of the gateway shape with a wrong check character', { caseId: 'case-svensson' }],
    ['a bad case id', { caseId: 'bad id!' }],
    ['an overlong case id', { caseId: 'x'.repeat(65) }],
    ['an empty case id', { caseId: '' }],
    ['a numeric case id', { caseId: 7 }],
    ['an array', [1]],
    ['not JSON', '{caseId:'],
  ])('answers 400 with a JSON problem for %s', async (_name, body) => {
    const res = await post('/api/case/start', typeof body === 'string' ? body : JSON.stringify(body));
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toBe('application/problem+json');
    const problem = (await res.json()) as { detail: string };
    expect(problem).toMatchObject({ status: 400, title: 'Bad Request', detail: expect.any(String) });
    expect(problem.detail).not.toMatch(/\d|Tolvan|svensson|OR-3/); // never quotes the input
    expect(source.calls).toEqual([]);
  });

  it('with the real controller: free text never becomes a case, a started case gets a gateway-made id', async () => {
    const logs: string[] = [];
    const controller = new GatewayController({
      config: parseConfig({ site: 'sahlgrenska', theatre: 'or-7', gateway: 'gw-or7' }),
      outbox: new MemoryOutbox(),
      link: new ManualLink(),
      metrics,
      logger: pino({ level: 'debug' }, { write: (line: string) => void logs.push(line) }),
      sequence: { next: async () => 1n },
    });
    station = await startStationServer({ source: controller, metrics, port: 0 });
    started.push(station);
    for (const caseId of ['19121212_1212', 'Tolvan-Tolvansson', 'case-svensson']) {
      const res = await post('/api/case/start', JSON.stringify({ caseId }));
      expect(res.status).toBe(400);
      expect(JSON.stringify(await res.json())).not.toMatch(/1212|Tolvan|svensson/);
    }
    expect(controller.currentStatus().caseId).toBeNull();
    const ok = await post('/api/case/start', '{}');
    const { caseId } = (await ok.json()) as { caseId: string };
    expect(isGatewayCaseId(caseId)).toBe(true);
    expect(logs.join('\n')).not.toMatch(/1212|Tolvan|svensson/);
    controller.close();
  });

  it('refuses a foreign Host header while bound to loopback (DNS rebinding)', async () => {
    const status = await new Promise<number>((resolve, reject) => {
      const req = request(at('/api/scans'), { headers: { Host: 'evil.example' } }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject).end();
    });
    expect(status).toBe(421);
    expect((await fetch(at('/healthz').replace('127.0.0.1', 'localhost'))).status).toBe(200);
  });

  it('never fails with 500 whatever the case body (fuzzed), and stays up', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.uint8Array({ maxLength: 1500 }),
          fc.uint8Array({ minLength: 1000, maxLength: 1100 }), // around the 1 KiB bound
          fc.string({ maxLength: 80 }).map((caseId) => new TextEncoder().encode(JSON.stringify({ caseId }))),
          fc.jsonValue({ maxDepth: 3 }).map((v) => new TextEncoder().encode(JSON.stringify(v) ?? '')),
        ),
        fc.constantFrom('/api/case/start', '/api/case/end'),
        async (body, path) => {
          const res = await post(path, body);
          await res.arrayBuffer();
          expect([200, 400, 413]).toContain(res.status);
          if (body.length > 1024) expect(res.status).toBe(413);
        },
      ),
      { numRuns: Number(process.env.FUZZ_RUNS ?? 300) },
    );
    expect((await fetch(at('/healthz'))).status).toBe(200);
    for (const call of source.calls) if (call[0] === 'start' && call[1] !== undefined) expect(isGatewayCaseId(call[1])).toBe(true);
  });
});

describe('station events (SSE)', () => {
  it('sends a snapshot, then a scan per ScanLog change and a status per status change', async () => {
    const first = source.scanLog.add(scan({ productName: 'Knee insert' }));
    const controller = new AbortController();
    const res = await fetch(at('/events'), { signal: controller.signal });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
    const events = sse(res);

    const snapshot = await events.nextEvent();
    expect(snapshot).toEqual({ event: 'snapshot', data: { status: source.currentStatus(), scans: [expect.objectContaining({ scanId: first.scanId, productName: 'Knee insert' })] } });

    const second = source.scanLog.add(scan({ udi: { di: null, lot: '<img src=x onerror=alert(1)>', serial: null, expiry: null, manufactured: null } }));
    expect(await events.nextEvent()).toEqual({ event: 'scan', data: expect.objectContaining({ scanId: second.scanId, status: 'stored', udi: expect.objectContaining({ lot: '<img src=x onerror=alert(1)>' }) }) });

    source.scanLog.update(second.scanId!, { status: 'receipted', orderCode: 'K7D2M9QX' });
    expect(await events.nextEvent()).toEqual({ event: 'scan', data: expect.objectContaining({ scanId: second.scanId, orderCode: 'K7D2M9QX' }) });

    source.setStatus({ broker: 'online' });
    expect(await events.nextEvent()).toEqual({ event: 'status', data: expect.objectContaining({ broker: 'online' }) });
    controller.abort();
  });

  it('removes its listeners when the page goes away', async () => {
    expect([source.listenerCount('status'), source.scanLog.listenerCount('change')]).toEqual([0, 0]);
    const controller = new AbortController();
    const res = await fetch(at('/events'), { signal: controller.signal });
    await sse(res).nextEvent();
    expect([source.listenerCount('status'), source.scanLog.listenerCount('change'), station.clients]).toEqual([1, 1, 1]);
    controller.abort();
    await vi.waitFor(() => expect([source.listenerCount('status'), source.scanLog.listenerCount('change'), station.clients]).toEqual([0, 0, 0]));
    source.scanLog.add(scan()); // nobody listening: nothing to write to a closed stream
    // No stream or preconnected socket holds it open: it closes without its forced close, the only
    // timer it sets, ever firing (fake time never advances here).
    const clock = FakeTimers.withGlobal(globalThis).install({ toFake: ['setTimeout', 'clearTimeout'] });
    try {
      await station.close();
      expect(clock.countTimers()).toBe(0);
    } finally {
      clock.uninstall();
    }
  });

  it('sends a heartbeat comment while idle', async () => {
    station = await start({ heartbeatMs: 20 });
    const controller = new AbortController();
    const events = sse(await fetch(at('/events'), { signal: controller.signal }));
    await events.next(); // snapshot
    expect(await events.next()).toMatchObject({ comment: true, event: undefined });
    controller.abort();
  });

  it('admits a bounded number of pages (503 beyond) and ends them all on close', async () => {
    station = await start({ maxClients: 2 });
    const open = await Promise.all([0, 1].map(async () => sse(await fetch(at('/events')))));
    await Promise.all(open.map((e) => e.nextEvent()));
    const third = await fetch(at('/events'));
    expect(third.status).toBe(503);
    expect(await third.json()).toMatchObject({ status: 503 });

    await station.close();
    for (const e of open) await expect(e.next()).rejects.toThrow();
    expect([source.listenerCount('status'), source.scanLog.listenerCount('change')]).toEqual([0, 0]);
  });
});
