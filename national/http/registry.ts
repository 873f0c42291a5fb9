// The registries' API: GET /v1/orders/{code} (JSON, or a FHIR R4 Bundle of Devices) and
// GET /v1/access-log (the calling registry's own lookups). Every order lookup by an identified
// registry is written to the append-only access log, and committed, before it is answered (lookups
// arriving together share one commit); if it cannot be written, nothing is answered (503).

import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import type { RegistryAuth } from '../auth/registry-auth.ts';
import { deviceBundle } from '../fhir.ts';
import { parseOrderCode } from '../order-code.ts';
import type { Resolver } from '../resolver.ts';
import type { AccessOutcome, CodeLookup, NationalStore, PendingScan, ResolvedMetadata, StoredScan } from '../store/store.ts';
import { implantJson, type OrderJson } from '../view.ts';
import { within } from './ingest.ts';
import { leaveBodyUnread, negotiate, sendJson, sendProblem } from './io.ts';
import { PROBLEMS, type ProblemType } from './problem.ts';

export interface RegistryDeps {
  store: NationalStore;
  resolver: Resolver;
  logger: Logger;
  now: () => number;
  authenticate: (req: IncomingMessage) => RegistryAuth;
  /** How long a lookup waits for pending product data before answering 409. */
  lookupWaitMs: number;
  /** Partial data whose sources failed is looked up again when older than this. */
  retryFailedAfterMs: number;
  /** Retry-After (seconds) on 409 not-yet-resolved. */
  retryAfterSeconds: number;
}

const FHIR = 'application/fhir+json';
const JSON_TYPE = 'application/json';
const MAX_PAGE = 1000;

function unauthorized(res: ServerResponse): void {
  sendProblem(res, 'unauthorized', { headers: { 'www-authenticate': 'Bearer realm="registry"' } });
}

export async function handleOrder(req: IncomingMessage, res: ServerResponse, deps: RegistryDeps, rawCode: string): Promise<void> {
  leaveBodyUnread(req, res);
  const auth = deps.authenticate(req);
  if (!auth.ok && auth.status === 401) return unauthorized(res);

  let typed: string | null = null;
  try {
    typed = decodeURIComponent(rawCode);
  } catch {
    /* stays null: malformed */
  }
  const parsed = parseOrderCode(typed);
  const code = parsed.ok ? parsed.code : parsed.reason === 'mistyped' ? parsed.typed : null;
  const registryId = auth.ok ? auth.registryId : auth.registryId;

  let answer: { outcome: AccessOutcome; problem?: ProblemType; order?: OrderJson };
  if (!auth.ok) answer = { outcome: 'revoked', problem: 'credential-revoked' };
  else if (!parsed.ok) answer = parsed.reason === 'mistyped' ? { outcome: 'mistyped', problem: 'mistyped-code' } : { outcome: 'malformed', problem: 'malformed-code' };
  else answer = await lookUp(parsed.code, deps);

  const status = answer.order ? 200 : PROBLEMS[answer.problem!].status;
  try {
    // Lookups arriving together share one commit (group commit); none is answered before it.
    const entry = { registryId, atMs: deps.now(), code, outcome: answer.outcome, httpStatus: status };
    await deps.store.grouped(() => deps.store.appendAccess(entry));
  } catch (e) {
    deps.logger.error({ err: (e as Error).message }, 'could not write the access log; the lookup is not answered');
    return sendProblem(res, 'unavailable', { headers: { 'retry-after': '5' } });
  }
  deps.logger.info({ registryId, outcome: answer.outcome }, 'order lookup');
  if (!answer.order) {
    const headers: Record<string, string> = answer.problem === 'not-yet-resolved' ? { 'retry-after': String(deps.retryAfterSeconds) } : {};
    return sendProblem(res, answer.problem!, { headers });
  }
  if (negotiate(req.headers.accept, [JSON_TYPE, FHIR]) === FHIR) sendJson(res, 200, deviceBundle(answer.order, deps.now()), FHIR);
  else sendJson(res, 200, answer.order);
}

type Resolved = StoredScan & { metadata: ResolvedMetadata };

async function lookUp(code: string, deps: RegistryDeps): Promise<{ outcome: AccessOutcome; problem?: ProblemType; order?: OrderJson }> {
  let found = deps.store.findByCode(code);
  if (found === null) return { outcome: 'not-found', problem: 'unknown-code' };
  const stale = toResolve(found, deps);
  if (stale.length > 0) {
    await within(deps.resolver.resolve(stale), deps.lookupWaitMs);
    found = deps.store.findByCode(code) ?? found;
  }
  const scans = found.kind === 'scan' ? [found.scan] : found.scans;
  const live = scans.filter((s) => s.voidedAtMs === null);
  if (live.length === 0) return { outcome: 'voided', problem: 'voided' };
  if (live.some((s) => s.metadata === null)) return { outcome: 'pending', problem: 'not-yet-resolved' };
  const first = scans[0]!;
  const order: OrderJson = {
    code,
    kind: found.kind,
    caseCode: first.caseCode,
    site: first.site,
    theatre: first.theatre,
    implants: (live as Resolved[]).map(implantJson),
    voidedCount: scans.length - live.length,
  };
  return { outcome: 'found', order };
}

/** Live scans still pending, or partial because a source failed a while ago. */
function toResolve(found: NonNullable<CodeLookup>, deps: RegistryDeps): PendingScan[] {
  const scans = found.kind === 'scan' ? [found.scan] : found.scans;
  const now = deps.now();
  return scans
    .filter((s) => {
      if (s.voidedAtMs !== null) return false;
      const m = s.metadata;
      if (m === null) return true;
      return m.status === 'partial' && m.sources.some((x) => x.outcome === 'failed') && now - m.resolvedAtMs >= deps.retryFailedAfterMs;
    })
    .map((s) => ({ scanId: s.scanId, scheme: s.scheme, di: s.di }));
}

export function handleAccessLog(req: IncomingMessage, res: ServerResponse, deps: RegistryDeps, query: URLSearchParams): void {
  leaveBodyUnread(req, res);
  const auth = deps.authenticate(req);
  if (!auth.ok) return auth.status === 401 ? unauthorized(res) : sendProblem(res, 'credential-revoked');
  const after = intParam(query.get('after'), 0, Number.MAX_SAFE_INTEGER, 0);
  const limit = intParam(query.get('limit'), 1, MAX_PAGE, 100);
  if (after === null || limit === null) return sendProblem(res, 'bad-query', { detail: `after: an entry id (≥ 0); limit: 1 … ${MAX_PAGE}.` });
  const entries = deps.store.accessLog(auth.registryId, after, limit);
  sendJson(res, 200, {
    entries: entries.map((e) => ({ id: e.id, at: new Date(e.atMs).toISOString(), code: e.code, outcome: e.outcome, status: e.httpStatus })),
    next: entries.length === limit ? entries[entries.length - 1]!.id : null,
  });
}

function intParam(v: string | null, min: number, max: number, fallback: number): number | null {
  if (v === null) return fallback;
  if (!/^[0-9]{1,16}$/.test(v)) return null;
  const n = Number(v);
  return n >= min && n <= max ? n : null;
}
