// HTTPS with client certificates: the service asks for one when given a CA, and the uplink
// authentication hook decides what it is worth (`implant-scan provision` issues the real
// certificates; this test makes throwaway ones with openssl). Registries still come with bearer tokens only.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TLSSocket } from 'node:tls';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { scanEventToJson } from '../protocol/wire-json.ts';
import type { AuthenticateUplink } from './auth/uplink-auth.ts';
import { gs1Raw, LENS, scanEvent, startTestService, bearer, type TestService } from './test-support.ts';

const openssl = ['/usr/bin/openssl', '/usr/local/bin/openssl'].find((p) => existsSync(p)) ?? null;

/** Example mapping (provisioning/subject.ts has the real one): O = site, CN = uplink id, chain verified. */
const certificateUplinks: AuthenticateUplink = (req) => {
  const socket = req.socket as TLSSocket;
  if (!socket.authorized) return null;
  const { subject } = socket.getPeerCertificate();
  return typeof subject?.O === 'string' && typeof subject.CN === 'string' ? { uplinkId: subject.CN, site: subject.O } : null;
};

describe.skipIf(openssl === null)('mutual TLS', () => {
  let dir: string;
  let t: TestService;
  const pem = (name: string) => readFileSync(join(dir, name));
  const run = (...args: string[]) => execFileSync(openssl!, args, { cwd: dir, stdio: 'pipe' });

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'national-tls-'));
    const key = (n: string) => run('ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', `${n}.key`);
    key('ca');
    run('req', '-x509', '-new', '-key', 'ca.key', '-out', 'ca.pem', '-subj', '/CN=test-ca', '-days', '2');
    const issue = (n: string, subject: string, ext: string) => {
      key(n);
      run('req', '-new', '-key', `${n}.key`, '-out', `${n}.csr`, '-subj', subject);
      writeFileSync(join(dir, `${n}.ext`), ext);
      run('x509', '-req', '-in', `${n}.csr`, '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', `${n}.pem`, '-days', '2', '-extfile', `${n}.ext`);
    };
    issue('server', '/CN=localhost', 'subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n');
    issue('uplink', '/O=sahlgrenska/CN=uplink-sahlgrenska', 'extendedKeyUsage=clientAuth\n');
    t = await startTestService({ tls: { cert: pem('server.pem'), key: pem('server.key'), ca: pem('ca.pem') }, authenticateUplink: certificateUplinks });
  }, 30_000);
  afterAll(async () => {
    await t?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  function call(path: string, o: { method?: string; body?: string; headers?: Record<string, string>; client?: boolean }): Promise<{ status: number; body: string }> {
    return new Promise((resolve, reject) => {
      const headers: Record<string, string | number> = { ...o.headers };
      if (o.body) headers['content-length'] = Buffer.byteLength(o.body);
      const req = request(
        `${t.svc.url}${path}`,
        { method: o.method ?? 'GET', headers, ca: pem('ca.pem'), agent: false, ...(o.client ? { cert: pem('uplink.pem'), key: pem('uplink.key') } : {}) },
        (res) => {
          let body = '';
          res.on('data', (c) => (body += String(c)));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
        },
      );
      req.on('error', reject);
      req.end(o.body);
    });
  }

  test('an uplink is identified by its client certificate, and only for its own site', async () => {
    expect(t.svc.url).toMatch(/^https:/);
    const body = (site: string) => JSON.stringify({ scans: [scanEventToJson(scanEvent(gs1Raw(LENS), { site }))] });
    const ok = await call('/v1/scans', { method: 'POST', body: body('sahlgrenska'), headers: { 'content-type': 'application/json' }, client: true });
    expect(ok.status).toBe(200);
    expect(JSON.parse(ok.body).receipts[0].status).toBe('accepted');
    const other = await call('/v1/scans', { method: 'POST', body: body('sus-lund'), headers: { 'content-type': 'application/json' }, client: true });
    expect(JSON.parse(other.body).receipts[0].messageCode).toBe('wrong-site');
    const anonymous = await call('/v1/scans', { method: 'POST', body: body('sahlgrenska'), headers: { 'content-type': 'application/json' } });
    expect(anonymous.status).toBe(401);
  });

  test('a registry needs no client certificate, only its bearer token', async () => {
    expect((await call('/v1/access-log', { headers: bearer(t.registryToken) })).status).toBe(200);
  });
});
