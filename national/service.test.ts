// The national service end to end over real HTTP on loopback, with a temporary SQLite file.
import { once } from 'node:events';
import { connect } from 'node:net';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { decodeScanReceipt, encodeScanEvent } from '../protocol/wire.ts';
import { scanEventToJson } from '../protocol/wire-json.ts';
import { decodeReceiptsDelimited, encodeDelimited } from './http/batch-codec.ts';
import { PROBLEM_BASE } from './http/problem.ts';
import { isCanonicalOrderCode, newOrderCode, ORDER_CODE_ALPHABET } from './order-code.ts';
import { catalogueSource, sampleCatalogue } from './sources/catalogue.ts';
import { SourceError, type MetadataSource } from './sources/types.ts';
import { bearer, gs1Raw, HIP_STEM, http, LENS, scanEvent, startTestService, UNKNOWN_GTIN, type TestService } from './test-support.ts';

const HIBC_PLATE = '+Z987PLT20401/$$3291231LOT7F';

let t: TestService;
beforeAll(async () => {
  t = await startTestService();
});
afterAll(() => t.close());

const ingest = (events: ReturnType<typeof scanEvent>[], token = t.uplinkToken, headers: Record<string, string> = {}) =>
  http(t.svc.url, {
    method: 'POST',
    path: '/v1/scans',
    headers: { ...bearer(token), 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ scans: events.map(scanEventToJson) }),
  });
const order = (code: string, token = t.registryToken, accept?: string) =>
  http(t.svc.url, { path: `/v1/orders/${encodeURIComponent(code)}`, headers: { ...bearer(token), ...(accept ? { accept } : {}) } });

/** A raw request (GET unless told) that declares a `declared`-byte body and streams zeros until the server closes the
 * connection (or all is sent): how much it could write, and the response if one arrived. */
async function getStreamingABody(path: string, token: string, declared: number, method = 'GET'): Promise<{ written: number; response: string }> {
  const { hostname, port } = new URL(t.svc.url);
  const socket = connect(Number(port), hostname);
  await once(socket, 'connect');
  let response = '';
  socket.on('data', (d: Buffer) => (response += d.toString('latin1')));
  socket.on('error', () => {}); // the server resets a connection it will not read: expected
  let closed = false;
  const close = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  void close.then(() => (closed = true));
  socket.write(`${method} ${path} HTTP/1.1\r\nhost: localhost\r\nauthorization: Bearer ${token}\r\ncontent-length: ${declared}\r\n\r\n`);
  const chunk = Buffer.alloc(256 * 1024);
  let written = 0;
  while (!closed && written < declared) {
    written += chunk.length;
    if (!socket.write(chunk)) await Promise.race([once(socket, 'drain').catch(() => undefined), close]);
  }
  socket.end();
  await close;
  return { written, response };
}

/** A code that differs from `code` in one symbol (so its check character fails). */
const typo = (code: string) => code.slice(0, 2) + ORDER_CODE_ALPHABET[(ORDER_CODE_ALPHABET.indexOf(code[2]!) + 1) % 32] + code.slice(3);

