// The uplink's client for the national ingest API against a loopback node:http stand-in: protobuf
// bodies both ways (length-delimited), JSON answers still read, and whatever bytes come back, the
// answer is receipts or a NationalError.
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import fc from 'fast-check';
import protobuf from 'protobufjs/light.js';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { RECEIPT_ACCEPTED, RECEIPT_REJECTED, SCAN_EVENT, SCAN_EVENT_HIBC_HISTORICAL } from '../../protocol/fixtures/samples.ts';
import { decodeScanEvent, encodeScanEvent, encodeScanReceipt, type ScanEvent } from '../../protocol/wire.ts';
import { httpNationalClient, NationalError } from './national-client.ts';

let server: Server;
let url: string;
/** What the stand-in answers next: a content type and a body. */
let answer: { type: string; body: Uint8Array | string } = { type: 'application/json', body: '{"receipts":[]}' };
const seen: { type: string | undefined; accept: string | undefined; events: ScanEvent[] }[] = [];

const delimited = (messages: readonly Uint8Array[]): Uint8Array => {
  const w = protobuf.Writer.create();
  for (const m of messages) w.bytes(m);
  return w.finish();
};

beforeAll(async () => {
  server = createServer(async (req: IncomingMessage, res) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const reader = protobuf.Reader.create(Buffer.concat(chunks));
    const events: ScanEvent[] = [];
    while (reader.pos < reader.len) {
      const d = decodeScanEvent(reader.bytes());
      if (d.ok) events.push(d.value);
    }
    seen.push({ type: req.headers['content-type'], accept: req.headers.accept, events });
    res.writeHead(200, { 'content-type': answer.type }).end(answer.body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

test('sends the scans as length-delimited protobuf and reads protobuf receipts back', async () => {
  answer = { type: 'application/x-protobuf', body: delimited([encodeScanReceipt(RECEIPT_ACCEPTED), encodeScanReceipt(RECEIPT_REJECTED)]) };
  const receipts = await httpNationalClient({ url }).sendBatch([SCAN_EVENT, SCAN_EVENT_HIBC_HISTORICAL]);
  expect(receipts).toEqual([RECEIPT_ACCEPTED, RECEIPT_REJECTED]);
  const request = seen.at(-1)!;
  expect(request.type).toBe('application/x-protobuf');
  expect(request.accept).toMatch(/^application\/x-protobuf\b/);
  expect(request.events).toEqual([SCAN_EVENT, SCAN_EVENT_HIBC_HISTORICAL]);
});

test('bytes the caller already has (the journaled payload) are sent as they are, not encoded again', async () => {
  answer = { type: 'application/x-protobuf', body: new Uint8Array() };
  await httpNationalClient({ url }).sendBatch([SCAN_EVENT, SCAN_EVENT], undefined, [encodeScanEvent(SCAN_EVENT_HIBC_HISTORICAL)]);
  expect(seen.at(-1)!.events).toEqual([SCAN_EVENT_HIBC_HISTORICAL, SCAN_EVENT]); // the second had no bytes: encoded here
});

test('reads a JSON answer too, and drops a receipt that does not validate', async () => {
  answer = { type: 'application/json; charset=utf-8', body: JSON.stringify({ receipts: [RECEIPT_ACCEPTED, { scanId: 'nope' }] }) };
  expect(await httpNationalClient({ url }).sendBatch([SCAN_EVENT])).toEqual([RECEIPT_ACCEPTED]);
});

test('any answer body: receipts that validate, or a NationalError — never another error', async () => {
  const client = httpNationalClient({ url });
  const valid = encodeScanReceipt(RECEIPT_ACCEPTED);
  const body = fc.oneof(
    fc.uint8Array({ maxLength: 200 }),
    fc.array(fc.oneof(fc.constant(valid), fc.uint8Array({ maxLength: 40 })), { maxLength: 4 }).map(delimited),
    fc.tuple(fc.constant(valid), fc.integer({ min: 1, max: valid.length })).map(([v, cut]) => delimited([v]).subarray(0, cut)),
  );
  await fc.assert(
    fc.asyncProperty(body, fc.constantFrom('application/x-protobuf', 'application/json'), async (bytes, type) => {
      answer = { type, body: bytes };
      try {
        const receipts = await client.sendBatch([SCAN_EVENT]);
        for (const r of receipts) expect(r).toEqual(RECEIPT_ACCEPTED); // only whole, valid receipts come through
      } catch (e) {
        expect(e).toBeInstanceOf(NationalError);
      }
    }),
    { numRuns: 300 },
  );
});
