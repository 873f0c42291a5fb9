// Small HTTP helpers: bounded body reading, content negotiation, JSON and problem responses.

import type { IncomingMessage, ServerResponse } from 'node:http';
import { problem, type ProblemType } from './problem.ts';

export type BodyResult = { ok: true; body: Buffer } | { ok: false; problem: 'body-too-large' | 'malformed-body' };

/** Reads the whole body, refusing more than `maxBytes` (by Content-Length at once, or as it comes). */
export function readBody(req: IncomingMessage, maxBytes: number): Promise<BodyResult> {
  const declared = req.headers['content-length'];
  if (declared !== undefined && Number(declared) > maxBytes) return Promise.resolve({ ok: false, problem: 'body-too-large' });
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    const finish = (r: BodyResult) => {
      if (done) return;
      done = true;
      req.off('data', onData);
      resolve(r);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBytes) finish({ ok: false, problem: 'body-too-large' });
      else chunks.push(chunk);
    };
    req.on('data', onData);
    req.on('end', () => finish({ ok: true, body: Buffer.concat(chunks, size) }));
    req.on('error', () => finish({ ok: false, problem: 'malformed-body' }));
    req.on('aborted', () => finish({ ok: false, problem: 'malformed-body' }));
  });
}

/** For a request whose body is not wanted (GET, HEAD, a refusal before reading): not one byte of
 * it is read. If it declares one, the response says `connection: close` and the connection is
 * closed once the response is sent, instead of Node draining the body to keep the connection. */
export function leaveBodyUnread(req: IncomingMessage, res: ServerResponse): void {
  const length = req.headers['content-length'];
  const hasBody = req.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
  if (!hasBody) return;
  res.setHeader('connection', 'close');
  res.once('finish', () => req.socket.destroy());
}

/** The media type of a Content-Type header, lowercase, without parameters. */
export function mediaType(header: string | undefined): string {
  return (header ?? '').split(';')[0]!.trim().toLowerCase();
}

/** The offered type the Accept header prefers (q-values honoured; ties go to the earlier offer).
 * No Accept, or nothing acceptable: the first offer (being lenient beats a 406 here). */
export function negotiate<T extends string>(accept: string | undefined, offers: readonly [T, ...T[]]): T {
  if (!accept || accept.length > 1000) return offers[0];
  let best: T = offers[0];
  let bestQ = 0;
  const ranges = accept.split(',').slice(0, 32).map((part) => {
    const [range, ...params] = part.split(';').map((s) => s.trim().toLowerCase());
    const qParam = params.find((p) => p.startsWith('q='));
    const q = qParam === undefined ? 1 : Number(qParam.slice(2));
    return { range: range ?? '', q: Number.isFinite(q) ? q : 0 };
  });
  for (const offer of offers) {
    const [type] = offer.split('/');
    let q = -1;
    let specificity = -1;
    for (const r of ranges) {
      const s = r.range === offer ? 2 : r.range === `${type}/*` ? 1 : r.range === '*/*' ? 0 : -1;
      if (s > specificity) {
        specificity = s;
        q = r.q;
      }
    }
    if (q > bestQ) {
      best = offer;
      bestQ = q;
    }
  }
  return best;
}

const SECURITY_HEADERS = { 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' } as const;

export function sendJson(res: ServerResponse, status: number, body: unknown, contentType = 'application/json', headers: Record<string, string> = {}): void {
  const bytes = Buffer.from(JSON.stringify(body));
  res.writeHead(status, { ...SECURITY_HEADERS, 'content-type': contentType, 'content-length': bytes.length, ...headers });
  res.end(bytes);
}

export function sendBytes(res: ServerResponse, status: number, bytes: Uint8Array, contentType: string): void {
  res.writeHead(status, { ...SECURITY_HEADERS, 'content-type': contentType, 'content-length': bytes.length });
  res.end(bytes);
}

export function sendProblem(res: ServerResponse, type: ProblemType, options: { detail?: string; headers?: Record<string, string> } = {}): void {
  const p = problem(type, options.detail);
  sendJson(res, p.status, p, 'application/problem+json', options.headers ?? {});
}
