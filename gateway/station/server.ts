// The station page's HTTP server (node:http, no framework): the live page, its events and a small JSON API.
//   const station = await startStationServer({ source: controller, metrics, host: '127.0.0.1', port: 8080, logger });
//   station.url → 'http://127.0.0.1:8080/'   …   await station.close();
// GET / (page) · /events (SSE: snapshot, scan, status) · /api/scans · /api/status · /metrics · /healthz
// POST /api/case/start {} · /api/case/end: need `X-Implant-Scan: 1` (a header no cross-site form can
// send) and a body ≤ 1 KiB. The gateway makes case ids: a `caseId` in the body is refused (400)
// unless it is one the gateway made (protocol/case-id.ts); the refusal never quotes it.
// POST /api/attention/dismiss {"code":"journal-damaged"} (same guards): staff have seen the
// damaged-journal alert; a disk-full alert is not dismissed by hand, it clears when space returns. Bound to loopback, it also refuses foreign Host headers (DNS rebinding).
// Every response carries a CSP that admits only the page's own inline script and style, pinned by hash.

import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { isIPv6, type AddressInfo, type Socket } from 'node:net';
import type { Logger } from 'pino';
import { isGatewayCaseId } from '../../protocol/case-id.ts';
import type { Attention, Status } from '../controller.ts';
import type { StationScan } from '../scan-log.ts';
import { STATION_SCRIPT, STATION_STYLE, stationPageHtml } from './page.ts';

type Listener<T> = (value: T) => void;

/** What the page needs from the gateway; GatewayController satisfies it as it is. */
export interface StationSource {
  readonly scanLog: {
    today(): StationScan[];
    on(event: 'change', listener: Listener<StationScan>): unknown;
    off(event: 'change', listener: Listener<StationScan>): unknown;
  };
  currentStatus(): Status;
  on(event: 'status', listener: Listener<Status>): unknown;
  off(event: 'status', listener: Listener<Status>): unknown;
  startCase(caseId?: string): string;
  endCase(): void;
  clearAttention(code: Attention['code']): void;
}

export interface StationServerOptions {
  source: StationSource;
  metrics: { text(): Promise<string>; readonly contentType: string };
  /** 127.0.0.1 unless told otherwise. */
  host?: string;
  /** 0 picks a free port; `url` reports the one in use. */
  port: number;
  logger?: Pick<Logger, 'warn'>;
  /** At most this many open /events streams (503 beyond). */
  maxClients?: number;
  heartbeatMs?: number;
}

export interface StationServer {
  readonly url: string;
  readonly port: number;
  /** Open /events streams. */
  readonly clients: number;
  close(): Promise<void>;
}

/** One row of GET /api/scans and of the page's events. */
export interface ApiScan {
  scanId: string | null;
  status: StationScan['status'];
  orderCode: string | null;
  caseCode: string | null;
  productName: string | null;
  udi: StationScan['udi'];
  scannedAt: string;
  reason: StationScan['reason'];
}

const CASE_ID_REFUSED = 'Case ids are made by the gateway: start a case without one (or scan the case card).';
export const MAX_BODY_BYTES = 1024;
const SLOW_CLIENT_BYTES = 1 << 20;
const LOOPBACK_NAMES = new Set(['localhost', '127.0.0.1', '[::1]']);

const sha256 = (text: string): string => `'sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}'`;

