// The TLS policy (protocol/tls-policy.ts) seen from outside, with `openssl s_client` against a real
// listener: Mosquitto from the generated configuration, `implant-scan broker`, `implant-scan national`.
//   await expectTlsPolicy({ port, caFile, certFile, keyFile })   (skip the test when OPENSSL is null)
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { expect } from 'vitest';

export const OPENSSL = ['/usr/bin/openssl', '/usr/local/bin/openssl'].find((p) => existsSync(p)) ?? null;

export interface SClientTarget {
  port: number | string;
  /** The CA the listener's certificate chains to, and a client certificate and key (files). */
  caFile: string;
  certFile: string;
  keyFile: string;
  /** Default 'localhost' (the provisioned broker certificate's DNS name). */
  servername?: string;
}

/**
 * One handshake (stdin closed at once): did it succeed, and what s_client printed. Asynchronous:
 * the listener may run in this very process (runBroker, runNational), whose event loop must turn.
 */
export function sClient(t: SClientTarget, ...args: string[]): Promise<{ ok: boolean; out: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(OPENSSL!, ['s_client', '-connect', `127.0.0.1:${t.port}`, '-servername', t.servername ?? 'localhost', '-CAfile', t.caFile, '-cert', t.certFile, '-key', t.keyFile, '-brief', ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ ok: code === 0, out }));
    child.stdin.end();
  });
}

/** TLS 1.2 with an ECDHE AEAD suite negotiates, a CBC-SHA1 one is refused, TLS 1.1 is refused, TLS 1.3 works (ECDSA keys, as provisioned). */
export async function expectTlsPolicy(t: SClientTarget): Promise<void> {
  const aead = await sClient(t, '-tls1_2', '-cipher', 'ECDHE-ECDSA-AES128-GCM-SHA256');
  expect(aead.out).toContain('Ciphersuite: ECDHE-ECDSA-AES128-GCM-SHA256');
  expect(aead.out).toContain('Verification: OK');
  const cbc = await sClient(t, '-tls1_2', '-cipher', 'ECDHE-ECDSA-AES128-SHA');
  expect(cbc.ok, cbc.out).toBe(false);
  expect(cbc.out).toMatch(/alert handshake failure/);
  expect((await sClient(t, '-tls1_1', '-cipher', 'ECDHE-ECDSA-AES128-SHA@SECLEVEL=0')).out).toMatch(/alert protocol version|no protocols available|unsupported protocol/);
  const v13 = await sClient(t, '-tls1_3');
  expect(v13.out).toContain('Protocol version: TLSv1.3');
  expect(v13.out).toContain('Verification: OK');
}