describe('ingest', () => {
  test('a scan gets an order code, a case code and the catalogue name; a retry gets the same answer', async () => {
    const e = scanEvent(gs1Raw(HIP_STEM, 'H-77', 'SN1'), { caseId: 'case-a' });
    const r = await ingest([e]);
    expect(r.status).toBe(200);
    expect(r.headers['content-type']).toBe('application/json');
    const [receipt] = r.json().receipts;
    expect(receipt).toMatchObject({ scanId: e.scanId, status: 'accepted', productName: 'Fiktiv Höftstam cementfri, storlek 12', messageCode: 'ok' });
    expect(isCanonicalOrderCode(receipt.orderCode)).toBe(true);
    expect(isCanonicalOrderCode(receipt.caseCode)).toBe(true);
    expect(receipt.orderCode).not.toBe(receipt.caseCode);

    const again = (await ingest([{ ...e, historical: true }])).json().receipts[0];
    expect(again).toEqual({ ...receipt, status: 'duplicate' });
  });

  test('one case code per (site, theatre, case id)', async () => {
    const a = scanEvent(gs1Raw(HIP_STEM), { caseId: 'case-b' });
    const b = scanEvent(gs1Raw(LENS), { caseId: 'case-b' });
    const c = scanEvent(gs1Raw(LENS), { caseId: 'case-b', theatre: 'or-4' });
    const d = scanEvent(gs1Raw(LENS), { caseId: 'case-c' });
    const [ra, rb, rc, rd] = (await ingest([a, b, c, d])).json().receipts;
    expect(rb.caseCode).toBe(ra.caseCode);
    expect(rc.caseCode).not.toBe(ra.caseCode);
    expect(rd.caseCode).not.toBe(ra.caseCode);
    expect(new Set([ra.orderCode, rb.orderCode, rc.orderCode, rd.orderCode]).size).toBe(4);
  });

  test('protobuf in, protobuf out (length-delimited), HIBC included', async () => {
    const events = [scanEvent(gs1Raw(LENS)), scanEvent(HIBC_PLATE)];
    const r = await http(t.svc.url, {
      method: 'POST',
      path: '/v1/scans',
      headers: { ...bearer(t.uplinkToken), 'content-type': 'application/x-protobuf' },
      body: encodeDelimited(events.map(encodeScanEvent)),
    });
    expect(r.status).toBe(200);
    expect(r.headers['content-type']).toBe('application/x-protobuf');
    const receipts = decodeReceiptsDelimited(r.body).map((b) => decodeScanReceipt(b));
    expect(receipts.map((x) => x.ok && [x.value.scanId, x.value.status, x.value.productName])).toEqual([
      [events[0]!.scanId, 'accepted', 'VisionKlar 1-del hydrofob IOL +21.0 D'],
      [events[1]!.scanId, 'accepted', 'Låtsasplatta distal radius, vänster, 4 hål'],
    ]);
    const json = await http(t.svc.url, {
      method: 'POST',
      path: '/v1/scans',
      headers: { ...bearer(t.uplinkToken), 'content-type': 'application/x-protobuf', accept: 'application/json' },
      body: encodeDelimited(events.map(encodeScanEvent)),
    });
    expect(json.json().receipts.map((x: { status: string }) => x.status)).toEqual(['duplicate', 'duplicate']);
  });

  test('refused scans get rejected receipts and leave nothing behind', async () => {
    const wrongSite = scanEvent(gs1Raw(LENS), { site: 'sus-lund' });
    const badCheck = scanEvent(gs1Raw(LENS), { raw: Uint8Array.from(gs1Raw('07399990000171'), (c) => c.charCodeAt(0)) });
    // Both pass the wire decoder (whose id rule is [A-Za-z0-9_-]{1,64}) and reach the service's own check.
    const personalGateway = scanEvent(gs1Raw(LENS), { gatewayId: '19121212-1212' });
    const freeTextCase = scanEvent(gs1Raw(LENS), { caseId: 'Anna_Svensson' });
    const noId = { ...scanEventToJson(scanEvent(gs1Raw(LENS))), scanId: 'nope' };
    const r = await http(t.svc.url, {
      method: 'POST',
      path: '/v1/scans',
      headers: { ...bearer(t.uplinkToken), 'content-type': 'application/json' },
      body: JSON.stringify({ scans: [scanEventToJson(wrongSite), scanEventToJson(badCheck), scanEventToJson(personalGateway), scanEventToJson(freeTextCase), noId] }),
    });
    expect(r.status).toBe(200);
    const body = r.json();
    expect(body.receipts.map((x: { messageCode: string; status: string; orderCode: null }) => [x.status, x.messageCode, x.orderCode])).toEqual([
      ['rejected', 'wrong-site', null],
      ['rejected', 'bad-check-digit', null],
      ['rejected', 'personal-id', null],
      ['rejected', 'invalid-case-id', null],
    ]);
    expect(body.errors).toEqual([{ index: 4, message: expect.stringContaining('scanId') }]);
    for (const e of [wrongSite, badCheck, personalGateway, freeTextCase]) expect(t.svc.store.getScan(e.scanId)).toBeNull();
  });

  test('a scan id reused with other content is refused, never answered with the first code', async () => {
    const e = scanEvent(gs1Raw(LENS, 'FIRST'));
    await ingest([e]);
    const reused = { ...e, raw: Uint8Array.from(gs1Raw(HIP_STEM, 'OTHER'), (c) => c.charCodeAt(0)) };
    const [r] = (await ingest([reused])).json().receipts;
    expect(r).toMatchObject({ status: 'rejected', messageCode: 'scan-id-conflict', orderCode: null, caseCode: null });
    const [fromOtherSite] = (await ingest([{ ...e, site: 'sus-lund' }], t.otherSiteToken)).json().receipts;
    expect(fromOtherSite).toMatchObject({ status: 'rejected', orderCode: null });
  });

  test('HTTP-level refusals: 401, 415, 413 (bytes and scans), 400', async () => {
    const e = scanEvent(gs1Raw(LENS));
    expect((await ingest([e], 'uplink-sahlgrenska.' + 'A'.repeat(43))).status).toBe(401);
    const noAuth = await http(t.svc.url, { method: 'POST', path: '/v1/scans', headers: { 'content-type': 'application/json' }, body: '{}' });
    expect(noAuth.status).toBe(401);
    expect(noAuth.headers['www-authenticate']).toMatch(/^Bearer/);
    expect(noAuth.headers['content-type']).toBe('application/problem+json');
    expect((await ingest([e], t.registryToken)).status).toBe(401); // a registry is no uplink
    const post = (body: string | Uint8Array, type = 'application/json') =>
      http(t.svc.url, { method: 'POST', path: '/v1/scans', headers: { ...bearer(t.uplinkToken), 'content-type': type }, body });
    expect((await post('{}', 'text/plain')).json().type).toBe(`${PROBLEM_BASE}unsupported-media-type`);
    const big = await post(JSON.stringify({ scans: [], pad: 'x'.repeat(1024 * 1024) }));
    expect([big.status, big.json().type]).toEqual([413, `${PROBLEM_BASE}body-too-large`]);
    const many = await post(JSON.stringify({ scans: Array.from({ length: 1001 }, () => ({})) }));
    expect([many.status, many.json().type]).toEqual([413, `${PROBLEM_BASE}batch-too-large`]);
    expect((await post('{"scans": 1')).status).toBe(400);
    expect((await post('[]')).status).toBe(400);
    expect((await post(Uint8Array.of(0xff, 0xff, 0xff, 0xff, 0x0f), 'application/x-protobuf')).status).toBe(400);
    const get = await http(t.svc.url, { path: '/v1/scans', headers: bearer(t.uplinkToken) });
    expect([get.status, get.headers.allow]).toEqual([405, 'POST']);
    expect((await http(t.svc.url, { path: '/nothing' })).status).toBe(404);
  });
});

