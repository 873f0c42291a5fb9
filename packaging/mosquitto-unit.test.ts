// implant-scan-mosquitto.service as packaging/README.md documents it: a bundle from
// provisionFleet, installed by the README's own `install` lines, and Mosquitto started by the
// unit's ExecStart= as the unit's User=, with its StateDirectory= as persistence. Paths under
// /etc/mosquitto/implant-scan and /var/lib are moved into a scratch root; nothing else is changed.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { chmodSync, chownSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connectAsync } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findMosquitto, freePort, waitForPort } from '../gateway/broker/mosquitto-test-support.ts';
import { scanTopic } from '../protocol/topics.ts';
import { provisionFleet } from '../provisioning/fleet.ts';
import { createSiteCa, importCa } from '../provisioning/pki.ts';

const root = join(import.meta.dirname, '..');
const BROKER_ETC = '/etc/mosquitto/implant-scan';
const binary = findMosquitto();
const account = (name: string) => spawnSync('getent', ['passwd', name], { encoding: 'utf8' }).stdout.split(':');
const [, , uid, gid] = account('mosquitto');
const runnable = binary !== null && process.getuid?.() === 0 && uid !== undefined;
if (!runnable) console.warn('packaging/mosquitto-unit.test.ts: needs root, Mosquitto and its user mosquitto; skipped');

/** "Key" → value of the unit's [Service] lines. */
function serviceFields(unit: string): Map<string, string> {
  const text = readFileSync(join(root, 'packaging/systemd', unit), 'utf8');
  const service = text.slice(text.indexOf('[Service]'), text.indexOf('[Install]'));
  return new Map(service.split('\n').flatMap((l) => (/^[A-Za-z]+=/.test(l) ? [[l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)] as [string, string]] : [])));
}

