// No personal data stored or logged: a personal identity number sent to the national service
// (scanned from a wristband by mistake and let through by a faulty gateway, or typed into a
// registry's code field) leaves no trace in the database files or the logs; nor do credentials.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import pino from 'pino';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { parse } from '../protocol/udi/index.ts';
import { scanEventToJson } from '../protocol/wire-json.ts';
import { bearer, gs1Raw, GS, http, LENS, scanEvent, startTestService, type TestService } from './test-support.ts';

/** A Luhn-valid personnummer for 1980-07-09, made here so the test holds no real person's number. */
function personnummer(): { digits: string; printed: string } {
  const base = '800709123';
  let sum = 0;
  for (let i = 0; i < 9; i++) {
    let d = Number(base[i]) * (i % 2 === 0 ? 2 : 1);
    if (d > 9) d -= 9;
    sum += d;
  }
  const ten = base + ((10 - (sum % 10)) % 10);
  return { digits: ten, printed: `19${ten.slice(0, 6)}-${ten.slice(6)}` };
}

const PN = personnummer();
let logs = '';
let t: TestService;

beforeAll(async () => {
  const sink = new Writable({
    write(chunk, _enc, done) {
      logs += String(chunk);
      done();
    },
  });
  t = await startTestService({ logger: pino({ level: 'trace' }, sink) });
});
afterAll(() => t.close());

test('personal identity numbers are rejected and appear nowhere in the database files or logs', async () => {
  expect(parse(PN.printed).scheme).toBe('personal-id');
  // A faulty gateway claims they parsed as a product; the national service re-parses the raw bytes.
  const claimed = scanEvent(gs1Raw(LENS)).parse;
  const [yymmdd, tail] = [PN.digits.slice(0, 6), PN.digits.slice(6)];
  const dashedDate = `19${yymmdd.slice(0, 2)}-${yymmdd.slice(2, 4)}-${yymmdd.slice(4)}-${tail}`;
  const raws = [
    PN.printed,
    PN.digits,
    `]d201${LENS}10${PN.digits}`,
    `]d201${LENS}17291231${GS}21${PN.printed}`,
    `PAT ${PN.printed}`,
    // Other separators: each was once stored and returned to registries as a serial or lot.
    `]d201${LENS}21${'19' + yymmdd}_${tail}`,
    `]d201${LENS}21${yymmdd}.${tail}`,
    `]d201${LENS}10${yymmdd}/${tail}`,
    `]d201${LENS}21${dashedDate}`,
    `]d201${LENS}21${'19' + yymmdd}--${tail}`,
  ];
  const events = raws.map((raw) => scanEvent(raw, { parse: claimed }));
  const r = await http(t.svc.url, {
    method: 'POST',
    path: '/v1/scans',
    headers: { ...bearer(t.uplinkToken), 'content-type': 'application/json' },
    body: JSON.stringify({ scans: events.map(scanEventToJson) }),
  });
  expect(r.status).toBe(200);
  expect(r.json().receipts.map((x: { status: string; messageCode: string }) => `${x.status}:${x.messageCode}`)).toEqual(raws.map(() => 'rejected:personal-id'));
  for (const e of events) expect(t.svc.store.getScan(e.scanId)).toBeNull();

  // Typed into a registry's code field.
  const lookup = await http(t.svc.url, { path: `/v1/orders/${encodeURIComponent(PN.printed)}`, headers: bearer(t.registryToken) });
  expect(lookup.status).toBe(400);
  expect(lookup.body.toString()).not.toContain(PN.digits.slice(0, 6));
  const log = (await http(t.svc.url, { path: '/v1/access-log', headers: bearer(t.registryToken) })).json();
  expect(log.entries.at(-1)).toMatchObject({ code: null, outcome: 'malformed' });

  // A good scan too, so that the files hold real rows.
  await http(t.svc.url, {
    method: 'POST',
    path: '/v1/scans',
    headers: { ...bearer(t.uplinkToken), 'content-type': 'application/json' },
    body: JSON.stringify({ scans: [scanEventToJson(scanEvent(gs1Raw(LENS)))] }),
  });

  const files = readdirSync(t.dir).filter((f) => f.startsWith('national.sqlite'));
  expect(files).toContain('national.sqlite-wal');
  const needles = [PN.digits, PN.printed, PN.printed.slice(2), dashedDate, `${yymmdd}.${tail}`, `${yymmdd}/${tail}`, `${yymmdd}_${tail}`];
  for (const f of files) {
    const bytes = readFileSync(join(t.dir, f));
    for (const n of needles) expect(bytes.includes(Buffer.from(n, 'latin1')), `${f} holds ${n.length} digits of it`).toBe(false);
  }
  expect(logs.length).toBeGreaterThan(0);
  for (const n of needles) expect(logs.includes(n)).toBe(false);
});

test('logs hold no credentials', async () => {
  await http(t.svc.url, { path: '/v1/access-log', headers: bearer(t.registryToken) });
  await http(t.svc.url, { path: '/v1/access-log', headers: bearer(t.revokedToken) });
  for (const token of [t.uplinkToken, t.registryToken, t.revokedToken, t.otherSiteToken]) {
    expect(logs.includes(token.split('.')[1]!)).toBe(false);
  }
  expect(logs).not.toMatch(/authorization/i);
});