describe('registry API', () => {
  let scanCode: string;
  let caseCode: string;
  let lensCode: string;
  beforeAll(async () => {
    const hip = scanEvent(gs1Raw(HIP_STEM, 'H-1', 'SER-9'), { caseId: 'case-reg' });
    const lens = scanEvent(gs1Raw(LENS, 'L-1'), { caseId: 'case-reg' });
    const receipts = (await ingest([hip, lens])).json().receipts;
    scanCode = receipts[0].orderCode;
    caseCode = receipts[0].caseCode;
    lensCode = receipts[1].orderCode;
  });

  test('a scan code answers barcode data merged with catalogue data, as JSON', async () => {
    const r = await order(scanCode.toLowerCase().replace(/(....)/, '$1-'));
    expect(r.status).toBe(200);
    expect(r.headers['content-type']).toBe('application/json');
    expect(r.json()).toEqual({
      code: scanCode,
      kind: 'scan',
      caseCode,
      site: 'sahlgrenska',
      theatre: 'or-3',
      voidedCount: 0,
      implants: [
        {
          orderCode: scanCode,
          scanId: expect.any(String),
          scannedAt: '2026-01-01T00:00:00.000Z',
          udi: {
            scheme: 'gs1',
            deviceIdentifier: HIP_STEM,
            issuer: 'http://hl7.org/fhir/NamingSystem/gs1-di',
            carrierHRF: `(01)${HIP_STEM}(17)291231(10)H-1(21)SER-9`,
            lotNumber: 'H-1',
            serialNumber: 'SER-9',
            expirationDate: '2029-12-31',
            manufactureDate: null,
          },
          product: {
            name: 'Fiktiv Höftstam cementfri, storlek 12',
            manufacturer: 'Exempel Ortopedi AB',
            modelName: 'Fiktiv Höftstam',
            modelNumber: 'FH-STM-12',
            deviceClass: 'III',
            deviceType: 'Hip stem',
          },
          metadataStatus: 'complete',
          metadataSource: 'catalogue',
          failedSources: [],
        },
      ],
    });
  });

  test('a case code answers every implant of the case; FHIR on request', async () => {
    const r = await order(caseCode, t.registryToken, 'application/fhir+json');
    expect(r.status).toBe(200);
    expect(r.headers['content-type']).toBe('application/fhir+json');
    const bundle = r.json();
    expect(bundle).toMatchObject({ resourceType: 'Bundle', type: 'collection' });
    expect(bundle.entry).toHaveLength(2);
    const hip = bundle.entry[0].resource;
    expect(hip).toMatchObject({
      resourceType: 'Device',
      udiCarrier: [{ deviceIdentifier: HIP_STEM, issuer: 'http://hl7.org/fhir/NamingSystem/gs1-di', carrierHRF: `(01)${HIP_STEM}(17)291231(10)H-1(21)SER-9`, entryType: 'barcode' }],
      status: 'active',
      manufacturer: 'Exempel Ortopedi AB',
      expirationDate: '2029-12-31',
      lotNumber: 'H-1',
      serialNumber: 'SER-9',
      deviceName: [
        { name: 'Fiktiv Höftstam cementfri, storlek 12', type: 'manufacturer-name' },
        { name: 'Fiktiv Höftstam', type: 'model-name' },
      ],
      modelNumber: 'FH-STM-12',
    });
    expect(bundle.entry[0].fullUrl).toBe(`urn:uuid:${hip.id}`);
    expect(bundle.entry[1].resource.identifier[0].value).toBe(lensCode);
  });

  test('problems: mistyped, malformed, unknown, unauthenticated, revoked', async () => {
    const expectProblem = async (p: Promise<{ status: number; headers: Record<string, unknown>; json(): { type: string; status: number } }>, status: number, type: string) => {
      const r = await p;
      expect([r.status, r.headers['content-type'], r.json().type, r.json().status]).toEqual([status, 'application/problem+json', PROBLEM_BASE + type, status]);
    };
    await expectProblem(order(typo(scanCode)), 400, 'mistyped-code');
    const at = [...scanCode].findIndex((c, i) => c !== scanCode[i + 1]);
    await expectProblem(order(scanCode.slice(0, at) + scanCode[at + 1] + scanCode[at] + scanCode.slice(at + 2)), 400, 'mistyped-code');
    await expectProblem(order('19121212-1212'), 400, 'malformed-code');
    await expectProblem(order('%E0%A4%A'), 400, 'malformed-code');
    let unknown = newOrderCode();
    while (t.svc.store.findByCode(unknown) !== null) unknown = newOrderCode();
    await expectProblem(order(unknown), 404, 'unknown-code');
    await expectProblem(order(scanCode, 'kataraktregistret.' + 'B'.repeat(43)), 401, 'unauthorized');
    await expectProblem(http(t.svc.url, { path: `/v1/orders/${scanCode}` }), 401, 'unauthorized');
    await expectProblem(order(scanCode, t.revokedToken), 403, 'credential-revoked');
  });

  test('HEAD answers like GET without a body; a wrong method is told GET and HEAD', async () => {
    const get = await order(scanCode);
    const head = await http(t.svc.url, { method: 'HEAD', path: `/v1/orders/${scanCode}`, headers: bearer(t.registryToken) });
    expect([head.status, head.headers['content-type'], head.headers['content-length'], head.body.length]).toEqual([200, get.headers['content-type'], get.headers['content-length'], 0]);
    const headLog = await http(t.svc.url, { method: 'HEAD', path: '/v1/access-log', headers: bearer(t.registryToken) });
    expect([headLog.status, headLog.body.length]).toEqual([200, 0]);
    const put = await http(t.svc.url, { method: 'PUT', path: `/v1/orders/${scanCode}`, headers: bearer(t.registryToken) });
    expect([put.status, put.headers.allow]).toEqual([405, 'GET, HEAD']);
  });

  test('a body no one wants (a GET, an unauthenticated POST) is not read, and its connection closed', async () => {
    const declared = 256 * 1024 * 1024;
    const { written, response } = await getStreamingABody(`/v1/orders/${scanCode}`, t.registryToken, declared);
    // What the kernel's socket buffers hold is all that can be written before the server closes.
    expect(written).toBeLessThan(declared / 4);
    if (response !== '') expect(response).toMatch(/^HTTP\/1\.1 200 [^]*\r\nconnection: close\r\n/i);
    // Nor is the body of a request refused before it is read: an unauthenticated upload.
    const refused = await getStreamingABody('/v1/scans', 'nobody.' + 'A'.repeat(43), declared, 'POST');
    expect(refused.written).toBeLessThan(declared / 4);
    if (refused.response !== '') expect(refused.response).toMatch(/^HTTP\/1\.1 401 /);
  });

  test('voided scans answer 410 and are never listed as implanted; a retry gets a voided receipt', async () => {
    const a = scanEvent(gs1Raw(HIP_STEM, 'V-1'), { caseId: 'case-void' });
    const b = scanEvent(gs1Raw(LENS, 'V-2'), { caseId: 'case-void' });
    const [ra] = (await ingest([a, b])).json().receipts;
    const v = await http(t.svc.url, { method: 'POST', path: `/v1/scans/${a.scanId}/void`, headers: bearer(t.uplinkToken) });
    expect(v.status).toBe(200);
    expect(v.json()).toMatchObject({ scanId: a.scanId, status: 'voided', orderCode: ra.orderCode, messageCode: 'voided' });
    const again = await http(t.svc.url, { method: 'POST', path: `/v1/scans/${a.scanId}/void`, headers: { ...bearer(t.uplinkToken), accept: 'application/x-protobuf' } });
    const decoded = decodeScanReceipt(again.body);
    expect(decoded.ok && decoded.value.status).toBe('voided');
    expect((await order(ra.orderCode)).status).toBe(410);
    const c = (await order(ra.caseCode)).json();
    expect([c.implants.length, c.voidedCount, c.implants[0].udi.deviceIdentifier]).toEqual([1, 1, LENS]);
    expect((await ingest([a])).json().receipts[0]).toMatchObject({ status: 'voided', orderCode: ra.orderCode });
    // Only the scan's own site may void it; unknown ids are 404 too.
    expect((await http(t.svc.url, { method: 'POST', path: `/v1/scans/${b.scanId}/void`, headers: bearer(t.otherSiteToken) })).status).toBe(404);
    expect((await http(t.svc.url, { method: 'POST', path: '/v1/scans/not-a-scan-id/void', headers: bearer(t.uplinkToken) })).status).toBe(404);
    expect((await http(t.svc.url, { method: 'POST', path: `/v1/scans/${b.scanId}/void` })).status).toBe(401);
  });

  test('every lookup is in the access log, and a registry reads only its own entries', async () => {
    await order(scanCode, t.otherRegistryToken);
    await order(typo(scanCode), t.otherRegistryToken);
    await order('not-a-code!', t.otherRegistryToken);
    const r = await http(t.svc.url, { path: '/v1/access-log?limit=2', headers: bearer(t.otherRegistryToken) });
    expect(r.status).toBe(200);
    const page = r.json();
    expect(page.entries.map((e: { code: string; outcome: string; status: number }) => [e.code, e.outcome, e.status])).toEqual([
      [scanCode, 'found', 200],
      [typo(scanCode), 'mistyped', 400],
    ]);
    const rest = (await http(t.svc.url, { path: `/v1/access-log?after=${page.next}`, headers: bearer(t.otherRegistryToken) })).json();
    expect(rest.entries.map((e: { code: string | null; outcome: string }) => [e.code, e.outcome])).toEqual([[null, 'malformed']]);
    expect(rest.next).toBeNull();
    const mine = (await http(t.svc.url, { path: '/v1/access-log?limit=1000', headers: bearer(t.registryToken) })).json();
    expect(mine.entries.length).toBeGreaterThan(3);
    expect(mine.entries.every((e: { id: number }) => !page.entries.some((o: { id: number }) => o.id === e.id))).toBe(true);
    expect((await http(t.svc.url, { path: '/v1/access-log?limit=0', headers: bearer(t.registryToken) })).status).toBe(400);
    expect((await http(t.svc.url, { path: '/v1/access-log', headers: bearer(t.revokedToken) })).status).toBe(403);
    expect((await http(t.svc.url, { path: '/v1/access-log' })).status).toBe(401);
  });

  test('the access log refuses UPDATE and DELETE', () => {
    const db = new Database(t.dbPath);
    try {
      expect(() => db.prepare("UPDATE access_log SET outcome = 'found'").run()).toThrow(/append-only/);
      expect(() => db.prepare('DELETE FROM access_log').run()).toThrow(/append-only/);
    } finally {
      db.close();
    }
  });
});

