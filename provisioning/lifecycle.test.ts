// A site's fleet over its life, as hospital IT runs it with `implant-scan provision`, against a
// real TLS Mosquitto from the generated configuration:
//   three gateways → one revoked → a fourth added with `fleet`: the revoked one is still refused
//   (the TLS alert says why), the other two are byte-for-byte unchanged, the new one is admitted;
//   31 days later the CRL has expired and the broker refuses everyone, until `provision crl`.
// The clock: the PKI's is injected into the CLI; openssl checks with -attime; Mosquitto runs under
// faketime (skipped where faketime is not installed).
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { run } from '../cli/provision.ts';
import { findMosquitto, startMosquitto, type Mosquitto } from '../gateway/broker/mosquitto-test-support.ts';
import { collect, connectClient } from '../gateway/broker/test-support.ts';
import { certificateAlertCode } from '../gateway/mqtt/test-support.ts';
import { scanTopic } from '../protocol/topics.ts';
import { Ledger } from './ledger.ts';

const binary = findMosquitto();
const openssl = ['/usr/bin/openssl', '/usr/local/bin/openssl'].find((p) => existsSync(p)) ?? null;
/** libfaketime itself, preloaded: the `faketime` command forks, so killing it would orphan Mosquitto. */
const faketime = ['/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1', '/usr/lib/aarch64-linux-gnu/faketime/libfaketime.so.1'].find((p) => existsSync(p)) ?? null;
const SITE = 'sahlgrenska';
const DAY_MS = 86_400_000;
/** The alert Mosquitto (OpenSSL) sends for a revoked client certificate. */
const REVOKED = certificateAlertCode('CERTIFICATE_REVOKED');

