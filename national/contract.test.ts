// The running service against its contract, protocol/national-api.yaml: every response of a
// scenario that reaches every operation and every documented status must be documented (status,
// media type) and, for JSON, valid against the documented schema. Request bodies we send are
// checked against the request schema too.
import { readFileSync } from 'node:fs';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { encodeScanEvent } from '../protocol/wire.ts';
import { scanEventToJson } from '../protocol/wire-json.ts';
import { newCredential } from './auth/credentials.ts';
import { validate, resolveRef } from './contract/json-schema.ts';
import { parse as parseYaml } from 'yaml';
import { encodeDelimited } from './http/batch-codec.ts';
import { PROBLEM_BASE, PROBLEMS } from './http/problem.ts';
import { newOrderCode } from './order-code.ts';
import { catalogueSource, sampleCatalogue } from './sources/catalogue.ts';
import { openSqliteStore } from './store/sqlite.ts';
import type { NationalStore } from './store/store.ts';
import { SourceError, type MetadataSource } from './sources/types.ts';
import { bearer, gs1Raw, HIP_STEM, http, LENS, scanEvent, startTestService, type Reply, type TestService } from './test-support.ts';

const SPEC_PATH = new URL('../protocol/national-api.yaml', import.meta.url);
const spec = parseYaml(readFileSync(SPEC_PATH, 'utf8')) as any;

type Seen = { method: string; template: string; status: number; type: string };
const seen: Seen[] = [];
const problems: string[] = [];

function templateOf(path: string): string | null {
  const p = path.split('?')[0]!;
  for (const template of Object.keys(spec.paths)) {
    const re = new RegExp(`^${template.replace(/\{[^}]+\}/g, '[^/]+')}$`);
    if (re.test(p)) return template;
  }
  return null;
}

function deref(o: any): any {
  return o && typeof o.$ref === 'string' ? deref(resolveRef(spec, o.$ref)) : o;
}

/** Checks one real response against the contract; records what was seen. */
function conform(method: string, path: string, r: Reply): Reply {
  const where = `${method} ${path} → ${r.status}`;
  const template = templateOf(path);
  const op = template ? spec.paths[template][method.toLowerCase()] : undefined;
  if (!op) {
    // A method the contract does not list on a path it does: 405 with Allow, as a problem.
    if (!template || r.status !== 405 || !r.headers.allow) problems.push(`${where}: no such operation in the contract`);
    else for (const e of validate(r.json(), spec.components.schemas.Problem, { root: spec })) problems.push(`${where}: ${e}`);
    return r;
  }
  const response = deref(op.responses[String(r.status)] ?? op.responses.default);
  const type = String(r.headers['content-type'] ?? '').split(';')[0]!;
  seen.push({ method, template: template!, status: r.status, type });
  const media = response?.content?.[type];
  if (!media) {
    problems.push(`${where}: ${type} is not documented for this status`);
    return r;
  }
  if (/json$/.test(type)) {
    const errors = validate(r.json(), media.schema, { root: spec });
    for (const e of errors) problems.push(`${where}: ${e}`);
  }
  for (const h of Object.keys(response.headers ?? {})) {
    if (r.headers[h.toLowerCase()] === undefined) problems.push(`${where}: documented header ${h} missing`);
  }
  return r;
}

let t: TestService;
let store: NationalStore;
let dir: string;
let failing = false;
let hang = false;

/** The SQLite store, made to fail on demand (a full disk, say). */
function flakyStore(inner: NationalStore): NationalStore {
  const guard = <A extends unknown[], R>(fn: (...a: A) => R) => (...a: A): R => {
    if (failing) throw new Error('disk I/O error');
    return fn(...a);
  };
  return {
    grouped: inner.grouped.bind(inner),
    ingest: guard(inner.ingest.bind(inner)),
    getScan: inner.getScan.bind(inner),
    voidScan: guard(inner.voidScan.bind(inner)),
    findByCode: inner.findByCode.bind(inner),
    pendingScans: inner.pendingScans.bind(inner),
    saveMetadata: inner.saveMetadata.bind(inner),
    appendAccess: guard(inner.appendAccess.bind(inner)),
    accessLog: inner.accessLog.bind(inner),
    close: inner.close.bind(inner),
  };
}

