// `implant-scan national` in-process: flags, the ready line, demo credentials that work.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { runNational } from '../cli/national.ts';
import { scanEventToJson } from '../protocol/wire-json.ts';
import { bearer, gs1Raw, HIP_STEM, http, scanEvent } from './test-support.ts';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'national-cli-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function start(argv: string[]) {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (c) => (out += String(c)));
  stderr.on('data', (c) => (err += String(c)));
  const controller = new AbortController();
  const exit = runNational(argv, { stdout, stderr, signal: controller.signal });
  const ready = async (): Promise<Record<string, any>> => {
    for (let i = 0; i < 500; i++) {
      const line = out.split('\n').find((l) => l.startsWith('ready '));
      if (line) return JSON.parse(line.slice(6));
      if (await Promise.race([exit.then(() => true), new Promise((r) => setTimeout(() => r(false), 10))])) break;
    }
    throw new Error(`no ready line; stderr: ${err}`);
  };
  return { exit, ready, stop: () => controller.abort(), out: () => out, err: () => err };
}

describe('implant-scan national', () => {
  test('--port 0 --demo-site: prints the URLs and demo tokens that work end to end, and stops on the signal', async () => {
    const run = start(['--port', '0', '--db', join(dir, 'demo.sqlite'), '--demo-site', 'sahlgrenska', '--log-level', 'silent']);
    const ready = await run.ready();
    expect(ready).toMatchObject({ nationalUrl: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+$/), tls: false, registryToken: expect.stringMatching(/^demo-registry\./) });
    expect(ready.registryUrl).toBe(ready.nationalUrl);
    const token = ready.uplinkTokens.sahlgrenska as string;
    const r = await http(ready.nationalUrl, {
      method: 'POST',
      path: '/v1/scans',
      headers: { ...bearer(token), 'content-type': 'application/json' },
      body: JSON.stringify({ scans: [scanEventToJson(scanEvent(gs1Raw(HIP_STEM)))] }),
    });
    const [receipt] = r.json().receipts;
    expect(receipt).toMatchObject({ status: 'accepted', productName: 'Fiktiv Höftstam cementfri, storlek 12' });
    const order = await http(ready.nationalUrl, { path: `/v1/orders/${receipt.orderCode}`, headers: bearer(ready.registryToken) });
    expect(order.json().implants[0].metadataSource).toBe('sample-catalogue');
    run.stop();
    expect(await run.exit).toBe(0);
  });

  test('credentials files, and --new-credential to make them', async () => {
    const made = start(['--new-credential', 'kataraktregistret']);
    expect(await made.exit).toBe(0);
    const cred = JSON.parse(made.out());
    expect(cred).toEqual({ id: 'kataraktregistret', token: expect.stringMatching(/^kataraktregistret\./), tokenSha256: expect.stringMatching(/^[0-9a-f]{64}$/) });
    writeFileSync(join(dir, 'registries.json'), JSON.stringify([{ id: cred.id, tokenSha256: cred.tokenSha256 }]));
    writeFileSync(join(dir, 'uplinks.json'), '[]');
    const run = start(['--port', '0', '--db', join(dir, 'files.sqlite'), '--registries', join(dir, 'registries.json'), '--uplinks', join(dir, 'uplinks.json'), '--log-level', 'silent']);
    const ready = await run.ready();
    expect(ready.registryToken).toBeUndefined();
    const log = await http(ready.nationalUrl, { path: '/v1/access-log', headers: bearer(cred.token) });
    expect(log.status).toBe(200);
    run.stop();
    expect(await run.exit).toBe(0);
  });

  test('refuses bad flags and files with a message and exit code', async () => {
    const cases: [string[], number, RegExp][] = [
      [['--port', 'x'], 2, /--port/],
      [['--host', '0.0.0.0', '--demo-site', 's'], 2, /refusing demo credentials/],
      [['--tls-cert', 'a.pem'], 2, /go together/],
      [['--demo-site', 'bad site'], 2, /--demo-site/],
      [['--bogus'], 2, /bogus/],
      [['--port', '0', '--db', join(dir, 'x.sqlite'), '--registries', join(dir, 'missing.json')], 1, /cannot read registries file/],
    ];
    writeFileSync(join(dir, 'bad.json'), JSON.stringify([{ id: 'r', tokenSha256: 'nothex' }]));
    cases.push([['--port', '0', '--db', join(dir, 'x.sqlite'), '--registries', join(dir, 'bad.json')], 1, /0\.tokenSha256: must be 64 lowercase hex/]);
    for (const [argv, code, message] of cases) {
      const run = start(argv);
      expect(await run.exit, argv.join(' ')).toBe(code);
      expect(run.err()).toMatch(message);
    }
  });
});
