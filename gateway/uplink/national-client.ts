// The uplink's HTTPS client for the national service's ingest API (protocol/national-api.yaml):
//   const client = httpNationalClient({ url: 'https://national.example/', tls: { ca, cert, key } });
//   await client.sendBatch([event1, event2], signal) → [receipt1, receipt2]  (one per stored scan)
// Bodies are protobuf both ways (length-delimited ScanEvents in, ScanReceipts out): no JSON to
// write here or to parse there. A service that answers JSON instead is read as well.
// Any transport error, timeout or non-2xx status throws NationalError; the caller keeps the batch
// in its outbox and tries again. The scan id is the idempotency key, so a retry is harmless.

import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import protobuf from 'protobufjs/light.js';
import { TLS_CLIENT_POLICY } from '../../protocol/tls-policy.ts';
import { decodeScanReceipt, encodeScanEvent, type DecodeResult, type ScanEvent, type ScanReceipt } from '../../protocol/wire.ts';
import { scanReceiptFromJson } from '../../protocol/wire-json.ts';

const PROTOBUF = 'application/x-protobuf';

export interface NationalClient {
  /** `encoded[i]`, when given, is `events[i]` as protobuf (what the uplink journaled): sent as is. */
  sendBatch(events: readonly ScanEvent[], signal?: AbortSignal, encoded?: readonly Uint8Array[]): Promise<ScanReceipt[]>;
}

export class NationalError extends Error {
  override name = 'NationalError';
  constructor(
    message: string,
    /** HTTP status, or null for a transport failure. */
    readonly status: number | null,
  ) {
    super(message);
  }
}

export interface HttpNationalClientOptions {
  /** Base URL of the national service, e.g. https://implant.ehalsomyndigheten.example/ */
  url: string;
  /** Mutual TLS: our client certificate and key, and the CA of the national service. */
  tls?: { ca?: string | Buffer; cert?: string | Buffer; key?: string | Buffer };
  /** Instead of mutual TLS: a bearer token (the demo, tests, a site without provisioned certificates). */
  token?: string;
  timeoutMs?: number;
  /** Bound on the response we are willing to read. */
  maxResponseBytes?: number;
}

export function httpNationalClient(options: HttpNationalClientOptions): NationalClient {
  const endpoint = new URL('v1/scans', options.url.endsWith('/') ? options.url : `${options.url}/`);
  const secure = endpoint.protocol === 'https:';
  const timeoutMs = options.timeoutMs ?? 15_000;
  const maxBytes = options.maxResponseBytes ?? 4 << 20;
  return {
    sendBatch(events, signal, encoded) {
      const writer = protobuf.Writer.create();
      events.forEach((e, i) => writer.bytes(encoded?.[i] ?? encodeScanEvent(e))); // bytes(): a varint length, then the message
      const body = writer.finish();
      return new Promise<ScanReceipt[]>((resolve, reject) => {
        const headers: Record<string, string | number> = { 'content-type': PROTOBUF, accept: `${PROTOBUF}, application/json;q=0.5`, 'content-length': body.length };
        if (options.token) headers.authorization = `Bearer ${options.token}`;
        const req = (secure ? httpsRequest : httpRequest)(
          endpoint,
          { method: 'POST', headers, signal, timeout: timeoutMs, ...(secure ? { ...TLS_CLIENT_POLICY, ...options.tls } : {}) },
          (res) => {
            const chunks: Buffer[] = [];
            let size = 0;
            res.on('data', (c: Buffer) => {
              size += c.length;
              if (size > maxBytes) req.destroy(new NationalError(`response over ${maxBytes} bytes`, res.statusCode ?? null));
              else chunks.push(c);
            });
            res.on('error', (e) => reject(toNationalError(e)));
            res.on('end', () => {
              const status = res.statusCode ?? 0;
              const body = Buffer.concat(chunks);
              if (status < 200 || status > 299) return reject(new NationalError(`national service answered ${status}: ${problemTitle(body.toString('utf8'))}`, status));
              try {
                const receipts: ScanReceipt[] = [];
                for (const parsed of readReceipts(body, res.headers['content-type'])) if (parsed.ok) receipts.push(parsed.value);
                resolve(receipts);
              } catch (e) {
                reject(new NationalError(`national service sent an unreadable answer: ${(e as Error).message}`, status));
              }
            });
          },
        );
        req.on('timeout', () => req.destroy(new NationalError(`no answer within ${timeoutMs} ms`, null)));
        req.on('error', (e) => reject(toNationalError(e)));
        req.end(body);
      });
    },
  };
}

/** The receipts of an answer, protobuf (length-delimited) or JSON ({"receipts": […]}); throws on a body that is neither. */
function readReceipts(body: Buffer, contentType: string | undefined): DecodeResult<ScanReceipt>[] {
  if ((contentType ?? '').split(';')[0]!.trim().toLowerCase() === PROTOBUF) {
    const reader = protobuf.Reader.create(body);
    const out: DecodeResult<ScanReceipt>[] = [];
    while (reader.pos < reader.len) out.push(decodeScanReceipt(reader.bytes()));
    return out;
  }
  const json = JSON.parse(body.toString('utf8')) as { receipts?: unknown };
  if (!Array.isArray(json.receipts)) throw new Error('no receipts array');
  return json.receipts.map(scanReceiptFromJson);
}

function toNationalError(e: Error): NationalError {
  return e instanceof NationalError ? e : new NationalError(`cannot reach the national service: ${(e as NodeJS.ErrnoException).code ?? e.message}`, null);
}

/** The title of an RFC 9457 problem, or the start of whatever came back. */
function problemTitle(text: string): string {
  try {
    const p = JSON.parse(text) as { title?: unknown; detail?: unknown };
    if (typeof p.title === 'string') return typeof p.detail === 'string' ? `${p.title} (${p.detail})`.slice(0, 300) : p.title.slice(0, 300);
  } catch {
    /* not JSON */
  }
  return text.slice(0, 120).replace(/[^\x20-\x7e]/g, '?');
}
