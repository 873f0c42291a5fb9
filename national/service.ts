// The reference national service: ingest for hospital uplinks, order codes, metadata sources,
// the registry API. node:http (or node:https with mutual TLS), no framework: four routes.
//   const svc = await createNationalService({
//     db: 'national.sqlite',                                   // or a NationalStore
//     sources: [catalogueSource(sampleCatalogue)],
//     registries: [{ id: 'kataraktregistret', tokenSha256 }],
//     authenticateUplink: bearerUplinkAuthenticator([{ id: 'uplink-sahlgrenska', site: 'sahlgrenska', tokenSha256 }]),
//   });
//   svc.url → 'http://127.0.0.1:41234'   …   await svc.close();

import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { TLS_SERVER_POLICY } from '../protocol/tls-policy.ts';
import type { AddressInfo } from 'node:net';
import pino, { type Logger } from 'pino';
import { registryAuthenticator, type RegistryCredential } from './auth/registry-auth.ts';
import type { AuthenticateUplink } from './auth/uplink-auth.ts';
import { handleIngest, handleVoid, type IngestStats } from './http/ingest.ts';
import { leaveBodyUnread, sendProblem } from './http/io.ts';
import { handleAccessLog, handleOrder } from './http/registry.ts';
import { Resolver } from './resolver.ts';
import type { MetadataSource } from './sources/types.ts';
import { openSqliteStore } from './store/sqlite.ts';
import type { NationalStore } from './store/store.ts';

export interface NationalServiceOptions {
  /** A SQLite file path (opened, migrated, and closed by the service) or a store. */
  db: string | NationalStore;
  /** Asked in order; the first that knows the product wins. */
  sources: readonly MetadataSource[];
  registries: readonly RegistryCredential[];
  authenticateUplink: AuthenticateUplink;
  /** HTTPS. With `ca`, clients are asked for a certificate (mutual TLS for uplinks); registries may
   * still come without one (bearer). `authenticateUplink` decides what a certificate is worth. */
  tls?: { cert: string | Buffer; key: string | Buffer; ca?: string | Buffer; crl?: string | Buffer };
  host?: string;
  /** 0 (default): a free port. */
  port?: number;
  clock?: { now(): number };
  logger?: Logger;
  limits?: Partial<NationalLimits>;
  /** Characters the scanners send for FNC1 besides GS. */
  gsSubstitutes?: readonly string[];
  /** Resolve scans left pending (by a restart, a full queue) every this many ms. 0: never. */
  sweepIntervalMs?: number;
}

export interface NationalLimits {
  maxBodyBytes: number;
  maxBatch: number;
  ingestWaitMs: number;
  lookupWaitMs: number;
  retryFailedAfterMs: number;
  retryAfterSeconds: number;
  resolverConcurrency: number;
  resolverMaxQueued: number;
  lookupTimeoutMs: number;
}

export const DEFAULT_LIMITS: NationalLimits = {
  maxBodyBytes: 1024 * 1024,
  maxBatch: 1000,
  ingestWaitMs: 300,
  lookupWaitMs: 1000,
  retryFailedAfterMs: 60_000,
  retryAfterSeconds: 2,
  resolverConcurrency: 16,
  resolverMaxQueued: 10_000,
  lookupTimeoutMs: 15_000,
};

export interface NationalService {
  server: Server;
  url: string;
  store: NationalStore;
  stats: IngestStats;
  close(): Promise<void>;
}

const VOID_PATH = /^\/v1\/scans\/([^/]{1,64})\/void$/;
const ORDER_PATH = /^\/v1\/orders\/([^/]{1,200})$/;

