// `implant-scan provision` as hospital IT runs it: a CA, a fleet's bundles, revocation, renewal,
// the CSR flow, status and the CRL, the clock injected where time matters; checked with openssl.
import { spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { PASSPHRASE_ENV, run } from '../cli/provision.ts';
import { parseConfig } from '../gateway/config.ts';
import { Ledger } from './ledger.ts';
import { createSiteCa, issueCertificate } from './pki.ts';

const DAY_MS = 86_400_000;
let dir: string;
const out: string[] = [];
const err: string[] = [];
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'provision-cli-'));
  vi.spyOn(process.stdout, 'write').mockImplementation((s) => (out.push(String(s)), true));
  vi.spyOn(process.stderr, 'write').mockImplementation((s) => (err.push(String(s)), true));
});
afterEach(() => {
  out.length = 0;
  err.length = 0;
});
afterAll(async () => {
  vi.restoreAllMocks();
  await rm(dir, { recursive: true, force: true });
});

const SITE = ['--site', 'sahlgrenska'];
const crlText = (file: string) => spawnSync('openssl', ['crl', '-noout', '-text', '-in', file], { encoding: 'utf8' }).stdout.toLowerCase();
const aclOf = (bundles: string) => readFile(join(bundles, 'broker', 'acl'), 'utf8');

/** A CA and a one-theatre fleet in a fresh folder. */
async function site(name: string, now?: () => Date) {
  const ca = join(dir, name, 'ca');
  const bundles = join(dir, name, 'bundles');
  const at = now ? { now } : {};
  expect(await run(['ca', ...SITE, '--out', ca], at)).toBe(0);
  await writeFile(join(dir, name, 'theatres.csv'), 'theatre,gateway\nor-7,gw-or7\n');
  const fleet = ['fleet', '--ca', ca, ...SITE, '--fleet', join(dir, name, 'theatres.csv'), '--broker-url', 'mqtts://broker.sahlgrenska.local:8883', '--broker-dns', 'broker.sahlgrenska.local', '--uplink', 'uplink-sahlgrenska', '--national', 'https://national.example/', '--out', bundles];
  expect(await run(fleet, at)).toBe(0);
  return { ca, bundles, fleet };
}

