// Shared by the national service's tests: scan events from barcode text, a running service on a
// temporary SQLite file with fresh credentials, and a small HTTP client.

import { request } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino, { type Logger } from 'pino';
import { createScanIdGenerator } from '../protocol/scan-id.ts';
import { parse } from '../protocol/udi/index.ts';
import type { ScanEvent } from '../protocol/wire.ts';
import { newCredential } from './auth/credentials.ts';
import { bearerUplinkAuthenticator } from './auth/uplink-auth.ts';
import { createNationalService, type NationalService, type NationalServiceOptions } from './service.ts';
import { catalogueSource, sampleCatalogue } from './sources/catalogue.ts';

export const GS = '\x1d';
/** From the sample catalogue. */
export const HIP_STEM = '07399990001092';
export const LENS = '07399990000170';
/** A valid GTIN no catalogue knows. */
export const UNKNOWN_GTIN = '07399990009999';

export const gs1Raw = (gtin: string, lot = 'LOT42', serial: string | null = null): string =>
  `]d201${gtin}17291231${'10'}${lot}${serial === null ? '' : `${GS}21${serial}`}`;

const nextScanId = createScanIdGenerator();
let sequence = 0n;
const bytes = (s: string) => Uint8Array.from(s, (c) => c.charCodeAt(0));

/** A ScanEvent as a gateway would publish it; `claim` overrides the gateway's parse (a buggy or
 * hostile gateway can claim anything). */
export function scanEvent(raw: string, over: Partial<ScanEvent> = {}): ScanEvent {
  const r = parse(raw, { now: new Date(1_767_225_600_000) });
  return {
    scanId: nextScanId(),
    gatewayId: 'gw-or3',
    site: 'sahlgrenska',
    theatre: 'or-3',
    caseId: 'case-0042',
    sequence: ++sequence,
    scannedAtMs: 1_767_225_600_000,
    historical: false,
    raw: bytes(raw),
    symbology: r.symbology,
    parse: { ok: r.ok, scheme: r.scheme, elements: r.elements, udi: r.udi, errors: r.errors },
    ...over,
  };
}

export const silentLogger = (): Logger => pino({ level: 'silent' });

export interface TestService {
  svc: NationalService;
  dir: string;
  dbPath: string;
  uplinkToken: string;
  otherSiteToken: string;
  registryToken: string;
  otherRegistryToken: string;
  revokedToken: string;
  close(): Promise<void>;
}

export async function startTestService(over: Partial<NationalServiceOptions> = {}): Promise<TestService> {
  const dir = mkdtempSync(join(tmpdir(), 'national-'));
  const dbPath = join(dir, 'national.sqlite');
  const uplink = newCredential('uplink-sahlgrenska');
  const other = newCredential('uplink-sus');
  const registry = newCredential('kataraktregistret');
  const otherRegistry = newCredential('hoftprotesregistret');
  const revoked = newCredential('old-registry');
  const svc = await createNationalService({
    db: dbPath,
    sources: [catalogueSource(sampleCatalogue)],
    registries: [
      { id: 'kataraktregistret', tokenSha256: registry.tokenSha256 },
      { id: 'hoftprotesregistret', tokenSha256: otherRegistry.tokenSha256 },
      { id: 'old-registry', tokenSha256: revoked.tokenSha256, revoked: true },
    ],
    authenticateUplink: bearerUplinkAuthenticator([
      { id: 'uplink-sahlgrenska', site: 'sahlgrenska', tokenSha256: uplink.tokenSha256 },
      { id: 'uplink-sus', site: 'sus-lund', tokenSha256: other.tokenSha256 },
    ]),
    logger: silentLogger(),
    sweepIntervalMs: 0,
    ...over,
  });
  return {
    svc,
    dir,
    dbPath,
    uplinkToken: uplink.token,
    otherSiteToken: other.token,
    registryToken: registry.token,
    otherRegistryToken: otherRegistry.token,
    revokedToken: revoked.token,
    async close() {
      await svc.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
  json(): any;
}

export function http(url: string, options: { method?: string; headers?: Record<string, string | number>; body?: Uint8Array | string; path?: string } = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const headers = { ...options.headers };
    if (options.body !== undefined) headers['content-length'] = Buffer.byteLength(options.body);
    const req = request(url + (options.path ?? ''), { method: options.method ?? 'GET', headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', reject);
      res.on('end', () => {
        const body = Buffer.concat(chunks);
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body, json: () => JSON.parse(body.toString('utf8')) });
      });
    });
    req.on('error', reject);
    req.end(options.body);
  });
}

export const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
