// The uplinks' API: POST /v1/scans (a batch in, a receipt per scan out) and
// POST /v1/scans/{scanId}/void. See protocol/national-api.yaml.

import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import { isScanId } from '../../protocol/scan-id.ts';
import { encodeScanReceipt, type ScanReceipt } from '../../protocol/wire.ts';
import type { UplinkIdentity, AuthenticateUplink } from '../auth/uplink-auth.ts';
import type { Resolver } from '../resolver.ts';
import { checkScan, fingerprint, type ScanCheckOptions } from '../scan-check.ts';
import type { NationalStore, NewScanWithMetadata, PendingScan, ResolvedMetadata } from '../store/store.ts';
import { receiptFor, rejectedReceipt } from '../view.ts';
import { decodeJsonBatch, decodeProtobufBatch, encodeReceiptsDelimited, PROTOBUF_TYPES } from './batch-codec.ts';
import { leaveBodyUnread, mediaType, negotiate, readBody, sendBytes, sendJson, sendProblem } from './io.ts';

export interface IngestStats {
  batches: number;
  accepted: number;
  duplicates: number;
  rejected: Record<string, number>;
  parseMismatches: number;
}

export interface IngestDeps {
  store: NationalStore;
  resolver: Resolver;
  logger: Logger;
  now: () => number;
  authenticateUplink: AuthenticateUplink;
  maxBodyBytes: number;
  maxBatch: number;
  /** How long a batch's answer waits for fresh scans' product names before going without. */
  ingestWaitMs: number;
  scanCheck: ScanCheckOptions;
  stats: IngestStats;
}

const JSON_TYPE = 'application/json';

async function authenticate(req: IncomingMessage, res: ServerResponse, deps: IngestDeps): Promise<UplinkIdentity | null> {
  let identity: UplinkIdentity | null = null;
  try {
    identity = await deps.authenticateUplink(req);
  } catch (e) {
    deps.logger.error({ err: (e as Error).message }, 'uplink authentication failed');
  }
  if (!identity) {
    leaveBodyUnread(req, res);
    sendProblem(res, 'unauthorized', { headers: { 'www-authenticate': 'Bearer realm="uplink"' } });
  }
  return identity;
}

