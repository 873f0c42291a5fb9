import FakeTimers from '@sinonjs/fake-timers';
import type { PeerCertificate } from 'node:tls';
import { describe, expect, test } from 'vitest';
import { certificateAuthenticator, firstOf, hashPassword, isPasswordHash, localDemoAuthenticator, passwordAuthenticator, verifyPassword, type ConnectRequest } from './auth.ts';
import type { GatewayIdentity } from './identity.ts';
import { LoginBusyError, LoginQueue } from './login-queue.ts';

const GW: GatewayIdentity = { kind: 'gateway', site: 'sahlgrenska', theatre: 'or-3', gateway: 'gw-or3' };
const request = (over: Partial<ConnectRequest> = {}): ConnectRequest => ({ clientId: 'gw-or3', username: null, password: null, tls: null, remoteAddress: '127.0.0.1', ...over });

describe('password hashes', () => {
  test('hashPassword → verifyPassword; a wrong password or a damaged hash fails', async () => {
    const hash = await hashPassword('correct horse');
    expect(hash).toMatch(/^scrypt\$16384\$8\$1\$[A-Za-z0-9_-]+\$[A-Za-z0-9_-]+$/);
    expect(hash).not.toContain('correct horse');
    expect(isPasswordHash(hash)).toBe(true);
    expect(await verifyPassword(Buffer.from('correct horse'), hash)).toBe(true);
    expect(await verifyPassword(Buffer.from('correct horsf'), hash)).toBe(false);
    expect(await verifyPassword(Buffer.from('correct horse'), hash.replace('scrypt$16384', 'scrypt$16383'))).toBe(false);
    expect(await verifyPassword(Buffer.from('x'), 'plaintext')).toBe(false);
    expect(await hashPassword('correct horse')).not.toBe(hash); // salted
  });
});

describe('passwordAuthenticator', () => {
  test('the right username and password give the identity; anything else null', async () => {
    const authenticate = passwordAuthenticator([{ username: 'gw-or3', passwordHash: await hashPassword('s3cret'), identity: GW }]);
    expect(await authenticate(request({ username: 'gw-or3', password: Buffer.from('s3cret') }))).toEqual(GW);
    expect(await authenticate(request({ username: 'gw-or3', password: Buffer.from('wrong') }))).toBeNull();
    expect(await authenticate(request({ username: 'gw-or4', password: Buffer.from('s3cret') }))).toBeNull();
    expect(await authenticate(request({ username: 'gw-or3' }))).toBeNull();
    expect(await authenticate(request())).toBeNull();
  });

  test('an unknown username runs no scrypt: its answer waits on a timer for as long as a real check took', async () => {
    const authenticate = passwordAuthenticator([{ username: 'gw-or3', passwordHash: await hashPassword('s3cret'), identity: GW }]);
    expect(await authenticate(request({ username: 'gw-or3', password: Buffer.from('wrong') }))).toBeNull(); // a real check: its duration is the sample
    const clock = FakeTimers.install({ toFake: ['setTimeout', 'clearTimeout'] });
    try {
      let answer: unknown = 'pending';
      const done = authenticate(request({ username: 'nobody', password: Buffer.from('s3cret') })).then((v) => (answer = v));
      await new Promise((r) => setImmediate(r));
      expect(answer).toBe('pending');
      expect(clock.countTimers()).toBe(1); // what it waits for: a timer, not a hash
      await clock.runAllAsync();
      await done;
      expect(answer).toBeNull();
    } finally {
      clock.uninstall();
    }
  });

  test('attempts go through the login queue: over its bound, LoginBusyError without a check', async () => {
    const queue = new LoginQueue({ burst: 1, perSecond: 0 });
    const authenticate = passwordAuthenticator([{ username: 'gw-or3', passwordHash: await hashPassword('s3cret'), identity: GW }], { queue });
    expect(await authenticate(request({ username: 'gw-or3', password: Buffer.from('wrong') }))).toBeNull();
    await expect(authenticate(request({ username: 'gw-or3', password: Buffer.from('s3cret') }))).rejects.toBeInstanceOf(LoginBusyError);
    expect(await authenticate(request({ username: 'gw-or3', password: Buffer.from('s3cret'), remoteAddress: '10.1.1.1' }))).toEqual(GW); // control: another address
    expect(queue.stats).toMatchObject({ run: 2, refused: 1 });
  });

  test('a malformed hash or a repeated username is refused at construction', async () => {
    expect(() => passwordAuthenticator([{ username: 'a', passwordHash: 'secret', identity: GW }])).toThrow(/passwordHash/);
    const h = await hashPassword('x');
    expect(() =>
      passwordAuthenticator([
        { username: 'a', passwordHash: h, identity: GW },
        { username: 'a', passwordHash: h, identity: GW },
      ]),
    ).toThrow(/twice/);
  });
});

describe('certificateAuthenticator (identities from client certificates)', () => {
  const cert = { subject: { O: 'sahlgrenska', OU: 'or-3', CN: 'gw-or3' } } as unknown as PeerCertificate;
  const fromSubject = (c: PeerCertificate): GatewayIdentity | null =>
    typeof c.subject.CN === 'string' ? { kind: 'gateway', site: String(c.subject.O), theatre: String(c.subject.OU), gateway: c.subject.CN } : null;
  const authenticate = certificateAuthenticator(fromSubject);

  test('a verified certificate is mapped to its identity; the password is irrelevant', async () => {
    expect(await authenticate(request({ tls: { authorized: true, authorizationError: null, peerCertificate: cert }, password: Buffer.from('ignored') }))).toEqual(GW);
  });

  test('no TLS, no certificate, an unverified one, or an unmappable one: refused', async () => {
    expect(await authenticate(request())).toBeNull();
    expect(await authenticate(request({ tls: { authorized: true, authorizationError: null, peerCertificate: null } }))).toBeNull();
    expect(await authenticate(request({ tls: { authorized: false, authorizationError: 'CERT_HAS_EXPIRED', peerCertificate: cert } }))).toBeNull();
    const throwing = certificateAuthenticator(() => {
      throw new Error('bad subject');
    });
    expect(await throwing(request({ tls: { authorized: true, authorizationError: null, peerCertificate: cert } }))).toBeNull();
  });

  test('firstOf tries certificates, then passwords', async () => {
    const passwords = passwordAuthenticator([{ username: 'gw-or3', passwordHash: await hashPassword('pw'), identity: GW }]);
    const either = firstOf(authenticate, passwords);
    expect(await either(request({ username: 'gw-or3', password: Buffer.from('pw') }))).toEqual(GW);
    expect(await either(request({ username: 'gw-or3', password: Buffer.from('no') }))).toBeNull();
  });
});

test('localDemoAuthenticator lets everyone in as the local-demo identity', async () => {
  expect(await localDemoAuthenticator(request())).toEqual({ kind: 'local-demo' });
});