/** The `install` lines of the README's broker block, with BUNDLES and /etc moved. */
function documentedInstallLines(bundles: string, etc: string): string[] {
  const readme = readFileSync(join(root, 'packaging/README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('## Hospital broker'));
  const block = section.slice(section.indexOf('```sh') + 5, section.indexOf('```', section.indexOf('```sh') + 5));
  return block
    .split('\n')
    .filter((l) => l.startsWith('sudo install '))
    .map((l) => l.replace(/^sudo /, '').replaceAll('BUNDLES', bundles).replaceAll(BROKER_ETC, etc));
}

describe.skipIf(!runnable)('implant-scan-mosquitto.service, started as documented', () => {
  let scratch: string;
  let bundles: string;
  let etc: string;
  let stateDir: string;
  let port: number;
  const unit = serviceFields('implant-scan-mosquitto.service');
  const children: ChildProcess[] = [];

  beforeAll(async () => {
    scratch = mkdtempSync(join(tmpdir(), 'implant-scan-mosquitto-unit-'));
    chmodSync(scratch, 0o755);
    bundles = join(scratch, 'bundles');
    etc = join(scratch, BROKER_ETC);
    // /etc/mosquitto as the mosquitto package leaves it (0755); the README's lines make implant-scan/.
    mkdirSync(join(scratch, 'etc/mosquitto'), { recursive: true, mode: 0o755 });
    chmodSync(join(scratch, 'etc'), 0o755);
    chmodSync(join(scratch, 'etc/mosquitto'), 0o755);
    port = await freePort();
    const site = await createSiteCa({ site: 'sahlgrenska', validDays: 60 });
    const ca = await importCa(site.certPem, site.keyPem);
    await provisionFleet({
      ca,
      site: 'sahlgrenska',
      theatres: [{ theatre: 'or-7', gateway: 'gw-or7' }],
      broker: { url: `mqtts://localhost:${port}`, dnsNames: ['localhost'], ipAddresses: ['127.0.0.1'] },
      uplinks: ['uplink-sahlgrenska'],
      out: bundles,
      brokerEtc: etc,
      validDays: 30,
    });
    // What StateDirectory= does: /var/lib/<name>, owned by User:Group, StateDirectoryMode.
    stateDir = join(scratch, 'var/lib', unit.get('StateDirectory')!);
    mkdirSync(stateDir, { recursive: true });
    chmodSync(join(scratch, 'var'), 0o755);
    chmodSync(join(scratch, 'var/lib'), 0o755);
    chownSync(stateDir, Number(uid), Number(gid));
    chmodSync(stateDir, Number.parseInt(unit.get('StateDirectoryMode')!, 8));
    // The unit's persistence, whatever directory the generated file names.
    const conf = join(bundles, 'broker/mosquitto.conf');
    writeFileSync(conf, readFileSync(conf, 'utf8').replace(/^persistence_location .*$/m, `persistence_location ${stateDir}/`));
    for (const line of documentedInstallLines(bundles, etc)) {
      const result = spawnSync('sh', ['-c', line], { encoding: 'utf8' });
      expect(result.status, `${line}\n${result.stderr}`).toBe(0);
    }
  }, 120_000);
  afterAll(async () => {
    for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
    if (scratch) rmSync(scratch, { recursive: true, force: true });
  });

  /** The unit's ExecStart= as its User=/Group= (setpriv, with the user's groups), /etc moved. */
  function startUnit(): { child: ChildProcess; log: string[] } {
    const [command, ...args] = unit.get('ExecStart')!.split(/\s+/).map((w) => w.replace(BROKER_ETC, etc));
    const child = spawn('setpriv', [`--reuid=${unit.get('User')}`, `--regid=${unit.get('Group')}`, '--init-groups', '--', command!, ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
    const log: string[] = [];
    child.stderr!.on('data', (d: Buffer) => log.push(d.toString()));
    children.push(child);
    return { child, log };
  }

  it('installs the bundle with the modes the unit needs', () => {
    expect(unit.get('User')).toBe('mosquitto');
    expect(unit.get('ExecStart')).toBe('/usr/sbin/mosquitto -c /etc/mosquitto/implant-scan/mosquitto.conf');
    const key = statSync(join(etc, 'broker.key'));
    expect([key.uid, key.gid, key.mode & 0o777]).toEqual([0, Number(gid), 0o640]);
    expect(statSync(etc).mode & 0o777).toBe(0o750);
  });

  it('runs as mosquitto, admits a provisioned gateway over TLS and keeps its state in its own directory', async () => {
    const { child, log } = startUnit();
    try {
      await waitForPort(port, 30_000, child);
    } catch (e) {
      throw new Error(`${(e as Error).message}\n${log.join('')}`);
    }
    const status = readFileSync(`/proc/${child.pid}/status`, 'utf8');
    expect(/^Uid:\s+(\d+)/m.exec(status)?.[1]).toBe(uid);
    const tls = (dir: string, name: string) => ({
      ca: readFileSync(join(bundles, dir, 'ca.pem')),
      cert: readFileSync(join(bundles, dir, `${name}.pem`)),
      key: readFileSync(join(bundles, dir, `${name}.key`)),
      servername: 'localhost',
      reconnectPeriod: 0,
    });
    const topic = scanTopic({ site: 'sahlgrenska', theatre: 'or-7', gateway: 'gw-or7' });
    try {
      // The uplink (its own bundle and ACL entry) receives what the gateway publishes.
      const uplink = await connectAsync(`mqtts://127.0.0.1:${port}`, { ...tls('uplinks/uplink-sahlgrenska', 'uplink'), clientId: 'uplink-sahlgrenska' });
      await uplink.subscribeAsync('implant/v1/sahlgrenska/+/+/scan', { qos: 1 });
      const received = new Promise<[string, Buffer]>((resolve) => uplink.once('message', (t, p) => resolve([t, p])));
      const gateway = await connectAsync(`mqtts://127.0.0.1:${port}`, { ...tls('gateways/gw-or7', 'gateway'), clientId: 'gw-or7' });
      await gateway.publishAsync(topic, Buffer.from([1, 2, 3]), { qos: 1 });
      const [gotTopic, payload] = await received;
      expect([gotTopic, [...payload]]).toEqual([topic, [1, 2, 3]]);
      await gateway.endAsync();
      await uplink.endAsync();
    } finally {
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      await exited;
    }
    // Mosquitto saves its database on exit, in the unit's state directory, as its own user.
    const db = statSync(join(stateDir, 'mosquitto.db'));
    expect(db.uid).toBe(Number(uid));
  }, 60_000);

  it('does not start when the key is left as provisioning writes it (root, 0600)', async () => {
    const key = join(etc, 'broker.key');
    chownSync(key, 0, 0);
    chmodSync(key, 0o600);
    try {
      const { child, log } = startUnit();
      const [code] = (await once(child, 'exit')) as [number | null];
      expect(code).not.toBe(0);
      expect(log.join('')).toMatch(/broker\.key/);
    } finally {
      chownSync(key, 0, Number(gid));
      chmodSync(key, 0o640);
    }
  }, 60_000);

});