describe('metadata sources', () => {
  let s: TestService;
  let release: (() => void) | null = null;
  let hangs = false;
  const failing: MetadataSource = {
    name: 'national-db',
    lookup: () => Promise.reject(new SourceError('unavailable', 'down')),
  };
  const slow: MetadataSource = {
    name: 'slow',
    lookup: (_di, _scheme, signal) =>
      hangs
        ? new Promise((_resolve, reject) => {
            release = () => reject(new SourceError('timeout', 'slow'));
            signal.addEventListener('abort', () => reject(new SourceError('aborted', 'closing')));
          })
        : Promise.resolve(null),
  };
  beforeAll(async () => {
    s = await startTestService({ sources: [slow, failing, catalogueSource(sampleCatalogue)], limits: { ingestWaitMs: 20, lookupWaitMs: 50, retryFailedAfterMs: 0 } });
  });
  afterAll(() => s.close());
  const ingestTo = (events: ReturnType<typeof scanEvent>[]) =>
    http(s.svc.url, { method: 'POST', path: '/v1/scans', headers: { ...bearer(s.uplinkToken), 'content-type': 'application/json' }, body: JSON.stringify({ scans: events.map(scanEventToJson) }) });

  test('a failed source does not stop a later one; it is named', async () => {
    const [r] = (await ingestTo([scanEvent(gs1Raw(LENS))])).json().receipts;
    expect([r.productName, r.messageCode]).toEqual(['VisionKlar 1-del hydrofob IOL +21.0 D', 'ok']);
    const o = (await http(s.svc.url, { path: `/v1/orders/${r.orderCode}`, headers: bearer(s.registryToken) })).json();
    expect(o.implants[0]).toMatchObject({ metadataStatus: 'complete', metadataSource: 'catalogue', failedSources: ['national-db'] });
  });

  test('an unknown product is served as partial barcode data, never as an error', async () => {
    const [r] = (await ingestTo([scanEvent(gs1Raw(UNKNOWN_GTIN, 'U-1'))])).json().receipts;
    expect([r.status, r.productName, r.messageCode]).toEqual(['accepted', null, 'metadata-partial']);
    const res = await http(s.svc.url, { path: `/v1/orders/${r.orderCode}`, headers: { ...bearer(s.registryToken), accept: 'application/fhir+json' } });
    expect(res.status).toBe(200);
    const device = res.json().entry[0].resource;
    expect(device).toMatchObject({ lotNumber: 'U-1', udiCarrier: [{ deviceIdentifier: UNKNOWN_GTIN }] });
    expect(device.extension).toEqual([
      { url: expect.stringContaining('metadata-status'), valueCode: 'partial' },
      { url: expect.stringContaining('failed-source'), valueString: 'national-db' },
    ]);
    expect(device.deviceName).toBeUndefined();
  });

  test('a lookup still in progress answers 409 not-yet-resolved with Retry-After, then the data', async () => {
    hangs = true;
    const [r] = (await ingestTo([scanEvent(gs1Raw(HIP_STEM))])).json().receipts;
    expect([r.status, r.productName, r.messageCode]).toEqual(['accepted', null, 'metadata-pending']);
    const pending = await http(s.svc.url, { path: `/v1/orders/${r.orderCode}`, headers: bearer(s.registryToken) });
    expect([pending.status, pending.headers['retry-after'], pending.json().type]).toEqual([409, '2', `${PROBLEM_BASE}not-yet-resolved`]);
    hangs = false;
    release?.();
    let done = pending;
    for (let i = 0; i < 200 && done.status !== 200; i++) {
      await new Promise((resolve) => setTimeout(resolve, 10));
      done = await http(s.svc.url, { path: `/v1/orders/${r.orderCode}`, headers: bearer(s.registryToken) });
    }
    expect(done.status).toBe(200);
    expect(done.json().implants[0]).toMatchObject({ metadataStatus: 'complete', failedSources: ['slow', 'national-db'] });
    const log = (await http(s.svc.url, { path: '/v1/access-log', headers: bearer(s.registryToken) })).json();
    expect(log.entries.map((e: { outcome: string }) => e.outcome)).toContain('pending');
  });
});