describe.skipIf(binary === null || openssl === null)('a fleet over its life: revoke, add a theatre, 31 days on', () => {
  let dir: string;
  let ca: string;
  let bundles: string;
  let brokerConf: string;
  let clock = new Date();
  const stdout: string[] = [];
  const stderr: string[] = [];
  const clients: MqttClient[] = [];
  const brokers: Mosquitto[] = [];

  const provision = (...argv: string[]) => run(argv, { now: () => clock });
  const fleet = (csv: string) => provision('fleet', '--ca', ca, '--site', SITE, '--fleet', csv, '--broker-url', 'mqtts://127.0.0.1:8883', '--broker-dns', 'localhost', '--broker-ip', '127.0.0.1', '--uplink', 'uplink-sahlgrenska', '--observer', 'watch-it', '--out', bundles);
  const bundleFile = (gateway: string, name: string) => readFile(join(bundles, 'gateways', gateway, name));
  const ossl = (...args: string[]) => {
    const r = spawnSync(openssl!, args, { cwd: dir, encoding: 'utf8' });
    return { ok: r.status === 0, out: `${r.stdout}${r.stderr}` };
  };
  const verifyAt = (when: Date, gateway: string) =>
    ossl('verify', '-attime', String(Math.floor(when.getTime() / 1000)), '-crl_check', '-CAfile', join(ca, 'ca.pem'), '-CRLfile', join(bundles, 'broker', 'crl.pem'), join(bundles, 'gateways', gateway, 'gateway.pem'));

  /** A Mosquitto from the generated configuration (its /etc paths pointing at the bundle), optionally with its clock moved. */
  const startBroker = async (offsetDays = 0): Promise<Mosquitto> => {
    // A wrapper that leaves its pid (exec keeps it: the pid is Mosquitto's) for SIGHUP.
    const exe = join(dir, `mosquitto+${offsetDays}d`);
    await writeFile(exe, `#!/bin/sh\necho $$ > ${join(dir, 'mosquitto.pid')}\nexec ${offsetDays === 0 ? '' : `env LD_PRELOAD=${faketime} FAKETIME='+${offsetDays}d' `}${binary} "$@"\n`);
    await chmod(exe, 0o755);
    const m = await startMosquitto(exe, (port, mdir) =>
      // Run as root here: Mosquitto's own user could not read the test's temp dir.
      `${brokerConf.replaceAll('/etc/mosquitto/implant-scan/', `${join(bundles, 'broker')}/`).replace(/^listener \d+/m, `listener ${port}`).replace(/^persistence_location .*$/m, `persistence_location ${mdir}/`)}user root\n`,
    );
    brokers.push(m);
    return m;
  };
  const connectAs = async (m: Mosquitto, kind: string, id: string, options: { clean?: boolean; clientId?: string } = {}) => {
    const b = join(bundles, `${kind}s`, id);
    const c = await connectClient(m.url.replace('mqtt:', 'mqtts:'), {
      ca: await readFile(join(b, 'ca.pem')),
      cert: await readFile(join(b, `${kind}.pem`)),
      key: await readFile(join(b, `${kind}.key`)),
      servername: 'localhost',
      clean: options.clean ?? true,
      ...(options.clientId ? { clientId: options.clientId } : {}),
    });
    clients.push(c);
    return c;
  };
  const gateway = (m: Mosquitto, id: string) => connectAs(m, 'gateway', id);

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'lifecycle-'));
    ca = join(dir, 'ca');
    bundles = join(dir, 'bundles');
    vi.spyOn(process.stdout, 'write').mockImplementation((s) => (stdout.push(String(s)), true));
    vi.spyOn(process.stderr, 'write').mockImplementation((s) => (stderr.push(String(s)), true));
  });
  afterAll(async () => {
    vi.restoreAllMocks();
    for (const c of clients) c.end(true);
    for (const m of brokers) await m.dispose();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  const before: Record<string, Buffer> = {};
  let revokedSerial: string;

  it('three gateways, one revoked, a fourth added: nothing of the first three changes', async () => {
    expect(await provision('ca', '--site', SITE, '--out', ca)).toBe(0);
    await writeFile(join(dir, 'three.csv'), 'theatre,gateway\nor-1,gw-or1\nor-2,gw-or2\nor-3,gw-or3\n');
    expect(await fleet(join(dir, 'three.csv'))).toBe(0);
    for (const gw of ['gw-or1', 'gw-or2', 'gw-or3']) for (const f of ['gateway.key', 'gateway.pem']) before[`${gw}/${f}`] = await bundleFile(gw, f);
    const ledger = await Ledger.load(ca);
    revokedSerial = ledger.current('gw-or2')!.serialHex;

    expect(await provision('revoke', '--ca', ca, '--bundles', bundles, '--id', 'gw-or2')).toBe(0);
    await writeFile(join(dir, 'four.csv'), 'theatre,gateway\nor-1,gw-or1\nor-2,gw-or2\nor-3,gw-or3\nor-4,gw-or4\n');
    expect(await fleet(join(dir, 'four.csv'))).toBe(0);

    for (const [file, bytes] of Object.entries(before)) expect((await bundleFile(file.split('/')[0]!, file.split('/')[1]!)).equals(bytes), file).toBe(true);
    // The CRL the second fleet run wrote still lists the revoked certificate.
    expect(ossl('crl', '-noout', '-text', '-in', join(bundles, 'broker', 'crl.pem')).out.toLowerCase()).toContain(`serial number: ${revokedSerial}`);
    expect(verifyAt(clock, 'gw-or2')).toMatchObject({ ok: false, out: expect.stringContaining('certificate revoked') });
    expect(verifyAt(clock, 'gw-or1')).toMatchObject({ ok: true });
    const after = await Ledger.load(ca);
    expect(after.devices.map((d) => d.id)).toEqual(['gw-or1', 'gw-or2', 'gw-or3', 'uplink-sahlgrenska', 'watch-it', 'localhost', 'gw-or4']);
  });

  it('the broker refuses the revoked gateway for being revoked, and admits the others and the new one', async () => {
    brokerConf = await readFile(join(bundles, 'broker', 'mosquitto.conf'), 'utf8');
    const m = await startBroker();
    await expect(gateway(m, 'gw-or2')).rejects.toMatchObject({ code: REVOKED });
    for (const gw of ['gw-or1', 'gw-or3', 'gw-or4']) expect((await gateway(m, gw)).connected, gw).toBe(true);
    await m.dispose();
  });

  it("the observer watches scans without taking the uplink's session, and may not publish", async () => {
    const m = await startBroker();
    const uplink = await connectAs(m, 'uplink', 'uplink-sahlgrenska', { clean: false, clientId: 'uplink-sahlgrenska' });
    await uplink.subscribeAsync(`implant/v1/${SITE}/+/+/scan`, { qos: 1 });
    const atUplink = collect(uplink);
    let uplinkClosed = false;
    uplink.on('close', () => (uplinkClosed = true));
    // mosquitto_sub would send some client id; the broker makes it the certificate's CN.
    const observer = await connectAs(m, 'observer', 'watch-it', { clientId: 'uplink-sahlgrenska' });
    const atObserver = collect(observer);
    const granted = await observer.subscribeAsync(`implant/v1/${SITE}/+/+/scan`, { qos: 1 });
    expect(granted[0]!.qos).toBe(1);
    const gw = await gateway(m, 'gw-or1');
    await gw.publishAsync(scanTopic({ site: SITE, theatre: 'or-1', gateway: 'gw-or1' }), 'scan 1', { qos: 1 });
    await observer.publishAsync(scanTopic({ site: SITE, theatre: 'or-1', gateway: 'gw-or1' }), 'forged by the observer', { qos: 1 });
    await gw.publishAsync(scanTopic({ site: SITE, theatre: 'or-1', gateway: 'gw-or1' }), 'scan 2', { qos: 1 });
    await atUplink.waitFor(2);
    await atObserver.waitFor(2);
    expect(atUplink.messages.map((x) => x.payload.toString())).toEqual(['scan 1', 'scan 2']);
    expect(atObserver.messages.map((x) => x.payload.toString())).toEqual(['scan 1', 'scan 2']);
    expect(uplinkClosed).toBe(false);
    expect(uplink.connected).toBe(true);
    await m.dispose();
  });

  it('revoke, then the documented reload (SIGHUP): the revoked gateway cannot connect again, without a restart', async () => {
    const m = await startBroker();
    expect((await gateway(m, 'gw-or4')).connected).toBe(true);
    expect(await provision('revoke', '--ca', ca, '--bundles', bundles, '--id', 'gw-or4')).toBe(0);
    process.kill(Number(await readFile(join(dir, 'mosquitto.pid'), 'utf8')), 'SIGHUP');
    // The reload is asynchronous: the first refusal after it, within a bound on attempts.
    let refusal: unknown = null;
    for (let attempt = 0; attempt < 50 && refusal === null; attempt++) {
      refusal = await gateway(m, 'gw-or4').then((c) => (c.end(true), null), (e: unknown) => e);
    }
    expect(refusal).toMatchObject({ code: REVOKED });
    expect((await gateway(m, 'gw-or1')).connected).toBe(true);
    await m.dispose();
  });

  it('31 days on, the CRL has expired and openssl refuses everyone; after provision crl only the revoked one', async () => {
    const later = new Date(clock.getTime() + 31 * DAY_MS);
    expect(verifyAt(later, 'gw-or1')).toMatchObject({ ok: false, out: expect.stringContaining('CRL has expired') });
    clock = later;
    stderr.length = 0;
    expect(await provision('status', '--ca', ca)).toBe(3);
    expect(stderr.join('')).toMatch(/needs action: the CRL expired on/);
    expect(await provision('crl', '--ca', ca, '--bundles', bundles)).toBe(0);
    for (const gw of ['gw-or1', 'gw-or3']) expect(verifyAt(later, gw), gw).toMatchObject({ ok: true });
    expect(verifyAt(later, 'gw-or2')).toMatchObject({ ok: false, out: expect.stringContaining('certificate revoked') });
    expect(await provision('status', '--ca', ca)).toBe(0);
  });

  it.skipIf(faketime === null)('…and a Mosquitto 31 days on refuses with the expired CRL, and admits the fleet after provision crl', async () => {
    // The CRL of 31 days ago, as the broker would still have it without the daily timer.
    const current = await readFile(join(bundles, 'broker', 'crl.pem'));
    clock = new Date(clock.getTime() - 31 * DAY_MS);
    expect(await provision('crl', '--ca', ca, '--bundles', bundles)).toBe(0);
    const stale = await startBroker(31);
    // OpenSSL's alert for X509_V_ERR_CRL_HAS_EXPIRED: the gateway is refused although not revoked.
    await expect(gateway(stale, 'gw-or1')).rejects.toMatchObject({ code: certificateAlertCode('CERTIFICATE_EXPIRED') });
    await stale.dispose();
    await writeFile(join(bundles, 'broker', 'crl.pem'), current);
    const m = await startBroker(31);
    for (const gw of ['gw-or1', 'gw-or3']) expect((await gateway(m, gw)).connected, gw).toBe(true);
    await expect(gateway(m, 'gw-or2')).rejects.toMatchObject({ code: REVOKED });
  });
});