export const CSP = [
  "default-src 'none'",
  `script-src ${sha256(STATION_SCRIPT)}`,
  `style-src ${sha256(STATION_STYLE)}`,
  "connect-src 'self'",
  "img-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

const SECURITY_HEADERS: Record<string, string> = {
  'Content-Security-Policy': CSP,
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'Cache-Control': 'no-store',
  'X-Frame-Options': 'DENY',
  'Cross-Origin-Resource-Policy': 'same-origin',
};

export const toApiScan = (s: StationScan): ApiScan => ({
  scanId: s.scanId,
  status: s.status,
  orderCode: s.orderCode,
  caseCode: s.caseCode,
  productName: s.productName,
  udi: s.udi,
  scannedAt: s.scannedAt,
  reason: s.reason,
});

class HttpProblem extends Error {
  constructor(
    readonly status: number,
    readonly title: string,
    readonly detail?: string,
  ) {
    super(title);
  }
}

function send(res: ServerResponse, status: number, contentType: string, body: string, extra: Record<string, string> = {}): void {
  if (res.headersSent) return void res.destroy();
  res.writeHead(status, { ...SECURITY_HEADERS, 'Content-Type': contentType, 'Content-Length': Buffer.byteLength(body), ...extra });
  res.end(body);
}

const json = (res: ServerResponse, value: unknown, status = 200): void => send(res, status, 'application/json; charset=utf-8', JSON.stringify(value));

function problem(res: ServerResponse, p: HttpProblem, extra: Record<string, string> = {}): void {
  const body = JSON.stringify({ type: 'about:blank', title: p.title, status: p.status, ...(p.detail ? { detail: p.detail } : {}) });
  send(res, p.status, 'application/problem+json', body, extra);
}

/** The body as text, refusing more than MAX_BODY_BYTES (by Content-Length or as it streams in). */
function readBody(req: IncomingMessage): Promise<string> {
  const tooLarge = new HttpProblem(413, 'Payload Too Large', `The body may be at most ${MAX_BODY_BYTES} bytes.`);
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > MAX_BODY_BYTES) return Promise.reject(tooLarge);
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        req.removeAllListeners('data');
        req.resume();
        reject(tooLarge);
      } else chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

/** The body as a JSON object; an empty body is `{}`. */
function parseJsonObject(text: string): Record<string, unknown> {
  if (text.trim() === '') return {};
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new HttpProblem(400, 'Bad Request', 'The body is not JSON.');
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new HttpProblem(400, 'Bad Request', 'The body must be a JSON object.');
  return body as Record<string, unknown>;
}

/** `{}` or `{ "caseId": "…" }` with an id the gateway made; an empty body means no case id. */
function parseCaseBody(text: string): string | undefined {
  const caseId = parseJsonObject(text).caseId;
  if (caseId === undefined || caseId === null) return undefined;
  if (!isGatewayCaseId(caseId)) throw new HttpProblem(400, 'Bad Request', CASE_ID_REFUSED);
  return caseId;
}

