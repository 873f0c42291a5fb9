// From a fleet CSV to a working theatre: provision the site, start a real TLS Mosquitto with the
// generated configuration and ACL, start a gateway daemon with its generated config and
// certificate, scan on its pseudo-terminal, and the uplink (its own certificate) receives the scan.
// Then the gateway's certificate is revoked: the broker, restarted with the new CRL, refuses it.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, type MqttClient } from 'mqtt';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findMosquitto, startMosquitto, type Mosquitto } from '../gateway/broker/mosquitto-test-support.ts';
import { collect, waitUntil } from '../gateway/broker/test-support.ts';
import { parseConfig } from '../gateway/config.ts';
import { startGateway, type GatewayHandle } from '../gateway/daemon.ts';
import { certificateAlertCode, freePort } from '../gateway/mqtt/test-support.ts';
import { plugScanner, type PluggedScanner } from '../gateway/serial/test-pty.ts';
import { decodeScanEvent } from '../protocol/wire.ts';
import { issueCrl } from './broker-policy.ts';
import { provisionFleet, readFleetCsv, type IssuedRecord } from './fleet.ts';
import { Ledger } from './ledger.ts';
import { createSiteCa, importCa } from './pki.ts';

const binary = findMosquitto();
const SITE = 'sahlgrenska';

describe('readFleetCsv', () => {
  it('reads theatres, with a header and comments', () => {
    expect(readFleetCsv('theatre,gateway\n# OR 7 is new\nor-7,gw-or7\r\nor-8, gw-or8\n')).toEqual([
      { theatre: 'or-7', gateway: 'gw-or7' },
      { theatre: 'or-8', gateway: 'gw-or8' },
    ]);
  });
  it('names the line and the field that is wrong', () => {
    expect(() => readFleetCsv('or-7,gw or7\n')).toThrow(/line 1: gateway must match/);
    expect(() => readFleetCsv('or-7,gw-or7\nor-8,gw-or7\n')).toThrow(/line 2: gateway gw-or7 is listed twice/);
    expect(() => readFleetCsv('or-7\n')).toThrow(/expected "theatre,gateway"/);
    expect(() => readFleetCsv('# nothing\n')).toThrow(/no theatre/);
  });
});