describe('group commit: answered means committed', () => {
  // A deferred foreign key is checked at COMMIT, so a trigger that adds a row pointing nowhere makes
  // the COMMIT of any transaction touching the table fail, as a disk error at the WAL fsync would.
  const sabotage = (table: 'scans' | 'access_log') => {
    const db = new Database(t.dbPath);
    try {
      db.exec('CREATE TABLE IF NOT EXISTS sabotage (x INTEGER REFERENCES order_codes (code) DEFERRABLE INITIALLY DEFERRED)');
      db.exec(`CREATE TRIGGER sabotage_${table} AFTER INSERT ON ${table} BEGIN INSERT INTO sabotage VALUES (1); END`);
    } finally {
      db.close();
    }
    return () => {
      const again = new Database(t.dbPath);
      again.exec(`DROP TRIGGER sabotage_${table}`);
      again.close();
    };
  };
  const count = (sql: string): number => {
    const db = new Database(t.dbPath, { readonly: true });
    try {
      return (db.prepare(sql).get() as { n: number }).n;
    } finally {
      db.close();
    }
  };

  test('a lookup whose access-log commit fails is not answered (503), and the others of its group neither', async () => {
    const [r] = (await ingest([scanEvent(gs1Raw(HIP_STEM, 'GC-1', 'GC-1'))])).json().receipts;
    const rows = count('SELECT count(*) AS n FROM access_log');
    const restore = sabotage('access_log');
    try {
      const answers = await Promise.all([order(r.orderCode), order(r.orderCode), order('7KQ4M9PX')]);
      expect(answers.map((a) => a.status)).toEqual([503, 503, 503]);
    } finally {
      restore();
    }
    expect(count('SELECT count(*) AS n FROM access_log')).toBe(rows);
    expect((await order(r.orderCode)).status).toBe(200);
  });

  test('a batch whose commit fails gets no receipts (503), and none of it is stored', async () => {
    const events = [scanEvent(gs1Raw(HIP_STEM, 'GC-2', 'GC-2')), scanEvent(gs1Raw(LENS, 'GC-3', 'GC-3'))];
    const restore = sabotage('scans');
    try {
      expect((await ingest(events)).status).toBe(503);
    } finally {
      restore();
    }
    expect(count(`SELECT count(*) AS n FROM scans WHERE lot IN ('GC-2', 'GC-3')`)).toBe(0);
    const again = (await ingest(events)).json().receipts;
    expect(again.map((x: { status: string }) => x.status)).toEqual(['accepted', 'accepted']);
  });
});