export async function startStationServer(options: StationServerOptions): Promise<StationServer> {
  const { source, metrics, logger } = options;
  const host = options.host ?? '127.0.0.1';
  const maxClients = options.maxClients ?? 32;
  const heartbeatMs = options.heartbeatMs ?? 15_000;
  const loopbackOnly = host === '127.0.0.1' || host === '::1' || host === 'localhost';
  const streams = new Set<() => void>(); // each ends one /events stream

  function events(req: IncomingMessage, res: ServerResponse): void {
    if (streams.size >= maxClients) throw new HttpProblem(503, 'Service Unavailable', 'Too many open station pages.');
    res.writeHead(200, { ...SECURITY_HEADERS, 'Content-Type': 'text/event-stream; charset=utf-8', Connection: 'keep-alive', 'X-Accel-Buffering': 'no' });
    const write = (text: string): void => {
      res.write(text);
      if (res.writableLength > SLOW_CLIENT_BYTES) stop(); // a page that stopped reading
    };
    const emit = (event: string, data: unknown): void => write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
    const onScan = (scan: StationScan): void => emit('scan', toApiScan(scan));
    const onStatus = (status: Status): void => emit('status', status);
    const heartbeat = setInterval(() => write(': heartbeat\n\n'), heartbeatMs);
    let stopped = false;
    function stop(): void {
      if (stopped) return;
      stopped = true;
      clearInterval(heartbeat);
      source.scanLog.off('change', onScan);
      source.off('status', onStatus);
      streams.delete(stop);
      res.end();
    }
    streams.add(stop);
    source.scanLog.on('change', onScan);
    source.on('status', onStatus);
    req.on('close', stop);
    res.on('close', stop);
    write('retry: 3000\n\n');
    emit('snapshot', { status: source.currentStatus(), scans: source.scanLog.today().map(toApiScan) });
  }

  async function caseAction(req: IncomingMessage, res: ServerResponse, action: 'start' | 'end'): Promise<void> {
    if (req.headers['x-implant-scan'] !== '1') throw new HttpProblem(403, 'Forbidden', 'Send the header X-Implant-Scan: 1.');
    const text = await readBody(req);
    if (action === 'start') {
      try {
        source.startCase(parseCaseBody(text));
      } catch (e) {
        if ((e as { code?: unknown }).code === 'case-id-refused') throw new HttpProblem(400, 'Bad Request', CASE_ID_REFUSED);
        throw e;
      }
    } else source.endCase();
    json(res, source.currentStatus());
  }

  async function dismiss(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (req.headers['x-implant-scan'] !== '1') throw new HttpProblem(403, 'Forbidden', 'Send the header X-Implant-Scan: 1.');
    const body = parseJsonObject(await readBody(req));
    if (body.code !== 'journal-damaged') throw new HttpProblem(400, 'Bad Request', 'Only the journal-damaged alert is dismissed by hand; disk-full clears once space is freed.');
    source.clearAttention('journal-damaged');
    json(res, source.currentStatus());
  }

  type Handler = (req: IncomingMessage, res: ServerResponse) => void | Promise<void>;
  const routes: Record<string, Partial<Record<'GET' | 'POST', Handler>>> = {
    '/': { GET: (_q, res) => send(res, 200, 'text/html; charset=utf-8', stationPageHtml) },
    '/events': { GET: events },
    '/api/scans': { GET: (_q, res) => json(res, source.scanLog.today().map(toApiScan)) },
    '/api/status': { GET: (_q, res) => json(res, source.currentStatus()) },
    '/api/case/start': { POST: (req, res) => caseAction(req, res, 'start') },
    '/api/case/end': { POST: (req, res) => caseAction(req, res, 'end') },
    '/api/attention/dismiss': { POST: dismiss },
    '/metrics': { GET: async (_q, res) => send(res, 200, metrics.contentType, await metrics.text()) },
    '/healthz': { GET: (_q, res) => send(res, 200, 'text/plain; charset=utf-8', 'ok') },
    '/favicon.ico': { GET: (_q, res) => send(res, 204, 'image/x-icon', '') },
  };

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (loopbackOnly && !LOOPBACK_NAMES.has((req.headers.host ?? '').replace(/:\d+$/, '').toLowerCase())) {
      throw new HttpProblem(421, 'Misdirected Request', 'This page answers only to the loopback address.');
    }
    const path = new URL(req.url ?? '/', 'http://station').pathname;
    const route = Object.hasOwn(routes, path) ? routes[path] : undefined;
    if (!route) throw new HttpProblem(404, 'Not Found');
    const handler = req.method === 'GET' || req.method === 'POST' ? route[req.method] : undefined;
    if (!handler) {
      const allow = Object.keys(route).join(', ');
      req.resume();
      return problem(res, new HttpProblem(405, 'Method Not Allowed'), { Allow: allow });
    }
    await handler(req, res);
  }

  const unused = new Set<Socket>(); // connections that have not sent a request (preconnects): close() drops them
  const server = createServer({ headersTimeout: 10_000, requestTimeout: 15_000, keepAliveTimeout: 5_000, maxHeaderSize: 8192 }, (req, res) => {
    unused.delete(req.socket);
    handle(req, res).catch((err: unknown) => {
      if (err instanceof HttpProblem) {
        if (err.status === 413) req.resume();
        return problem(res, err, err.status === 413 ? { Connection: 'close' } : {});
      }
      logger?.warn({ err, path: req.url }, 'station request failed');
      problem(res, new HttpProblem(500, 'Internal Server Error'));
    });
  });
  server.maxRequestsPerSocket = 1000;
  server.on('connection', (socket) => {
    unused.add(socket);
    socket.once('close', () => unused.delete(socket));
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  server.on('error', (err) => logger?.warn({ err }, 'station server error'));
  const { port } = server.address() as AddressInfo;
  const url = `http://${isIPv6(host) ? `[${host}]` : host}:${port}/`;

  return {
    url,
    port,
    get clients() {
      return streams.size;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const stop of [...streams]) stop();
        const force = setTimeout(() => server.closeAllConnections(), 2000);
        force.unref();
        server.close(() => {
          clearTimeout(force);
          resolve();
        });
        server.closeIdleConnections();
        for (const socket of unused) socket.destroy();
      }),
  };
}
