// `implant-scan provision` as hospital IT runs it: a CA, a fleet's bundles, a revocation.
import { existsSync, statSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { run } from '../cli/provision.ts';
import { parseConfig } from '../gateway/config.ts';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'provision-cli-'));
  vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
  vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
});
afterAll(async () => {
  vi.restoreAllMocks();
  await rm(dir, { recursive: true, force: true });
});

describe('implant-scan provision', () => {
  it('ca → fleet → revoke writes what each step promises', async () => {
    const ca = join(dir, 'ca');
    const bundles = join(dir, 'bundles');
    expect(await run(['ca', '--site', 'sahlgrenska', '--out', ca])).toBe(0);
    expect(statSync(join(ca, 'ca.key')).mode & 0o777).toBe(0o600);
    await writeFile(join(dir, 'theatres.csv'), 'theatre,gateway\nor-7,gw-or7\n');
    const fleet = ['fleet', '--ca', ca, '--site', 'sahlgrenska', '--fleet', join(dir, 'theatres.csv'), '--broker-url', 'mqtts://broker.sahlgrenska.local:8883', '--broker-dns', 'broker.sahlgrenska.local', '--uplink', 'uplink-sahlgrenska', '--out', bundles];
    expect(await run(fleet)).toBe(0);
    const config = JSON.parse(await readFile(join(bundles, 'gateways', 'gw-or7', 'gateway.json'), 'utf8')) as unknown;
    expect(parseConfig(config).broker.tls?.cert).toBe('/etc/implant-scan/gateway.pem');
    for (const f of ['broker/mosquitto.conf', 'broker/acl', 'broker/crl.pem', 'uplinks/uplink-sahlgrenska/uplink.key', 'serials.json']) expect(existsSync(join(bundles, f)), f).toBe(true);

    const before = await readFile(join(bundles, 'broker', 'crl.pem'), 'utf8');
    expect(await run(['revoke', '--ca', ca, '--bundles', bundles, '--id', 'gw-or7'])).toBe(0);
    expect(await readFile(join(bundles, 'broker', 'crl.pem'), 'utf8')).not.toBe(before);
    expect(JSON.parse(await readFile(join(ca, 'revoked.json'), 'utf8'))).toMatchObject([{ id: 'gw-or7' }]);
  });

  it('a key made on the gateway never travels: csr there, sign at the CA', async () => {
    const ca = join(dir, 'ca2');
    const device = join(dir, 'device');
    await run(['ca', '--site', 'sahlgrenska', '--out', ca]);
    expect(await run(['csr', '--site', 'sahlgrenska', '--theatre', 'or-9', '--gateway', 'gw-or9', '--out', device])).toBe(0);
    const out = join(dir, 'gw-or9.pem');
    expect(await run(['sign', '--ca', ca, '--csr', join(device, 'gateway.csr'), '--site', 'sahlgrenska', '--theatre', 'or-9', '--gateway', 'gw-or9', '--out', out])).toBe(0);
    expect(await readFile(out, 'utf8')).toMatch(/BEGIN CERTIFICATE/);
    // A CSR presented for another gateway is refused.
    expect(await run(['sign', '--ca', ca, '--csr', join(device, 'gateway.csr'), '--site', 'sahlgrenska', '--theatre', 'or-9', '--gateway', 'gw-or1', '--out', join(dir, 'x.pem')])).toBe(1);
  });

  it('answers a missing option or an unknown step with usage and exit 2', async () => {
    expect(await run(['fleet', '--site', 'x'])).toBe(2);
    expect(await run(['frobnicate'])).toBe(2);
    expect(await run([])).toBe(2);
    expect(await run(['--help'])).toBe(0);
  });
});