const hanging: MetadataSource = {
  name: 'hanging',
  lookup: (_di, _s, signal) =>
    hang ? new Promise((_r, reject) => signal.addEventListener('abort', () => reject(new SourceError('aborted', 'closing')))) : Promise.resolve(null),
};

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'national-contract-'));
  store = flakyStore(openSqliteStore(join(dir, 'n.sqlite')));
  t = await startTestService({ db: store, sources: [hanging, catalogueSource(sampleCatalogue)], limits: { ingestWaitMs: 20, lookupWaitMs: 20 } });
});
afterAll(async () => {
  await t.close();
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('protocol/national-api.yaml', () => {
  test('is OpenAPI 3.1 with every reference resolvable and every operation secured', () => {
    expect(spec.openapi).toBe('3.1.0');
    expect(Object.keys(spec.components.securitySchemes).sort()).toEqual(['registryBearer', 'uplinkBearer', 'uplinkMutualTLS']);
    expect(spec.components.securitySchemes.uplinkMutualTLS.type).toBe('mutualTLS');
    const walk = (node: unknown): void => {
      if (Array.isArray(node)) node.forEach(walk);
      else if (node && typeof node === 'object') {
        for (const [k, v] of Object.entries(node)) {
          if (k === '$ref') expect(() => resolveRef(spec, v as string)).not.toThrow();
          walk(v);
        }
      }
    };
    walk(spec);
    for (const [path, item] of Object.entries<any>(spec.paths)) {
      for (const [method, op] of Object.entries<any>(item)) {
        expect(op.security?.length, `${method} ${path}`).toBeGreaterThan(0);
        expect(op.responses.default, `${method} ${path}`).toBeDefined();
      }
    }
    // Every problem type the service can send is in the contract's enum.
    expect(spec.components.schemas.ProblemType.enum.sort()).toEqual(Object.keys(PROBLEMS).map((k) => PROBLEM_BASE + k).sort());
  });

  test('the running service answers as documented, for every operation and documented status', async () => {
    const u = t.svc.url;
    const up = bearer(t.uplinkToken);
    const reg = bearer(t.registryToken);
    const json = { 'content-type': 'application/json' };
    const call = async (method: string, path: string, o: Parameters<typeof http>[1] = {}) => conform(method, path, await http(u, { ...o, method, path }));
    const batchBody = (events: ReturnType<typeof scanEvent>[], extra: unknown[] = []) => {
      const body = { scans: [...events.map(scanEventToJson), ...extra] };
      if (extra.length === 0) expect(validate(body, spec.components.schemas.ScanBatch, { root: spec })).toEqual([]);
      return JSON.stringify(body);
    };

    // Ingest.
    const hip = scanEvent(gs1Raw(HIP_STEM, 'C-1', 'S-1'), { caseId: 'contract-case' });
    const lens = scanEvent(gs1Raw(LENS, 'C-2'), { caseId: 'contract-case' });
    const accepted = (await call('POST', '/v1/scans', { headers: { ...up, ...json }, body: batchBody([hip, lens]) })).json().receipts;
    await call('POST', '/v1/scans', { headers: { ...up, ...json }, body: batchBody([scanEvent(gs1Raw(LENS), { site: 'elsewhere' })], [{ scanId: 'x' }]) });
    await call('POST', '/v1/scans', { headers: { ...up, 'content-type': 'application/x-protobuf' }, body: encodeDelimited([encodeScanEvent(scanEvent(gs1Raw(LENS, 'P')))]) });
    await call('POST', '/v1/scans', { headers: { ...json }, body: '{}' });
    await call('POST', '/v1/scans', { headers: { ...up, ...json }, body: '{' });
    await call('POST', '/v1/scans', { headers: { ...up, ...json }, body: JSON.stringify({ scans: Array.from({ length: 1001 }, () => 0) }) });
    await call('POST', '/v1/scans', { headers: { ...up, 'content-type': 'text/csv' }, body: 'a,b' });
    await call('GET', '/v1/scans', { headers: up });
    failing = true;
    await call('POST', '/v1/scans', { headers: { ...up, ...json }, body: batchBody([scanEvent(gs1Raw(LENS))]) });
    failing = false;

    // Void.
    const toVoid = scanEvent(gs1Raw(LENS, 'VOID'), { caseId: 'contract-void' });
    const voidReceipt = (await call('POST', '/v1/scans', { headers: { ...up, ...json }, body: batchBody([toVoid]) })).json().receipts[0];
    await call('POST', `/v1/scans/${toVoid.scanId}/void`, { headers: up });
    await call('POST', `/v1/scans/${toVoid.scanId}/void`, { headers: { ...up, accept: 'application/x-protobuf' } });
    await call('POST', `/v1/scans/${toVoid.scanId}/void`, {});
    await call('POST', `/v1/scans/${hip.scanId}/void`, { headers: bearer(t.otherSiteToken) });
    failing = true;
    await call('POST', `/v1/scans/${hip.scanId}/void`, { headers: up });
    failing = false;

    // Orders.
    const code = accepted[0].orderCode as string;
    await call('GET', `/v1/orders/${code}`, { headers: reg });
    await call('GET', `/v1/orders/${accepted[0].caseCode}`, { headers: { ...reg, accept: 'application/fhir+json' } });
    await call('GET', `/v1/orders/${code.slice(0, 7)}${code[7] === '0' ? '1' : '0'}`, { headers: reg });
    await call('GET', '/v1/orders/hello', { headers: reg });
    await call('GET', `/v1/orders/${code}`, {});
    await call('GET', `/v1/orders/${code}`, { headers: bearer(t.revokedToken) });
    let unknown = newOrderCode();
    while (store.findByCode(unknown)) unknown = newOrderCode();
    await call('GET', `/v1/orders/${unknown}`, { headers: reg });
    await call('GET', `/v1/orders/${voidReceipt.orderCode}`, { headers: reg });
    hang = true;
    const pending = (await call('POST', '/v1/scans', { headers: { ...up, ...json }, body: batchBody([scanEvent(gs1Raw(HIP_STEM, 'PEND'))]) })).json().receipts[0];
    await call('GET', `/v1/orders/${pending.orderCode}`, { headers: reg });
    hang = false;
    failing = true;
    await call('GET', `/v1/orders/${code}`, { headers: reg });
    failing = false;
    await call('DELETE', `/v1/orders/${code}`, { headers: reg });

    // Access log.
    await call('GET', '/v1/access-log?limit=2', { headers: reg });
    await call('GET', '/v1/access-log?after=-1', { headers: reg });
    await call('GET', '/v1/access-log', {});
    await call('GET', '/v1/access-log', { headers: bearer(t.revokedToken) });

    expect(problems).toEqual([]);
    // Coverage: every documented status of every operation was seen (503 and default included).
    for (const [template, item] of Object.entries<any>(spec.paths)) {
      for (const [method, op] of Object.entries<any>(item)) {
        for (const status of Object.keys(op.responses)) {
          if (status === 'default') continue;
          expect(seen.some((s) => s.template === template && s.method === method.toUpperCase() && String(s.status) === status), `${method} ${template} ${status}`).toBe(true);
        }
      }
    }
    expect(seen.filter((s) => s.type === 'application/x-protobuf').length).toBe(2);
  });

  test('the checker is not a rubber stamp', () => {
    const order = spec.components.schemas.Order;
    expect(validate({ code: 'lower', kind: 'scan' }, order, { root: spec })).toEqual(
      expect.arrayContaining([expect.stringContaining('missing required "caseCode"'), expect.stringContaining('$.code: does not match')]),
    );
    expect(validate({ type: PROBLEM_BASE + 'nope', title: 't', status: 404, extra: 1 }, spec.components.schemas.Problem, { root: spec }).length).toBe(2);
    expect(() => validate(1, { type: 'integer', multipleOf: 2 }, { root: spec })).toThrow(/multipleOf/);
  });
});

// A credential helper is part of the ingest contract's bearer scheme.
test('bearer tokens have the documented shape', () => {
  expect(newCredential('kataraktregistret').token).toMatch(/^kataraktregistret\.[A-Za-z0-9_-]{43}$/);
});