export async function createNationalService(options: NationalServiceOptions): Promise<NationalService> {
  const limits: NationalLimits = { ...DEFAULT_LIMITS, ...options.limits };
  const logger = options.logger ?? pino({ name: 'national' }, pino.destination(2));
  const clock = options.clock ?? Date;
  const now = () => clock.now();
  const authenticateRegistry = registryAuthenticator(options.registries); // throws on bad config: before opening anything
  const ownsStore = typeof options.db === 'string';
  const store = typeof options.db === 'string' ? openSqliteStore(options.db) : options.db;
  const resolver = new Resolver({
    store,
    sources: options.sources,
    logger,
    now,
    concurrency: limits.resolverConcurrency,
    maxQueued: limits.resolverMaxQueued,
    lookupTimeoutMs: limits.lookupTimeoutMs,
  });
  const stats: IngestStats = { batches: 0, accepted: 0, duplicates: 0, rejected: {}, parseMismatches: 0 };
  const ingestDeps = {
    store,
    resolver,
    logger,
    now,
    authenticateUplink: options.authenticateUplink,
    maxBodyBytes: limits.maxBodyBytes,
    maxBatch: limits.maxBatch,
    ingestWaitMs: limits.ingestWaitMs,
    scanCheck: { gsSubstitutes: options.gsSubstitutes ?? [] },
    stats,
  };
  const registryDeps = {
    store,
    resolver,
    logger,
    now,
    authenticate: authenticateRegistry,
    lookupWaitMs: limits.lookupWaitMs,
    retryFailedAfterMs: limits.retryFailedAfterMs,
    retryAfterSeconds: limits.retryAfterSeconds,
  };

  const route = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const target = req.url ?? '/';
    const q = target.indexOf('?');
    const path = q === -1 ? target : target.slice(0, q);
    const method = req.method ?? 'GET';
    // A registry's HEAD is its GET without the body (Node leaves the body out of a HEAD answer).
    const only = (allowed: 'POST' | 'GET'): boolean => {
      if (method === allowed || (allowed === 'GET' && method === 'HEAD')) return true;
      leaveBodyUnread(req, res);
      sendProblem(res, 'method-not-allowed', { headers: { allow: allowed === 'GET' ? 'GET, HEAD' : allowed } });
      return false;
    };
    let m: RegExpExecArray | null;
    if (path === '/v1/scans') {
      if (only('POST')) await handleIngest(req, res, ingestDeps);
    } else if ((m = VOID_PATH.exec(path))) {
      if (only('POST')) await handleVoid(req, res, ingestDeps, m[1]!);
    } else if ((m = ORDER_PATH.exec(path))) {
      if (only('GET')) await handleOrder(req, res, registryDeps, m[1]!);
    } else if (path === '/v1/access-log') {
      if (only('GET')) handleAccessLog(req, res, registryDeps, new URLSearchParams(q === -1 ? '' : target.slice(q + 1)));
    } else {
      leaveBodyUnread(req, res);
      sendProblem(res, 'not-found');
    }
  };

  const onRequest = (req: IncomingMessage, res: ServerResponse): void => {
    route(req, res).catch((e: unknown) => {
      logger.error({ err: (e as Error)?.message, stack: (e as Error)?.stack }, 'request failed');
      if (!res.headersSent) sendProblem(res, 'internal', { headers: { connection: 'close' } });
      else res.destroy();
    });
  };

  const tls = options.tls;
  const server: Server = tls
    ? createHttpsServer({ cert: tls.cert, key: tls.key, ca: tls.ca, crl: tls.crl, requestCert: tls.ca !== undefined, rejectUnauthorized: false, ...TLS_SERVER_POLICY }, onRequest)
    : createHttpServer(onRequest);
  server.headersTimeout = 10_000;
  server.requestTimeout = 30_000;
  server.keepAliveTimeout = 5_000;
  server.maxHeadersCount = 64;
  server.on('clientError', (_err, socket) => {
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nconnection: close\r\ncontent-length: 0\r\n\r\n');
    else socket.destroy();
  });

  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (e) {
    resolver.close();
    if (ownsStore) store.close();
    throw e;
  }
  if ((options.sweepIntervalMs ?? 30_000) > 0) resolver.startSweeper(options.sweepIntervalMs ?? 30_000);
  const { address, port } = server.address() as AddressInfo;
  const host = address.includes(':') ? `[${address}]` : address;
  const url = `${tls ? 'https' : 'http'}://${host}:${port}`;
  logger.info({ url, sources: options.sources.map((s) => s.name), registries: options.registries.length }, 'national service listening');

  let closed: Promise<void> | null = null;
  return {
    server,
    url,
    store,
    stats,
    close() {
      closed ??= (async () => {
        const done = new Promise<void>((resolve) => server.close(() => resolve()));
        server.closeIdleConnections();
        const force = setTimeout(() => server.closeAllConnections(), 2_000);
        await done;
        clearTimeout(force);
        resolver.close();
        if (ownsStore) store.close();
      })();
      return closed;
    },
  };
}
