import FakeTimers from '@sinonjs/fake-timers';
import { scryptSync } from 'node:crypto';
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

describe('password hash bounds: a credential file cannot ask for absurd scrypt work or weak keys', () => {
  const salt = (bytes: number) => Buffer.alloc(bytes, 7).toString('base64url');
  const key = (bytes: number) => Buffer.alloc(bytes, 9).toString('base64url');
  const hash = ({ N = 16384, r = 8, p = 1, s = 16, k = 32, prefix = 'scrypt' } = {}) => [prefix, N, r, p, salt(s), key(k)].join('$');

  test.each([
    ['the defaults', hash(), true],
    ['N = 2, the smallest power of two', hash({ N: 2 }), true],
    ['N = 2^20, the largest', hash({ N: 1 << 20 }), true],
    ['N = 1', hash({ N: 1 }), false],
    ['N = 2^21', hash({ N: 1 << 21 }), false],
    ['N not a power of two', hash({ N: 16383 }), false],
    ['N not an integer', hash({ N: 2.5 }), false],
    ['r = 1 and r = 32, the bounds', hash({ r: 1 }) + '|' + hash({ r: 32 }), true],
    ['r = 0', hash({ r: 0 }), false],
    ['r = 33', hash({ r: 33 }), false],
    ['r not an integer', hash({ r: 1.5 }), false],
    ['p = 1 and p = 16, the bounds', hash({ p: 1 }) + '|' + hash({ p: 16 }), true],
    ['p = 0', hash({ p: 0 }), false],
    ['p = 17', hash({ p: 17 }), false],
    ['p not an integer', hash({ p: 1.5 }), false],
    ['a salt of 8 bytes', hash({ s: 8 }), true],
    ['a salt of 7 bytes', hash({ s: 7 }), false],
    ['keys of 16 and 64 bytes', hash({ k: 16 }) + '|' + hash({ k: 64 }), true],
    ['a key of 15 bytes', hash({ k: 15 }), false],
    ['a key of 65 bytes', hash({ k: 65 }), false],
    ['another scheme', hash({ prefix: 'bcrypt' }), false],
    ['a seventh part', hash() + '$extra', false],
    ['a part missing', hash().split('$').slice(0, 5).join('$'), false],
  ])('%s: %s', (_, hashes, expected) => {
    for (const h of hashes.split('|')) expect(isPasswordHash(h), h).toBe(expected);
  });

  test('a password is checked with the cost its hash names, not the default cost', async () => {
    const s = Buffer.alloc(16, 3);
    const k = scryptSync('pw', s, 32, { N: 1024, r: 4, p: 2 });
    const cheap = ['scrypt', 1024, 4, 2, s.toString('base64url'), k.toString('base64url')].join('$');
    expect(await verifyPassword(Buffer.from('pw'), cheap)).toBe(true);
    expect(await verifyPassword(Buffer.from('pw'), cheap.replace('$4$2$', '$4$1$'))).toBe(false);
  });
});

describe('passwordAuthenticator: the login budget and re-checks', () => {
  const credentials = async () => [{ username: 'gw-or3', passwordHash: await hashPassword('s3cret'), identity: GW }];

  test('only a failed attempt spends the address\'s budget: a success gives it back, an unknown username does not', async () => {
    const queue = new LoginQueue({ burst: 1, perSecond: 0 });
    const authenticate = passwordAuthenticator(await credentials(), { queue });
    for (let i = 0; i < 3; i++) expect(await authenticate(request({ username: 'gw-or3', password: Buffer.from('s3cret') }))).toEqual(GW);
    expect(await authenticate(request({ username: 'nobody', password: Buffer.from('s3cret') }))).toBeNull();
    await expect(authenticate(request({ username: 'gw-or3', password: Buffer.from('s3cret') }))).rejects.toBeInstanceOf(LoginBusyError);
    expect(authenticate.acceptsFrom?.('127.0.0.1')).toBe(false);
    expect(authenticate.acceptsFrom?.('10.1.1.1')).toBe(true); // control: an address with budget left
  });

  test('a client without an address shares one budget', async () => {
    const queue = new LoginQueue({ burst: 1, perSecond: 0 });
    const authenticate = passwordAuthenticator(await credentials(), { queue });
    expect(await authenticate(request({ username: 'gw-or3', password: Buffer.from('no'), remoteAddress: null }))).toBeNull();
    await expect(authenticate(request({ username: 'gw-or3', password: Buffer.from('s3cret'), remoteAddress: null }))).rejects.toBeInstanceOf(LoginBusyError);
  });

  test('an attempt whose connection has already closed runs no check', async () => {
    const queue = new LoginQueue();
    const authenticate = passwordAuthenticator(await credentials(), { queue });
    const closed = new AbortController();
    closed.abort();
    await expect(authenticate(request({ username: 'gw-or3', password: Buffer.from('s3cret'), signal: closed.signal }))).rejects.toThrow(/closed before/);
    expect(queue.stats).toMatchObject({ run: 0, dropped: 1 });
  });

  test('stillValid: the same username naming the same identity; not a removed, changed or missing username', async () => {
    const authenticate = passwordAuthenticator(await credentials());
    expect(authenticate.stillValid?.({ username: 'gw-or3', identity: { ...GW } })).toBe(true);
    expect(authenticate.stillValid?.({ username: 'gw-or3', identity: { ...GW, theatre: 'or-4' } })).toBe(false);
    expect(authenticate.stillValid?.({ username: 'gw-or9', identity: GW })).toBe(false);
    expect(authenticate.stillValid?.({ username: null, identity: GW })).toBe(false);
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
    // An authorized session without a certificate is refused before the mapping is asked.
    const anyone = certificateAuthenticator(() => GW);
    expect(await anyone(request({ tls: { authorized: true, authorizationError: null, peerCertificate: null } }))).toBeNull();
    expect(await anyone(request({ tls: { authorized: true, authorizationError: null, peerCertificate: cert } }))).toEqual(GW); // control
  });

  test('firstOf tries certificates, then passwords', async () => {
    const passwords = passwordAuthenticator([{ username: 'gw-or3', passwordHash: await hashPassword('pw'), identity: GW }]);
    const either = firstOf(authenticate, passwords);
    expect(await either(request({ username: 'gw-or3', password: Buffer.from('pw') }))).toEqual(GW);
    expect(await either(request({ username: 'gw-or3', password: Buffer.from('no') }))).toBeNull();
  });

  test('firstOf: a failing authenticator is skipped, a busy login queue is not', async () => {
    const broken = (async () => {
      throw new Error('mapping failed');
    }) as typeof localDemoAuthenticator;
    expect(await firstOf(broken, localDemoAuthenticator)(request())).toEqual({ kind: 'local-demo' });
    const busy = (async () => {
      throw new LoginBusyError('busy');
    }) as typeof localDemoAuthenticator;
    await expect(firstOf(busy, localDemoAuthenticator)(request())).rejects.toBeInstanceOf(LoginBusyError);
  });
});

test('localDemoAuthenticator lets everyone in as the local-demo identity', async () => {
  expect(await localDemoAuthenticator(request())).toEqual({ kind: 'local-demo' });
});