describe.skipIf(binary === null)('a fleet provisioned and running against TLS Mosquitto', () => {
  let dir: string;
  let out: string;
  let mosquitto: Mosquitto;
  let scanner: PluggedScanner;
  let gateway: GatewayHandle | null = null;
  let serials: IssuedRecord[];
  let ledger: Ledger;
  const clients: MqttClient[] = [];
  let port: number;
  let ca: Awaited<ReturnType<typeof importCa>>;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'fleet-'));
    out = join(dir, 'out');
    const made = await createSiteCa({ site: SITE, validDays: 30 });
    ca = await importCa(made.certPem, made.keyPem);
    port = await freePort();
    ledger = await Ledger.load(join(dir, 'ca'));
    ({ issued: serials } = await provisionFleet({
      ca,
      ledger,
      site: SITE,
      theatres: readFleetCsv('theatre,gateway\nor-7,gw-or7\nor-8,gw-or8\n'),
      broker: { url: `mqtts://127.0.0.1:${port}`, bindAddress: '127.0.0.1', dnsNames: ['localhost'], ipAddresses: ['127.0.0.1'] },
      uplinks: ['uplink-sahlgrenska'],
      out,
      brokerEtc: join(out, 'broker'),
      validDays: 7,
    }));
    // Mosquitto runs as root here (its own user could not read the test's temp dir).
    const conf = await readFile(join(out, 'broker', 'mosquitto.conf'), 'utf8');
    // The test's Mosquitto listens on the port it is given, so the URLs below follow it.
    mosquitto = await startMosquitto(binary!, (given) => {
      port = given;
      return `${conf.replace(/^listener \d+/m, `listener ${given}`).replace(/^persistence_location .*$/m, `persistence_location ${dir}/`)}user root\n`;
    });
    scanner = await plugScanner(dir);
  });
  afterAll(async () => {
    for (const c of clients) c.end(true);
    await gateway?.close();
    await scanner?.unplug();
    await mosquitto?.dispose();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  const tlsOf = async (bundle: string, name: string) => ({
    ca: await readFile(join(bundle, 'ca.pem')),
    cert: await readFile(join(bundle, `${name}.pem`)),
    key: await readFile(join(bundle, `${name}.key`)),
  });

  function mqttClient(tls: { ca: Buffer; cert: Buffer; key: Buffer }): Promise<MqttClient> {
    return new Promise((resolve, reject) => {
      const c = connect(`mqtts://127.0.0.1:${port}`, { protocolVersion: 4, reconnectPeriod: 0, clean: true, connectTimeout: 5000, ...tls });
      clients.push(c);
      c.once('connect', () => resolve(c));
      c.once('error', reject);
      c.once('close', () => reject(new Error('closed before CONNACK')));
    });
  }

  it('writes a bundle per device and records every serial in the ledger', () => {
    expect(serials.map((s) => `${s.kind}:${s.id}`)).toEqual(['gateway:gw-or7', 'gateway:gw-or8', 'uplink:uplink-sahlgrenska', 'broker:localhost']);
    expect(ledger.certificates.map((c) => c.serialHex)).toEqual(serials.map((s) => s.serialHex));
  });

  it('the provisioned gateway runs against the broker and its scans reach the uplink', async () => {
    const bundle = join(out, 'gateways', 'gw-or7');
    const json = JSON.parse(await readFile(join(bundle, 'gateway.json'), 'utf8')) as { broker: { url: string; tls: Record<string, string> } };
    // Installed, the bundle is /etc/implant-scan/; here it stays where it was written.
    for (const k of ['ca', 'cert', 'key']) json.broker.tls[k] = json.broker.tls[k]!.replace('/etc/implant-scan', bundle);
    json.broker.url = `mqtts://127.0.0.1:${port}`;
    const uplink = await mqttClient(await tlsOf(join(out, 'uplinks', 'uplink-sahlgrenska'), 'uplink'));
    const seen = collect(uplink);
    await uplink.subscribeAsync(`implant/v1/${SITE}/+/+/scan`, { qos: 1 });
    const config = parseConfig({ ...json, dataDir: join(dir, 'gw-data'), scanner: { path: scanner.devicePath }, station: { port: 0 }, logLevel: 'silent' });
    const logged: string[] = [];
    const logger = pino({ level: 'trace' }, { write: (line: string) => void logged.push(line) });
    const g = await startGateway(config, { logger, notifier: { enabled: false, watchdogIntervalMs: null, notify: async () => {} } });
    gateway = g;
    await waitUntil(() => g.link.online && g.controller.currentStatus().scanner === 'open', 15_000, 'the gateway online over TLS');
    await scanner.write(']d201073999900010921729013110LOT-7\x1d21SN-7\r');
    const [message] = await seen.waitFor(1);
    expect(message!.topic).toBe(`implant/v1/${SITE}/or-7/gw-or7/scan`);
    const event = decodeScanEvent(message!.payload);
    expect(event.ok && event.value.parse.udi.lot).toBe('LOT-7');
    // Not even at trace level does the key, or any line of it, reach the log.
    const key = await readFile(join(bundle, 'gateway.key'), 'utf8');
    const text = logged.join('');
    expect(logged.length).toBeGreaterThan(0);
    expect(text).not.toContain('PRIVATE KEY');
    for (const line of key.split('\n').filter((l) => l.length > 20 && !l.startsWith('-----'))) expect(text).not.toContain(line);
  });

  it('a revoked gateway certificate is refused once the broker has the new CRL', async () => {
    await gateway?.close();
    gateway = null;
    ledger.revoke('gw-or7', new Date());
    await issueCrl(ca, ledger, { now: new Date(), targets: [join(out, 'broker', 'crl.pem')] });
    await mosquitto.stop();
    await mosquitto.start();
    // The TLS alert Mosquitto sends for this certificate, not any connection error; the other
    // gateway, against the same broker, is the control.
    await expect(mqttClient(await tlsOf(join(out, 'gateways', 'gw-or7'), 'gateway'))).rejects.toMatchObject({ code: certificateAlertCode('CERTIFICATE_REVOKED') });
    await expect(mqttClient(await tlsOf(join(out, 'gateways', 'gw-or8'), 'gateway'))).resolves.toBeTruthy();
  });
});
