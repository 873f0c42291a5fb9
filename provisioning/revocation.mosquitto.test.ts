// Revocation that bites, for the hospital's Mosquitto: a gateway CONNECTED with a certificate that
// is then revoked (`implant-scan provision revoke`). The reload (SIGHUP, `systemctl reload`) makes
// Mosquitto re-read the CRL for NEW connections only; the documented step for a revocation is
// `systemctl restart implant-scan-mosquitto` (SIGTERM, start; persistence on), and this test does
// exactly that to a Mosquitto running the generated configuration:
//   - the revoked gateway's link is cut, and every reconnect is refused with the TLS alert
//     "certificate revoked", which its link reports as 'refused' and logs at error;
//   - another gateway reconnects and keeps its session: a QoS 1 receipt published while it was
//     away is delivered.
// The gateways are GatewayLinks (mqtt.js); the good one's reconnect timer is a fake clock, so
// "while it was away" is certain rather than a race.
import { readFile, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { connect as tlsConnect } from 'node:tls';
import { join } from 'node:path';
import type { MqttClient } from 'mqtt';
import { createClock } from '@sinonjs/fake-timers';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { run } from '../cli/provision.ts';
import { findMosquitto, startMosquitto, type Mosquitto } from '../gateway/broker/mosquitto-test-support.ts';
import { connectClient, waitUntil } from '../gateway/broker/test-support.ts';
import { MemoryBirthSeqStore } from '../gateway/mqtt/birth-seq-store.ts';
import { GatewayLink, type GatewayLinkOptions } from '../gateway/mqtt/link.ts';
import { captureLog, certificateAlertCode, next } from '../gateway/mqtt/test-support.ts';
import { RECEIPT_ACCEPTED, SCAN_EVENT } from '../protocol/fixtures/samples.ts';
import { receiptTopic } from '../protocol/topics.ts';
import { encodeScanReceipt } from '../protocol/wire.ts';

const binary = findMosquitto();
const SITE = 'sahlgrenska';
const REVOKED = certificateAlertCode('CERTIFICATE_REVOKED');
const root = join(import.meta.dirname, '..');

describe.skipIf(binary === null)('revoking a connected gateway, with the documented Mosquitto restart', () => {
  let dir: string;
  let ca: string;
  let bundles: string;
  let broker: Mosquitto;
  let pidFile: string;
  const links: GatewayLink[] = [];
  const clients: MqttClient[] = [];
  const provision = (...argv: string[]) => run(argv);

  beforeAll(async () => {
    vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    dir = await mkdtemp(join(tmpdir(), 'revocation-'));
    ca = join(dir, 'ca');
    bundles = join(dir, 'bundles');
    await writeFile(join(dir, 'theatres.csv'), 'theatre,gateway\nor-1,gw-or1\nor-2,gw-or2\n');
    expect(await provision('ca', '--site', SITE, '--out', ca)).toBe(0);
    expect(await provision('fleet', '--ca', ca, '--site', SITE, '--fleet', join(dir, 'theatres.csv'), '--broker-url', 'mqtts://127.0.0.1:8883', '--broker-dns', 'localhost', '--broker-ip', '127.0.0.1', '--uplink', 'uplink-sahlgrenska', '--out', bundles)).toBe(0);
    const conf = await readFile(join(bundles, 'broker', 'mosquitto.conf'), 'utf8');
    expect(conf).toMatch(/^persistence true$/m);
    // The generated configuration, its /etc paths pointing at the bundle; `pid_file` for the reload's
    // SIGHUP; run as root here (Mosquitto's own user could not read the test's temp dir).
    broker = await startMosquitto(binary!, (port, mdir) => {
      pidFile = join(mdir, 'mosquitto.pid');
      return `${conf.replaceAll('/etc/mosquitto/implant-scan/', `${join(bundles, 'broker')}/`).replace(/^listener \d+/m, `listener ${port}`).replace(/^persistence_location .*$/m, `persistence_location ${mdir}/`)}pid_file ${pidFile}\nuser root\n`;
    });
  }, 120_000);
  afterAll(async () => {
    vi.restoreAllMocks();
    await Promise.all(links.map((l) => l.close()));
    for (const c of clients) c.end(true);
    await broker?.dispose();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  const tlsOf = async (kind: 'gateway' | 'uplink', id: string) => {
    const b = join(bundles, `${kind}s`, id);
    return { ca: await readFile(join(b, 'ca.pem')), cert: await readFile(join(b, `${kind}.pem`)), key: await readFile(join(b, `${kind}.key`)), servername: 'localhost' };
  };
  const url = () => broker.url.replace('mqtt:', 'mqtts:');
  const openGateway = async (theatre: string, gateway: string, options: Partial<GatewayLinkOptions>) => {
    const link = await GatewayLink.open({
      url: url(),
      address: { site: SITE, theatre, gateway },
      softwareVersion: '0.1.0+test',
      configHash: '0123456789abcdef',
      birthSeqStore: new MemoryBirthSeqStore(),
      logger: captureLog('fatal').logger,
      tls: await tlsOf('gateway', gateway),
      reconnect: { initialMs: 100, maxMs: 400 },
      ...options,
    });
    links.push(link);
    // Listening before any await: the first SUBACK may come at any moment now.
    return { link, subscribed: next(link, 'subscribed', 30_000) };
  };
  /** A TLS 1.2 handshake with these credentials (1.2: the broker checks the client certificate within it): null when accepted, else the error code. */
  const handshake = (tls: { ca: Buffer; cert: Buffer; key: Buffer; servername: string }) =>
    new Promise<string | null>((resolve) => {
      const socket = tlsConnect({ ...tls, host: '127.0.0.1', port: broker.port, maxVersion: 'TLSv1.2' }, () => (socket.destroy(), resolve(null)));
      socket.once('error', (e: Error & { code?: string }) => resolve(e.code ?? e.message));
    });
  const uplink = async () => {
    const c = await connectClient(url(), { ...(await tlsOf('uplink', 'uplink-sahlgrenska')), clientId: 'uplink-sahlgrenska', clean: false, reconnectPeriod: 0 });
    clients.push(c);
    return c;
  };

  it('the documents name the restart as the revocation step, and the reload as the CRL refresh', async () => {
    const provisioningReadme = await readFile(join(root, 'provisioning/README.md'), 'utf8');
    const packagingReadme = await readFile(join(root, 'packaging/README.md'), 'utf8');
    const revokeStep = provisioningReadme.slice(provisioningReadme.indexOf('- **Revoke**'), provisioningReadme.indexOf('- **The CA key**'));
    expect(revokeStep).toContain('systemctl restart implant-scan-mosquitto');
    expect(packagingReadme).toMatch(/revocation[^]*?systemctl restart implant-scan-mosquitto/);
    const unit = await readFile(join(root, 'packaging/systemd/implant-scan-mosquitto.service'), 'utf8');
    expect(unit).toMatch(/^ExecReload=\/bin\/kill -HUP \$MAINPID$/m);
    expect(unit).toMatch(/revoked[^]*systemctl restart implant-scan-mosquitto/);
  });

  it('cuts the connected revoked gateway (its reconnects refused: certificate revoked); the other keeps its session', async () => {
    const revokedLog = captureLog('info');
    const { link: revoked, subscribed: revokedSubscribed } = await openGateway('or-2', 'gw-or2', { logger: revokedLog.logger });
    // The good gateway reconnects only when the test moves its clock.
    const clock = createClock(0);
    const { link: good, subscribed: goodSubscribed } = await openGateway('or-1', 'gw-or1', {
      timers: { setTimeout: (callback, ms) => clock.setTimeout(callback, ms), clearTimeout: (handle) => clock.clearTimeout(handle as never) },
    });
    await Promise.all([revokedSubscribed, goodSubscribed]);

    expect(await provision('revoke', '--ca', ca, '--bundles', bundles, '--id', 'gw-or2')).toBe(0);
    // The reload alone: new connections with the revoked certificate are refused…
    process.kill(Number(await readFile(pidFile, 'utf8')), 'SIGHUP');
    // (The reload is asynchronous: probe until it has happened, with TLS handshakes only, since an
    // MQTT CONNECT with the certificate would take over the gateway's session.)
    let probe: string | null = null;
    for (let attempt = 0; attempt < 1000 && probe !== REVOKED; attempt++) probe = await handshake(await tlsOf('gateway', 'gw-or2'));
    expect(probe).toBe(REVOKED);
    // …but the connection already open is not cut: it still publishes and gets its PUBACK.
    await revoked.publishScan({ ...SCAN_EVENT, site: SITE, theatre: 'or-2', gatewayId: 'gw-or2' });
    expect(revoked.online).toBe(true);

    // The documented step: systemctl restart implant-scan-mosquitto (SIGTERM, then start).
    const revokedOffline = next(revoked, 'offline', 30_000);
    const goodOffline = next(good, 'offline', 30_000);
    await broker.stop();
    await Promise.all([revokedOffline, goodOffline]);
    await broker.start();

    // The revoked gateway retries with its backoff and is refused for being revoked, every time.
    const [why] = await next(revoked, 'refused', 30_000);
    expect(why).toEqual({ reason: 'certificate-revoked', detail: REVOKED });
    const attempts = revoked.stats.connectAttempts;
    await waitUntil(() => revoked.stats.connectAttempts >= attempts + 3, 30_000, 'three more refused reconnects');
    expect(revoked.online).toBe(false);
    expect(revokedLog.entries().filter((e) => e.level === 50 && e.reason === 'certificate-revoked')).toHaveLength(1);

    // While the good gateway is away, the uplink sends it a receipt (QoS 1): the broker queues it
    // in the session it kept across the restart.
    const up = await uplink();
    await up.publishAsync(receiptTopic({ site: SITE, theatre: 'or-1', gateway: 'gw-or1' }), Buffer.from(encodeScanReceipt(RECEIPT_ACCEPTED)), { qos: 1 });
    const online = next(good, 'online', 30_000);
    const receipt = next(good, 'receipt', 30_000);
    clock.tick(60_000);
    expect((await online)[0].sessionPresent).toBe(true);
    expect((await receipt)[0].scanId).toBe(RECEIPT_ACCEPTED.scanId);
    expect(revoked.online).toBe(false);
  }, 180_000);
});
