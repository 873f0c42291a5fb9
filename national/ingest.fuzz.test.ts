// Hostile input at the HTTP boundary: arbitrary methods, paths, headers and bodies (random bytes,
// random JSON, mutated valid batches) never make the service answer 5xx or stop answering.
import fc from 'fast-check';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { encodeScanEvent } from '../protocol/wire.ts';
import { scanEventToJson } from '../protocol/wire-json.ts';
import { encodeDelimited } from './http/batch-codec.ts';
import { bearer, gs1Raw, HIP_STEM, http, LENS, scanEvent, startTestService, type TestService } from './test-support.ts';

const RUNS = Number(process.env.FUZZ_RUNS ?? 300);
let t: TestService;
beforeAll(async () => {
  t = await startTestService({ limits: { maxBodyBytes: 64 * 1024, ingestWaitMs: 5 } });
});
afterAll(() => t.close());

const printable = (max: number) => fc.string({ unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)), maxLength: max });
const validEvents = () => [scanEvent(gs1Raw(LENS)), scanEvent(gs1Raw(HIP_STEM, 'X', 'Y'))];
const protobufBody = () => encodeDelimited(validEvents().map(encodeScanEvent));
const jsonBody = () => Buffer.from(JSON.stringify({ scans: validEvents().map(scanEventToJson) }));

function mutate(bytes: Uint8Array, edits: { at: number; value: number }[], cut: number): Uint8Array {
  const out = Uint8Array.from(bytes);
  for (const e of edits) out[e.at % out.length] = e.value;
  return out.subarray(0, Math.max(0, out.length - cut));
}

const body = fc.oneof(
  fc.uint8Array({ maxLength: 2048 }),
  fc.json({ maxDepth: 4 }).map((s) => Buffer.from(s)),
  fc.array(fc.json({ maxDepth: 3 }), { maxLength: 5 }).map((items) => Buffer.from(`{"scans":[${items.join(',')}]}`)),
  fc.tuple(fc.array(fc.record({ at: fc.nat(), value: fc.integer({ min: 0, max: 255 }) }), { maxLength: 6 }), fc.nat(8), fc.boolean()).map(([edits, cut, proto]) =>
    mutate(proto ? protobufBody() : jsonBody(), edits, cut),
  ),
);

test('the ingest endpoint (and every other) never answers 5xx to arbitrary requests', async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.constantFrom('POST', 'POST', 'POST', 'GET', 'PUT', 'DELETE'),
      fc.oneof(fc.constant('/v1/scans'), fc.constant('/v1/scans'), printable(40).map((s) => `/v1/${encodeURIComponent(s)}`), printable(30).map((s) => `/v1/orders/${encodeURIComponent(s)}`)),
      fc.constantFrom('application/json', 'application/x-protobuf', 'application/protobuf', 'text/plain', 'application/json; charset=utf-8', ''),
      fc.oneof(fc.constant(undefined), fc.constantFrom('application/json', 'application/x-protobuf', '*/*', 'application/fhir+json;q=0.5'), printable(60)),
      fc.oneof(fc.constant('uplink'), fc.constant('registry'), printable(80)),
      body,
      async (method, path, contentType, accept, auth, payload) => {
        const headers: Record<string, string> = {};
        if (contentType) headers['content-type'] = contentType;
        if (accept !== undefined) headers.accept = accept;
        Object.assign(headers, auth === 'uplink' ? bearer(t.uplinkToken) : auth === 'registry' ? bearer(t.registryToken) : { authorization: auth });
        const r = await http(t.svc.url, { method, path, headers, body: payload });
        expect(r.status).toBeGreaterThanOrEqual(200);
        expect(r.status).toBeLessThan(500);
        if (r.status >= 400) expect(r.headers['content-type']).toBe('application/problem+json');
      },
    ),
    { numRuns: RUNS },
  );
  const ok = await http(t.svc.url, { method: 'POST', path: '/v1/scans', headers: { ...bearer(t.uplinkToken), 'content-type': 'application/json' }, body: jsonBody() });
  expect(ok.status).toBe(200);
  expect(ok.json().receipts.map((r: { status: string }) => r.status)).toEqual(['accepted', 'accepted']);
});
