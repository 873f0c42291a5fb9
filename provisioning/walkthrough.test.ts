// provisioning/README.md's walk-through, run as written: its shell blocks (paths moved into a
// temp dir), then the broker host's steps: the bundle owned root:mosquitto, Mosquitto started as
// root with the generated configuration, dropping to its own user, and a gateway admitted.
import { spawnSync } from 'node:child_process';
import { chmod, chown, mkdir, mkdtemp, readFile, rm, stat, cp } from 'node:fs/promises';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { run } from '../cli/provision.ts';
import { findMosquitto, startMosquitto } from '../gateway/broker/mosquitto-test-support.ts';
import { connectClient } from '../gateway/broker/test-support.ts';

const binary = findMosquitto();
const mosquittoUser = spawnSync('id', ['-u', 'mosquitto'], { encoding: 'utf8' });
const canDropToMosquitto = userInfo().uid === 0 && mosquittoUser.status === 0;

/** The README's ```sh blocks, one command per entry (continuations joined, comments dropped). */
async function documentedCommands(): Promise<string[]> {
  const readme = await readFile(new URL('./README.md', import.meta.url), 'utf8');
  const blocks = [...readme.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1]!);
  return blocks.flatMap((b) =>
    b
      .replace(/\\\n\s*/g, ' ')
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l !== '' && !l.startsWith('#')),
  );
}

describe('the walk-through in provisioning/README.md', () => {
  let dir: string;
  const paths: Array<[string, string]> = [];
  const local = (text: string) => paths.reduce((t, [from, to]) => t.replaceAll(from, to), text);

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'walkthrough-'));
    await chmod(dir, 0o755); // Mosquitto's own user must reach the broker files below it
    paths.push(['/var/lib/implant-scan-ca', join(dir, 'ca')], ['/var/lib/implant-scan-bundles', join(dir, 'bundles')], ['/etc/mosquitto/implant-scan/', `${join(dir, 'etc-mosquitto')}/`], ['/var/lib/implant-scan-mosquitto/', `${join(dir, 'var-mosquitto')}/`], ['theatres.csv', join(dir, 'theatres.csv')]);
    await mkdir(join(dir, 'etc-mosquitto'));
    vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
  });
  afterAll(async () => {
    vi.restoreAllMocks();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('every documented command of the CA host runs and succeeds', async () => {
    const commands = await documentedCommands();
    const provisions = commands.filter((c) => c.startsWith('implant-scan provision '));
    expect(provisions.map((c) => c.split(/\s+/)[2])).toEqual(['ca', 'fleet', 'crl']);
    for (const command of commands) {
      if (command.startsWith('implant-scan provision ')) {
        expect(await run(local(command).split(/\s+/).slice(2)), command).toBe(0);
      } else if (command.startsWith('printf ')) {
        expect(spawnSync('sh', ['-c', local(command)], { cwd: dir }).status).toBe(0);
      } else if (command.startsWith('mosquitto_sub ')) {
        // The observer's files, by the names the command gives them.
        for (const f of ['ca.pem', 'observer.pem', 'observer.key']) expect(command).toContain(` ${f} `);
        expect((await stat(join(dir, 'bundles', 'observers', 'watch-it', 'observer.key'))).isFile()).toBe(true);
      } else {
        throw new Error(`the walk-through has a command this test does not know: ${command}`);
      }
    }
    // The daily command, as implant-scan-crl.service runs it, re-issues the CA's list.
    expect((await stat(join(dir, 'ca', 'crl.pem'))).isFile()).toBe(true);
    expect(await readFile(join(import.meta.dirname, '..', 'packaging/systemd/implant-scan-crl.service'), 'utf8')).toContain(`implant-scan.mjs ${provisions[2]!.replace(/^implant-scan /, '')}\n`);
  });

  it.skipIf(binary === null || !canDropToMosquitto)('the broker host: Mosquitto as its own user, with the bundle as the README sets it up', async () => {
    const etc = join(dir, 'etc-mosquitto');
    await cp(join(dir, 'bundles', 'broker'), etc, { recursive: true });
    const [uid, gid] = [Number(mosquittoUser.stdout.trim()), Number(spawnSync('id', ['-g', 'mosquitto'], { encoding: 'utf8' }).stdout.trim())];
    // chown -R root:mosquitto, directory 0750, broker.key 0640, the rest 0644; persistence owned by mosquitto.
    await chown(etc, 0, gid);
    await chmod(etc, 0o750);
    for (const f of ['acl', 'ca.pem', 'broker.pem', 'broker.key', 'crl.pem', 'mosquitto.conf']) {
      await chown(join(etc, f), 0, gid);
      await chmod(join(etc, f), f.endsWith('.key') ? 0o640 : 0o644);
    }
    await mkdir(join(dir, 'var-mosquitto'), { mode: 0o750 });
    await chown(join(dir, 'var-mosquitto'), uid, gid);
    const conf = local(await readFile(join(etc, 'mosquitto.conf'), 'utf8'));
    expect(conf).not.toMatch(/^user /m);
    const m = await startMosquitto(binary!, (port) => conf.replace(/^listener \d+/m, `listener ${port} 127.0.0.1`));
    try {
      const gw = join(dir, 'bundles', 'gateways', 'gw-or1');
      const client = await connectClient(m.url.replace('mqtt:', 'mqtts:'), { ca: await readFile(join(gw, 'ca.pem')), cert: await readFile(join(gw, 'gateway.pem')), key: await readFile(join(gw, 'gateway.key')), servername: 'broker.sahlgrenska.local' });
      expect(client.connected).toBe(true);
      client.end(true);
    } finally {
      await m.stop();
    }
    // Its database, written at shutdown, belongs to Mosquitto's user: it dropped root.
    expect((await stat(join(dir, 'var-mosquitto', 'mosquitto.db'))).uid).toBe(uid);
    await m.dispose();
  });
});
