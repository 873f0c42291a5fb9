// `implant-scan gateway --check` and the daemon's start against real files (a provisioned CA,
// certificate and key), a real pty (socat) for the scanner, and a real other user (nobody): every
// problem exits 78 with one line naming the field and the path, and a key the service user cannot
// read stops the daemon with 78 instead of a stack and exit 1.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { chmodSync, chownSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { plugPty, type PtyPair } from '../firmware-sim/pty.ts';
import { createSiteCa, issueCertificate } from '../provisioning/pki.ts';
import { buildCli } from '../test/built-cli.test-support.ts';

const isRoot = process.getuid?.() === 0;
// The service user stands in for implant-scan: a real account that is not root.
const NOBODY = { name: 'nobody', uid: 65534, gid: 65534 };
if (!isRoot) console.warn('cli/gateway.test.ts: not root; the checks run as this user and the "other user" cases are skipped');

interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

function runCli(cli: string, args: string[], options: { uid?: number; gid?: number } = {}): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cli, 'gateway', ...args], { ...options, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

const lines = (text: string) => text.split('\n').filter(Boolean);

describe('implant-scan gateway --check', () => {
  let cli: string;
  let dir: string;
  let pty: PtyPair;
  let pem: { ca: string; cert: string; key: string; otherKey: string };
  const path = (name: string) => join(dir, name);
  const configFile = () => path('gateway.json');

  /** Files as the postinst leaves them: root:<service group> 0640 in a searchable directory. */
  function install(name: string, text: string, mode = 0o640, owner = { uid: 0, gid: isRoot ? NOBODY.gid : process.getgid!() }) {
    writeFileSync(path(name), text, { mode });
    chmodSync(path(name), mode);
    if (isRoot) chownSync(path(name), owner.uid, owner.gid);
  }
  const check = (...extra: string[]) => runCli(cli, ['--check', '--config', configFile(), ...(isRoot ? ['--as-user', NOBODY.name] : []), ...extra]);

  beforeAll(async () => {
    cli = await buildCli();
    const ca = await createSiteCa({ site: 'sahlgrenska', validDays: 60 });
    const identity = { kind: 'gateway' as const, site: 'sahlgrenska', theatre: 'or-7', gateway: 'gw-or7' };
    const issued = await issueCertificate(ca, identity, { validDays: 30 });
    const other = await issueCertificate(ca, { ...identity, gateway: 'gw-or8' }, { validDays: 30 });
    pem = { ca: ca.certPem, cert: issued.certPem, key: issued.keyPem, otherKey: other.keyPem };
  }, 120_000);

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'implant-scan-check-'));
    chmodSync(dir, 0o755); // like /etc/implant-scan: the service user may pass through
    install('ca.pem', pem.ca);
    install('gateway.pem', pem.cert);
    install('gateway.key', pem.key);
    pty = await plugPty({ stablePath: path('scanner'), writerPath: path('scanner-writer') });
    // udev's GROUP="dialout": the service user may open the scanner.
    if (isRoot) chownSync(pty.devicePath, NOBODY.uid, NOBODY.gid);
    writeFileSync(
      configFile(),
      JSON.stringify({
        site: 'sahlgrenska',
        theatre: 'or-7',
        gateway: 'gw-or7',
        dataDir: path('data'),
        scanner: { path: path('scanner') },
        broker: { url: 'mqtts://127.0.0.1:1', tls: { ca: path('ca.pem'), cert: path('gateway.pem'), key: path('gateway.key') } },
        station: { port: 0 },
      }),
      { mode: 0o644 },
    );
    return async () => {
      await pty.unplug();
      rmSync(dir, { recursive: true, force: true });
    };
  });

  it('passes with the provisioned files and a pty the user can open, and prints the effective configuration', async () => {
    const run = await check();
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ gateway: 'gw-or7', scanner: { path: path('scanner'), baudRate: 9600 } });
  });

  it('fails on a missing key, naming the field and the path', async () => {
    rmSync(path('gateway.key'));
    const run = await check();
    expect(run.status).toBe(78);
    expect(lines(run.stderr)).toEqual([`implant-scan gateway: broker.tls.key ${path('gateway.key')}: does not exist`]);
  });

  it.skipIf(!isRoot)('fails on a key the service user cannot read (root 0600), although root can', async () => {
    install('gateway.key', pem.key, 0o600, { uid: 0, gid: 0 });
    const run = await check();
    expect(run.status).toBe(78);
    expect(lines(run.stderr)).toEqual([`implant-scan gateway: broker.tls.key ${path('gateway.key')}: not readable by nobody (root:root 0600): chown root:implant-scan and chmod 0640 it (packaging/README.md)`]);
    const asRoot = await runCli(cli, ['--check', '--config', configFile(), '--as-user', 'root']);
    expect(asRoot.status).toBe(0);
  });

  it('fails on a missing CA, and says nothing about the certificate it cannot verify', async () => {
    rmSync(path('ca.pem'));
    const run = await check();
    expect(run.status).toBe(78);
    expect(lines(run.stderr)).toEqual([`implant-scan gateway: broker.tls.ca ${path('ca.pem')}: does not exist`]);
  });

  it('fails on a certificate that is no certificate', async () => {
    install('gateway.pem', '-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydGlmaWNhdGU=\n-----END CERTIFICATE-----\n');
    const run = await check();
    expect(run.status).toBe(78);
    expect(lines(run.stderr)).toEqual([`implant-scan gateway: broker.tls.cert ${path('gateway.pem')}: holds no PEM certificate`]);
  });

  it('fails on a key that belongs to another certificate, and on a certificate from another CA', async () => {
    install('gateway.key', pem.otherKey);
    const otherCa = await createSiteCa({ site: 'other', validDays: 60 });
    install('ca.pem', otherCa.certPem);
    const run = await check();
    expect(run.status).toBe(78);
    expect(lines(run.stderr)).toEqual([
      `implant-scan gateway: broker.tls.key ${path('gateway.key')}: is not the key of the certificate in ${path('gateway.pem')}`,
      `implant-scan gateway: broker.tls.cert ${path('gateway.pem')}: was not issued by the CA in ${path('ca.pem')}`,
    ]);
  });

  it('passes a certificate sent with its intermediate CA (openssl: root → intermediate → gateway), and fails it without', async () => {
    const pki = mkdtempSync(join(tmpdir(), 'implant-scan-chain-'));
    const ossl = (...args: string[]) => execFileSync('openssl', args, { cwd: pki, stdio: ['ignore', 'ignore', 'pipe'] });
    try {
      const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];
      writeFileSync(join(pki, 'ca.ext'), 'basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\n');
      ossl('req', '-x509', ...ec, '-keyout', 'root.key', '-out', 'root.pem', '-subj', '/CN=hospital root', '-days', '30', '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign');
      ossl('req', ...ec, '-keyout', 'int.key', '-out', 'int.csr', '-subj', '/CN=hospital devices');
      ossl('x509', '-req', '-in', 'int.csr', '-CA', 'root.pem', '-CAkey', 'root.key', '-CAcreateserial', '-out', 'int.pem', '-days', '30', '-extfile', 'ca.ext');
      ossl('req', ...ec, '-keyout', 'leaf.key', '-out', 'leaf.csr', '-subj', '/CN=gw-or7');
      ossl('x509', '-req', '-in', 'leaf.csr', '-CA', 'int.pem', '-CAkey', 'int.key', '-CAcreateserial', '-out', 'leaf.pem', '-days', '30');
      const read = (f: string) => readFileSync(join(pki, f), 'utf8');
      install('ca.pem', read('root.pem'));
      install('gateway.key', read('leaf.key'));
      install('gateway.pem', read('leaf.pem') + read('int.pem'));
      expect((await check()).status).toBe(0);
      install('gateway.pem', read('leaf.pem'));
      expect(lines((await check()).stderr)).toEqual([`implant-scan gateway: broker.tls.cert ${path('gateway.pem')}: was not issued by the CA in ${path('ca.pem')}`]);
    } finally {
      rmSync(pki, { recursive: true, force: true });
    }
  });

  it('fails on a missing scanner path (socat gone: the link is removed)', async () => {
    await pty.unplug();
    const run = await check();
    expect(run.status).toBe(78);
    expect(lines(run.stderr)).toEqual([`implant-scan gateway: scanner.path ${path('scanner')}: does not exist (scanner unplugged, or no udev rule: hw/udev)`]);
  });

  it('fails on a scanner path that is a character device but no terminal, and on a plain file', async () => {
    const config = JSON.parse(readFileSync(configFile(), 'utf8')) as { scanner: { path: string } };
    config.scanner.path = '/dev/null';
    writeFileSync(configFile(), JSON.stringify(config));
    expect(lines((await check()).stderr)).toEqual(['implant-scan gateway: scanner.path /dev/null: is not a terminal (a serial tty or a pty)']);
    config.scanner.path = path('ca.pem');
    writeFileSync(configFile(), JSON.stringify(config));
    const run = await check();
    expect(run.status).toBe(78);
    expect(lines(run.stderr)).toEqual([`implant-scan gateway: scanner.path ${path('ca.pem')}: is not a character device (a serial tty or a pty)`]);
  });

  it.skipIf(!isRoot)('fails on a scanner the service user may not open (not in its group)', async () => {
    chownSync(pty.devicePath, 0, 0);
    chmodSync(pty.devicePath, 0o620);
    const run = await check();
    expect(run.status).toBe(78);
    expect(lines(run.stderr)).toHaveLength(1);
    expect(run.stderr).toContain(`scanner.path ${path('scanner')}: not readable and writable by nobody (root:root 0620): add the user to group dialout`);
  });

  it.skipIf(!isRoot)('refuses --as-user for an unknown user, with a usage error', async () => {
    const run = await runCli(cli, ['--check', '--config', configFile(), '--as-user', 'no-such-user-here']);
    expect(run.status).toBe(2);
    expect(lines(run.stderr)).toEqual(['implant-scan gateway: --as-user no-such-user-here: no such user']);
  });

  it.skipIf(!isRoot)('daemon: a key the service user cannot read exits 78 with one line, not 1 with a stack', async (ctx) => {
    // The daemon runs as nobody here: where the checkout lies in a folder only root may enter (a
    // mktemp -d, /root), nobody cannot even load the CLI, and this says nothing about the key.
    if (spawnSync(process.execPath, ['-e', `require('node:fs').accessSync(${JSON.stringify(cli)})`], { uid: NOBODY.uid, gid: NOBODY.gid }).status !== 0) {
      ctx.skip(`nobody cannot reach ${cli}: the checkout is in a folder closed to other users`);
    }
    install('gateway.key', pem.key, 0o600, { uid: 0, gid: 0 });
    mkdirSync(path('data'));
    chownSync(path('data'), NOBODY.uid, NOBODY.gid); // systemd's StateDirectory=: only the key is wrong
    const run = await runCli(cli, ['--config', configFile()], { uid: NOBODY.uid, gid: NOBODY.gid });
    expect(run.status).toBe(78);
    expect(lines(run.stderr)).toEqual([`implant-scan gateway: broker.tls.key ${path('gateway.key')}: not readable by nobody (root:root 0600): chown root:implant-scan and chmod 0640 it (packaging/README.md)`]);
  });
});
