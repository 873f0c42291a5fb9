// GatewayLink refused by the broker: a real TLS Mosquitto (certificates and CRL from the
// provisioning PKI) that sends the TLS alert for a revoked, then an unknown-CA client certificate,
// and the embedded aedes broker refusing the CONNACK. (Node's own TLS server checks a client
// certificate after the handshake and just closes: no alert, so it cannot stand in here.) The reconnect timers and the log's clock are
// a fake clock (@sinonjs/fake-timers); the network is real. No assertion is about timing.

import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClock } from '@sinonjs/fake-timers';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { createCrl, createSiteCa, importCa, issueCertificate } from '../../provisioning/pki.ts';
import { findMosquitto, startMosquitto, type Mosquitto } from '../broker/mosquitto-test-support.ts';
import type { RunningBroker } from '../broker/server.ts';
import { GW_A, startSecureTestBroker, waitUntil } from '../broker/test-support.ts';
import type { Status } from '../controller.ts';
import { testController } from '../fakes.test-support.ts';
import { startStationServer } from '../station/server.ts';
import type { GatewayLink } from './link.ts';
import { ADDRESS_A, captureLog, certificateAlertCode, next, openLinkA } from './test-support.ts';

const links: GatewayLink[] = [];
afterEach(async () => {
  await Promise.all(links.splice(0).map((l) => l.close()));
});

const mosquitto = findMosquitto();
const errorsOf = (entries: Array<Record<string, unknown>>) => entries.filter((e) => e.level === 50);

