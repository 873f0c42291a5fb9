// `implant-scan broker` (cli/broker.ts), run in-process through runBroker with its own streams.
// (Kept here because cli/ is shared; it tests ../../cli/broker.ts.)

import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { runBroker } from '../../cli/broker.ts';
import { scanTopic } from '../../protocol/topics.ts';
import { verifyPassword } from './auth.ts';
import { GW_A, GW_B, USERS, connectClient, endClient, loginOf, testCredentials, within } from './test-support.ts';

interface Running {
  /** What SIGHUP does. */
  reload(): void;
  code: Promise<number>;
  ready: Promise<{ brokerUrl: string; acl: string; tls: boolean }>;
  stop(): void;
  stderr(): string;
}

function start(argv: string[], stdin: string[] = []): Running {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stderr.on('data', (d: Buffer) => (err += d.toString()));
  const controller = new AbortController();
  const ready = new Promise<{ brokerUrl: string; acl: string; tls: boolean }>((resolve, reject) => {
    stdout.on('data', (d: Buffer) => {
      out += d.toString();
      const line = out.split('\n').find((l) => l.startsWith('ready '));
      if (line) resolve(JSON.parse(line.slice('ready '.length)));
    });
    stdout.on('end', () => reject(new Error(`no ready line; stdout: ${out}; stderr: ${err}`)));
  });
  const reloadListeners: Array<() => void> = [];
  const onReload = (listener: () => void) => {
    reloadListeners.push(listener);
    return () => void reloadListeners.splice(reloadListeners.indexOf(listener), 1);
  };
  const code = runBroker(argv, { stdin: Readable.from(stdin), stdout, stderr, signal: controller.signal, onReload }).finally(() => stdout.end());
  const readyWithin = within(ready, 10_000, 'the ready line');
  readyWithin.catch(() => undefined); // tests of refusals never await it
  return { code, ready: readyWithin, stop: () => controller.abort(), stderr: () => err, reload: () => reloadListeners.forEach((l) => l()) };
}

test('local demo on a free port: ready line with the URL; anyone may publish; SIGTERM closes it with 0', async () => {
  const broker = start(['--port', '0', '--log-level', 'silent']);
  const ready = await broker.ready;
  expect(ready).toMatchObject({ acl: 'allow-all-for-local-demo', tls: false });
  expect(ready.brokerUrl).toMatch(/^mqtt:\/\/127\.0\.0\.1:[0-9]+$/);
  const c = await connectClient(ready.brokerUrl, { clientId: 'anyone' });
  await c.publishAsync('any/topic', Buffer.from('x'), { qos: 1 });
  await endClient(c);
  broker.stop();
  expect(await broker.code).toBe(0);
});

test('the allow-all demo is refused on a non-loopback address', async () => {
  const broker = start(['--host', '0.0.0.0', '--port', '0']);
  expect(await broker.code).toBe(2);
  expect(broker.stderr()).toMatch(/--credentials/);
});

test('bad options are usage errors', async () => {
  for (const argv of [['--port', 'x'], ['--port', '70000'], ['--tls-cert', 'a.pem'], ['--tls-ca', 'ca.pem'], ['--log-level', 'loud'], ['--nope']]) {
    const broker = start(argv);
    expect(await broker.code, argv.join(' ')).toBe(2);
  }
});

test('a port in use: exit 1 with a message naming the port, not a stack trace', async () => {
  const first = start(['--port', '0', '--log-level', 'silent']);
  const { brokerUrl } = await first.ready;
  const port = new URL(brokerUrl).port;
  const second = start(['--port', port, '--log-level', 'silent']);
  expect(await second.code).toBe(1);
  expect(second.stderr()).toMatch(new RegExp(`${port}: EADDRINUSE`));
  first.stop();
  await first.code;
});

test('--hash-password prints a hash of the password read from stdin', async () => {
  const stdout = new PassThrough();
  let out = '';
  stdout.on('data', (d: Buffer) => (out += d.toString()));
  const code = await runBroker(['--hash-password'], { stdin: Readable.from(['hunter2\n']), stdout, stderr: new PassThrough(), signal: new AbortController().signal });
  expect(code).toBe(0);
  expect(await verifyPassword(Buffer.from('hunter2'), out.trim())).toBe(true);
});

describe('with a credentials file', () => {
  let dir: string;
  let path: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'broker-cli-'));
    path = join(dir, 'credentials.json');
    await writeFile(path, JSON.stringify(await testCredentials()));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  test('enforces the gateway ACL', async () => {
    const broker = start(['--port', '0', '--credentials', path, '--log-level', 'silent']);
    const { brokerUrl, acl } = await broker.ready;
    expect(acl).toBe('gateway');
    await expect(connectClient(brokerUrl, { clientId: 'anon' })).rejects.toThrow(/Not authorized/);
    const a = await connectClient(brokerUrl, loginOf(USERS.gwA));
    await a.publishAsync(scanTopic(GW_A), Buffer.from([1]), { qos: 1 });
    const closed = new Promise<void>((resolve) => a.once('close', () => resolve()));
    a.publish(scanTopic(GW_B), Buffer.from([1]), { qos: 1 });
    await within(closed, 10_000, 'the refused publisher to be disconnected');
    await endClient(a);
    broker.stop();
    expect(await broker.code).toBe(0);
  });

  test('a reload (SIGHUP) with a gateway removed from the file disconnects it (warn) and refuses it after; the others stay', async () => {
    const file = join(dir, 'reloaded.json');
    const all = await testCredentials();
    await writeFile(file, JSON.stringify(all));
    const broker = start(['--port', '0', '--credentials', file, '--log-level', 'warn']);
    const { brokerUrl } = await broker.ready;
    const a = await connectClient(brokerUrl, loginOf(USERS.gwA));
    const b = await connectClient(brokerUrl, loginOf(USERS.gwB));
    const aClosed = new Promise<void>((resolve) => a.once('close', () => resolve()));
    await writeFile(file, JSON.stringify(all.filter((c) => c.username !== USERS.gwA.username)));
    broker.reload();
    await within(aClosed, 10_000, 'the removed gateway to be disconnected');
    expect(broker.stderr()).toMatch(/"level":40[^\n]*"clientId":"gw-or3"[^\n]*"reason":"login no longer valid"/);
    await expect(connectClient(brokerUrl, loginOf(USERS.gwA))).rejects.toMatchObject({ code: 4 });
    // control: B, still in the file, is still connected and served
    expect(b.connected).toBe(true);
    await b.publishAsync(scanTopic(GW_B), Buffer.from([1]), { qos: 1 });
    await Promise.all([endClient(a), endClient(b)]);
    broker.stop();
    expect(await broker.code).toBe(0);
  });

  test('a damaged credentials file: exit 1 naming the entry and field, without the hash', async () => {
    const bad = join(dir, 'bad.json');
    await writeFile(bad, JSON.stringify([{ username: 'gw', passwordHash: 'plain-password', identity: { kind: 'gateway', site: 's', theatre: 't', gateway: 'g' } }]));
    const broker = start(['--port', '0', '--credentials', bad]);
    expect(await broker.code).toBe(1);
    expect(broker.stderr()).toMatch(/0\.passwordHash: must be a hash/);
    expect(broker.stderr()).not.toContain('plain-password');
  });
});