describe('implant-scan provision', () => {
  it('ca → fleet → revoke writes what each step promises, and the ledger records it', async () => {
    const { ca, bundles } = await site('basic');
    expect(statSync(join(ca, 'ca.key')).mode & 0o777).toBe(0o600);
    expect(statSync(ca).mode & 0o777).toBe(0o700);
    const config = JSON.parse(await readFile(join(bundles, 'gateways', 'gw-or7', 'gateway.json'), 'utf8')) as unknown;
    expect(parseConfig(config).broker.tls?.cert).toBe('/etc/implant-scan/gateway.pem');
    for (const f of ['broker/mosquitto.conf', 'broker/acl', 'broker/crl.pem', 'uplinks/uplink-sahlgrenska/uplink.key']) expect(existsSync(join(bundles, f)), f).toBe(true);
    // uplink.env: what implant-scan-uplink.service passes to `implant-scan uplink`.
    expect(await readFile(join(bundles, 'uplinks', 'uplink-sahlgrenska', 'uplink.env'), 'utf8')).toContain(
      'SITE=sahlgrenska\nBROKER=mqtts://broker.sahlgrenska.local:8883\nNATIONAL=https://national.example/\nUPLINK_OPTS=--tls-ca /etc/implant-scan/ca.pem --tls-cert /etc/implant-scan/uplink.pem --tls-key /etc/implant-scan/uplink.key\n',
    );
    const serial = (await Ledger.load(ca)).current('gw-or7')!.serialHex;
    expect(await run(['revoke', '--ca', ca, '--bundles', bundles, '--id', 'gw-or7'])).toBe(0);
    expect(crlText(join(bundles, 'broker', 'crl.pem'))).toContain(`serial number: ${serial}`);
    expect(crlText(join(ca, 'crl.pem'))).toContain(`serial number: ${serial}`);
    expect((await Ledger.load(ca)).certificatesOf('gw-or7')[0]!.revokedAt).toBeDefined();
    // A revoked gateway keeps its ACL entry (a renewal brings it back); only retire removes it.
    expect(await aclOf(bundles)).toContain('user gw-or7\n');
    expect(await run(['ca', ...SITE, '--out', ca])).toBe(1);
    expect(err.join('')).toMatch(/ca\.key exists/);
  });

  it('a key made on the gateway never travels: sign records it and writes its ACL entry, so it can be revoked', async () => {
    const { ca, bundles } = await site('csr');
    const device = join(dir, 'csr', 'device');
    expect(await run(['csr', ...SITE, '--theatre', 'or-9', '--gateway', 'gw-or9', '--out', device])).toBe(0);
    const pem = join(dir, 'csr', 'gw-or9.pem');
    const sign = ['sign', '--ca', ca, '--bundles', bundles, '--csr', join(device, 'gateway.csr'), ...SITE, '--theatre', 'or-9', '--gateway', 'gw-or9', '--out', pem];
    expect(await run(sign)).toBe(0);
    expect(await readFile(pem, 'utf8')).toMatch(/BEGIN CERTIFICATE/);
    expect(await aclOf(bundles)).toContain('user gw-or9\ntopic write implant/v1/sahlgrenska/or-9/gw-or9/scan\n');
    const serial = (await Ledger.load(ca)).current('gw-or9')!.serialHex;
    expect(await run(['revoke', '--ca', ca, '--bundles', bundles, '--id', 'gw-or9'])).toBe(0);
    expect(crlText(join(bundles, 'broker', 'crl.pem'))).toContain(`serial number: ${serial}`);
    // A CSR presented for another gateway is refused, and a CA-keyed gateway is not re-signed from a CSR.
    expect(await run([...sign.slice(0, -4), '--gateway', 'gw-or1', '--out', join(dir, 'x.pem')])).toBe(1);
    expect(await run(['csr', ...SITE, '--theatre', 'or-7', '--gateway', 'gw-or7', '--out', join(dir, 'csr', 'gw7')])).toBe(0);
    expect(await run(['sign', '--ca', ca, '--bundles', bundles, '--csr', join(dir, 'csr', 'gw7', 'gateway.csr'), ...SITE, '--theatre', 'or-7', '--gateway', 'gw-or7', '--out', join(dir, 'y.pem')])).toBe(1);
    expect(err.join('')).toMatch(/gw-or7 is already in the ledger with a key the CA made/);
  });

  it('renew supersedes the old certificate; provision crl revokes it once the grace period is over', async () => {
    let clock = new Date();
    const now = () => clock;
    const { ca, bundles } = await site('renew', now);
    const oldSerial = (await Ledger.load(ca)).current('gw-or7')!.serialHex;
    const oldKey = await readFile(join(bundles, 'gateways', 'gw-or7', 'gateway.key'));
    expect(await run(['renew', '--ca', ca, '--bundles', bundles, '--id', 'gw-or7', '--grace', '7d'], { now })).toBe(0);
    expect((await readFile(join(bundles, 'gateways', 'gw-or7', 'gateway.key'))).equals(oldKey)).toBe(false);
    const ledger = await Ledger.load(ca);
    expect(ledger.current('gw-or7')!.serialHex).not.toBe(oldSerial);
    expect(ledger.certificatesOf('gw-or7')[0]).toMatchObject({ serialHex: oldSerial, revokeAfter: new Date(clock.getTime() + 7 * DAY_MS).toISOString() });

    clock = new Date(clock.getTime() + 6 * DAY_MS);
    expect(await run(['crl', '--ca', ca, '--bundles', bundles], { now })).toBe(0);
    expect(crlText(join(bundles, 'broker', 'crl.pem'))).not.toContain(oldSerial);
    clock = new Date(clock.getTime() + 2 * DAY_MS);
    expect(await run(['status', '--ca', ca], { now })).toBe(3);
    expect(err.join('')).toContain(`superseded certificate ${oldSerial} is past its grace period`);
    expect(await run(['crl', '--ca', ca, '--bundles', bundles], { now })).toBe(0);
    expect(crlText(join(bundles, 'broker', 'crl.pem'))).toContain(`serial number: ${oldSerial}`);
  });

  it('renew --all --within renews only what ends soon; status says what ends within 14 days (exit 3)', async () => {
    let clock = new Date();
    const now = () => clock;
    const { ca, bundles } = await site('all', now);
    expect(await run(['status', '--ca', ca], { now })).toBe(0);
    expect(out.join('')).toMatch(/gateway\tgw-or7\tor-7\tvalid\t/);
    const deployed = join(dir, 'all', 'deployed-crl.pem'); // as the broker has it: nobody copied the new one
    await writeFile(deployed, await readFile(join(bundles, 'broker', 'crl.pem')));
    clock = new Date(clock.getTime() + 815 * DAY_MS); // 825-day certificates: 10 days left
    expect(await run(['crl', '--ca', ca], { now })).toBe(0);
    expect(await run(['status', '--ca', ca, '--crl', deployed], { now })).toBe(3);
    expect(err.join('')).toContain('gw-or7: certificate ends in 9 days');
    expect(err.join('')).toContain(`${deployed} expired on`);
    expect(await run(['renew', '--ca', ca, '--bundles', bundles, '--all', '--within', '30d'], { now })).toBe(0);
    expect(out.join('')).toMatch(/gw-or7: new certificate/);
    expect(out.join('')).toMatch(/uplink-sahlgrenska: new certificate/);
    expect(await run(['status', '--ca', ca], { now })).toBe(0);
  });

  it('retire revokes and removes the ACL entry; the id is not given out again', async () => {
    const { ca, bundles, fleet } = await site('retire');
    expect(await run(['retire', '--ca', ca, '--bundles', bundles, '--id', 'gw-or7'])).toBe(0);
    expect(await aclOf(bundles)).not.toContain('gw-or7');
    expect(await run(fleet)).toBe(1);
    expect(err.join('')).toMatch(/gw-or7 was retired/);
  });

  it('an encrypted CA key: the passphrase from a file or the environment, never the command line', async () => {
    const ca = join(dir, 'enc', 'ca');
    const pass = join(dir, 'enc', 'pass');
    await mkdir(join(dir, 'enc'), { recursive: true });
    await writeFile(pass, 'correct horse battery staple\n', { mode: 0o600 });
    expect(await run(['ca', ...SITE, '--out', ca, '--encrypt-key', '--ca-passphrase-file', pass])).toBe(0);
    expect(await readFile(join(ca, 'ca.key'), 'utf8')).toMatch(/^-----BEGIN ENCRYPTED PRIVATE KEY-----/);
    expect(spawnSync('openssl', ['pkey', '-in', join(ca, 'ca.key'), '-passin', 'pass:wrong', '-noout']).status).not.toBe(0);
    expect(await run(['crl', '--ca', ca])).toBe(1);
    expect(err.join('')).toMatch(/the key is encrypted: give its passphrase/);
    expect(await run(['crl', '--ca', ca, '--ca-passphrase-file', pass])).toBe(0);
    process.env[PASSPHRASE_ENV] = 'correct horse battery staple';
    try {
      expect(await run(['crl', '--ca', ca])).toBe(0);
    } finally {
      delete process.env[PASSPHRASE_ENV];
    }
  });

  it('migrates serials.json and revoked.json into the ledger, keeping a revocation serials.json had lost', async () => {
    const { ca, bundles } = await site('migrate');
    // What the earlier version left: no ledger, serials.json in the bundles, revoked.json beside the CA.
    const ledger = await Ledger.load(ca);
    const serials = ledger.certificates.map((c) => ({ serialHex: c.serialHex, kind: ledger.device(c.id)!.kind, id: c.id }));
    await rm(join(ca, 'ledger.json'));
    await writeFile(join(bundles, 'serials.json'), JSON.stringify(serials));
    const lost = (await issueCertificate(await createSiteCa({ site: 'sahlgrenska', validDays: 2 }), { kind: 'gateway', site: 'sahlgrenska', theatre: 'or-7', gateway: 'gw-or7' }, { validDays: 1 })).serialHex;
    await writeFile(join(ca, 'revoked.json'), JSON.stringify([{ serialHex: lost, revokedAt: new Date().toISOString(), id: 'gw-or7' }]));
    expect(await run(['crl', '--ca', ca, '--bundles', bundles])).toBe(0);
    expect(crlText(join(bundles, 'broker', 'crl.pem'))).toContain(`serial number: ${lost}`);
    const migrated = await Ledger.load(ca);
    expect(migrated.device('gw-or7')).toMatchObject({ kind: 'gateway', theatre: 'or-7' });
    expect(migrated.current('gw-or7')!.serialHex).toBe(serials.find((s) => s.id === 'gw-or7')!.serialHex);
    expect(existsSync(join(bundles, 'serials.json.migrated')) && existsSync(join(ca, 'revoked.json.migrated'))).toBe(true);
  });

  it('each step answers --help with its own text; a missing option or an unknown step is usage, exit 2', async () => {
    expect(await run(['fleet', '--help'])).toBe(0);
    expect(out.join('')).toMatch(/^usage: implant-scan provision fleet /);
    out.length = 0;
    expect(await run(['crl', '-h'])).toBe(0);
    expect(out.join('')).toMatch(/^usage: implant-scan provision crl /);
    expect(await run(['fleet', '--site', 'x'])).toBe(2);
    expect(err.join('')).toMatch(/fleet needs --out[\s\S]*usage: implant-scan provision fleet/);
    expect(await run(['renew', '--ca', 'x', '--bundles', 'y'])).toBe(2);
    expect(await run(['frobnicate'])).toBe(2);
    expect(await run([])).toBe(2);
    expect(await run(['--help'])).toBe(0);
  });
});