describe.skipIf(mosquitto === null)('GatewayLink refused by a TLS broker', () => {
  let broker: Mosquitto;
  let dir: string;
  let site: { ca: string; cert: string; key: string; otherCa: string };
  /** Restarts the broker trusting only this CA (the CRL still its own). */
  let trust: (ca: string) => Promise<void>;
  beforeAll(async () => {
    const ca = await importCa(...(Object.values(await createSiteCa({ site: GW_A.site, validDays: 60 })) as [string, string]));
    const other = await createSiteCa({ site: 'sus-lund', validDays: 60 });
    const server = await issueCertificate(ca, { kind: 'broker', site: GW_A.site, dnsNames: ['localhost'] }, { validDays: 30 });
    const gateway = await issueCertificate(ca, GW_A, { validDays: 30 });
    const crl = await createCrl(ca, [{ serialHex: gateway.serialHex, revokedAt: new Date() }], { nextUpdateDays: 30 });
    site = { ca: ca.certPem, cert: gateway.certPem, key: gateway.keyPem, otherCa: other.certPem };
    dir = await mkdtemp(join(tmpdir(), 'link-refusal-'));
    const files = { 'ca.pem': ca.certPem, 'crl.pem': crl, 'broker.pem': server.certPem, 'broker.key': server.keyPem };
    for (const [name, text] of Object.entries(files)) await writeFile(join(dir, name), text);
    // Clients verified as the generated mosquitto.conf does: a certificate of the CA, not revoked.
    broker = await startMosquitto(mosquitto!, (port) =>
      // `user root`: Mosquitto started as root would drop to user mosquitto, who cannot read the test's temp dir.
      [`listener ${port} 127.0.0.1`, ...Object.entries({ cafile: 'ca.pem', crlfile: 'crl.pem', certfile: 'broker.pem', keyfile: 'broker.key' }).map(([k, f]) => `${k} ${join(dir, f)}`), 'require_certificate true', 'use_identity_as_username true', 'persistence false', 'user root', ''].join('\n'),
    );
    trust = async (trusted) => {
      await broker.stop();
      await writeFile(join(dir, 'ca.pem'), trusted);
      await broker.start();
    };
  });
  afterAll(async () => {
    await broker?.dispose();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  test('logs a revoked certificate at error once, again only after the interval (with the count), and a new cause at once', async () => {
    const clock = createClock(0);
    const log = captureLog('debug');
    const scheduled = () => log.entries().filter((e) => e.msg === 'mqtt: reconnect scheduled').length;
    const link = await openLinkA(broker.url.replace('mqtt:', 'mqtts:'), {
      username: undefined,
      password: undefined,
      tls: { ca: site.ca, cert: site.cert, key: site.key, servername: 'localhost' },
      logger: log.logger,
      reconnect: { initialMs: 1_000, maxMs: 1_000 },
      random: () => 0, // every delay 500 ms
      timers: { setTimeout: (callback, ms) => clock.setTimeout(callback, ms), clearTimeout: (handle) => clock.clearTimeout(handle as never) },
      now: () => clock.now,
      refusalLogIntervalMs: 60_000,
    });
    links.push(link);
    const [first] = await next(link, 'refused');
    expect(first).toEqual({ reason: 'certificate-revoked', detail: certificateAlertCode('CERTIFICATE_REVOKED') });
    expect(link.refusal).toEqual(first);
    await waitUntil(() => scheduled() === 1, 10_000, 'the first retry scheduled');
    // Five more refusals within the interval: no new line, no new event.
    let refusedEvents = 0;
    link.on('refused', () => refusedEvents++);
    for (let k = 2; k <= 6; k++) {
      clock.tick(500);
      await waitUntil(() => scheduled() === k, 10_000, `retry ${k} scheduled`);
    }
    expect(errorsOf(log.entries())).toHaveLength(1);
    expect(log.entries().filter((e) => e.level === 40)).toEqual([]);
    // Past the interval: one more line, counting the refusals it did not log.
    clock.tick(60_000);
    await waitUntil(() => scheduled() === 7, 10_000, 'retry 7 scheduled');
    const errors = errorsOf(log.entries());
    expect(errors).toHaveLength(2);
    expect(errors[1]).toMatchObject({ reason: 'certificate-revoked', detail: certificateAlertCode('CERTIFICATE_REVOKED'), refusedSinceLastLine: 5 });
    expect(refusedEvents).toBe(0);

    // The broker now trusts another CA only: a different cause, logged and shown at once.
    await trust(site.otherCa);
    const changed = next(link, 'refused');
    clock.tick(500);
    expect((await changed)[0]).toEqual({ reason: 'unknown-ca', detail: 'ERR_SSL_TLSV1_ALERT_UNKNOWN_CA' });
    await waitUntil(() => errorsOf(log.entries()).length === 3, 10_000, 'the unknown-CA line');
    expect(errorsOf(log.entries())[2]).toMatchObject({ reason: 'unknown-ca' });
    expect(JSON.stringify(log.entries())).not.toContain(site.key.slice(40, 80));
  });
  test("the station's /api/status shows broker 'refused' with the revoked certificate's alert; the indicator shows offline", async () => {
    await trust(site.ca);
    const link = await openLinkA(broker.url.replace('mqtt:', 'mqtts:'), { username: undefined, password: undefined, tls: { ca: site.ca, cert: site.cert, key: site.key, servername: 'localhost' } });
    links.push(link);
    const { controller, metrics, indicator } = testController(link, ADDRESS_A);
    const station = await startStationServer({ source: controller, metrics, port: 0 });
    try {
      await next(link, 'refused');
      const status = (await (await fetch(new URL('/api/status', station.url))).json()) as Status;
      expect(status.broker).toBe('refused');
      expect(status.attention).toEqual([{ code: 'broker-refused', reason: 'certificate-revoked', message: expect.stringContaining('call hospital IT') }]);
      expect(indicator.signals).toContain('offline');
      expect(indicator.signals).not.toContain('attention');
    } finally {
      controller.close();
      await station.close();
    }
  });
});

describe('GatewayLink refused by the CONNACK', () => {
  let broker: RunningBroker;
  beforeAll(async () => {
    broker = await startSecureTestBroker();
  });
  afterAll(() => broker.close());

  test('a wrong password: refused with its reason, logged at error', async () => {
    const log = captureLog('info');
    const link = await openLinkA(broker.url, { password: 'not the password', logger: log.logger });
    links.push(link);
    const [refusal] = await next(link, 'refused');
    expect(refusal.reason).toMatch(/^(bad-credentials|not-authorized)$/);
    expect(errorsOf(log.entries())[0]).toMatchObject({ reason: refusal.reason, detail: expect.stringMatching(/^CONNACK [45]$/) });
    expect(JSON.stringify(log.entries())).not.toContain('not the password');
  });
});