export async function handleIngest(req: IncomingMessage, res: ServerResponse, deps: IngestDeps): Promise<void> {
  const identity = await authenticate(req, res, deps);
  if (!identity) return;
  const type = mediaType(req.headers['content-type']);
  const protobufIn = (PROTOBUF_TYPES as readonly string[]).includes(type);
  if (!protobufIn && type !== JSON_TYPE) {
    leaveBodyUnread(req, res);
    return sendProblem(res, 'unsupported-media-type', { detail: 'Send application/json or application/x-protobuf.' });
  }
  const body = await readBody(req, deps.maxBodyBytes);
  if (!body.ok) {
    return sendProblem(res, body.problem, { detail: body.problem === 'body-too-large' ? `At most ${deps.maxBodyBytes} bytes.` : undefined, headers: { connection: 'close' } });
  }
  const batch = protobufIn ? decodeProtobufBatch(body.body, deps.maxBatch) : decodeJsonBatch(body.body, deps.maxBatch);
  if (!batch.ok) return sendProblem(res, batch.problem, { detail: batch.detail });

  const now = deps.now();
  const { stats } = deps;
  stats.batches++;
  const receipts: (ScanReceipt | null)[] = batch.items.map(() => null);
  const errors: { index: number; message: string }[] = [];
  const toStore: NewScanWithMetadata[] = [];
  const storedAt: number[] = [];
  const reject = (i: number, scanId: string, code: string) => {
    receipts[i] = rejectedReceipt(scanId, code, now);
    stats.rejected[code] = (stats.rejected[code] ?? 0) + 1;
  };
  batch.items.forEach((item, i) => {
    if (!item.ok) {
      if (item.scanId !== null) reject(i, item.scanId, 'invalid-scan');
      else errors.push({ index: item.index, message: item.message });
      return;
    }
    const c = checkScan(item.event, identity.site, deps.scanCheck);
    if (!c.ok) {
      // A retry of a scan stored before (by an older parser, say) keeps its original answer.
      const before = c.messageCode === 'wrong-site' ? null : deps.store.getScan(item.event.scanId);
      if (before && before.fingerprint === fingerprint(item.event)) receipts[i] = receiptFor(before, before.voidedAtMs === null ? 'duplicate' : 'voided');
      else reject(i, item.event.scanId, c.messageCode);
      return;
    }
    if (c.parseMismatch) stats.parseMismatches++;
    toStore.push(c.scan);
    storedAt.push(i);
  });

  // Product data first (bounded wait), so that a scan is stored with it in the same transaction.
  const known = toStore.length > 0 ? await deps.resolver.lookup(toStore, deps.ingestWaitMs) : new Map<string, ResolvedMetadata>();
  let outcomes;
  try {
    // One transaction with the other requests of this turn (group commit); answered once committed.
    for (const scan of toStore) scan.metadata = known.get(`${scan.scheme}:${scan.di}`) ?? null; // checkScan's own objects: no copy
    outcomes = toStore.length === 0 ? [] : await deps.store.grouped(() => deps.store.ingest(toStore, now));
  } catch (e) {
    deps.logger.error({ err: (e as Error).message }, 'could not store a batch');
    return sendProblem(res, 'unavailable', { headers: { 'retry-after': '5' } });
  }
  const pending: PendingScan[] = [];
  let accepted = 0;
  outcomes.forEach((o, k) => {
    const i = storedAt[k]!;
    if (o.kind === 'new') {
      receipts[i] = receiptFor(o.scan, 'accepted');
      if (o.scan.metadata === null) pending.push({ scanId: o.scan.scanId, scheme: o.scan.scheme, di: o.scan.di });
      accepted++;
    } else if (!o.sameContent) {
      reject(i, o.scan.scanId, 'scan-id-conflict'); // a reused id: never hand out another scan's code
      deps.logger.warn({ scanId: o.scan.scanId, uplinkId: identity.uplinkId }, 'scan id reused with different content');
    } else {
      receipts[i] = receiptFor(o.scan, o.scan.voidedAtMs === null ? 'duplicate' : 'voided');
      stats.duplicates++;
    }
  });
  stats.accepted += accepted;
  if (pending.length > 0) void deps.resolver.resolve(pending); // in the background; stored when done
  const answered = receipts.filter((r): r is ScanReceipt => r !== null);
  deps.logger.info({ uplinkId: identity.uplinkId, scans: batch.items.length, accepted, unreadable: errors.length }, 'batch ingested');
  const out = negotiate(req.headers.accept, protobufIn ? [type as (typeof PROTOBUF_TYPES)[number], JSON_TYPE, ...PROTOBUF_TYPES] : [JSON_TYPE, ...PROTOBUF_TYPES]);
  if (out === JSON_TYPE) sendJson(res, 200, { receipts: answered, errors });
  else sendBytes(res, 200, encodeReceiptsDelimited(answered), out);
}

export async function handleVoid(req: IncomingMessage, res: ServerResponse, deps: IngestDeps, scanId: string): Promise<void> {
  const identity = await authenticate(req, res, deps);
  if (!identity) return;
  leaveBodyUnread(req, res); // the request has no body
  const scan = isScanId(scanId) ? deps.store.getScan(scanId) : null;
  if (!scan || scan.site !== identity.site) return sendProblem(res, 'unknown-scan');
  let voided;
  try {
    voided = await deps.store.grouped(() => deps.store.voidScan(scanId, deps.now()));
  } catch (e) {
    deps.logger.error({ err: (e as Error).message }, 'could not void a scan');
    return sendProblem(res, 'unavailable', { headers: { 'retry-after': '5' } });
  }
  if (!voided) return sendProblem(res, 'unknown-scan');
  deps.logger.info({ uplinkId: identity.uplinkId, scanId }, 'scan voided');
  const receipt = receiptFor(voided, 'voided');
  const out = negotiate(req.headers.accept, [JSON_TYPE, ...PROTOBUF_TYPES]);
  if (out === JSON_TYPE) sendJson(res, 200, receipt);
  else sendBytes(res, 200, encodeScanReceipt(receipt), out);
}

/** Waits for `p`, at most `ms`. */
export function within(p: Promise<unknown>, ms: number): Promise<void> {
  return new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, ms);
    p.finally(() => {
      clearTimeout(timer);
      resolve();
    }).catch(() => {});
  });
}
