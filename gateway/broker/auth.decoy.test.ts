// The unknown-username path of passwordAuthenticator, by counting work instead of timing it:
// scrypt calls are counted and the clock is fake, so the test sees which check ran and how long
// the answer to an unknown username waits, on any machine.
import FakeTimers from '@sinonjs/fake-timers';
import * as crypto from 'node:crypto';
import { afterEach, beforeEach, expect, test, vi } from 'vitest';
import { hashPassword, passwordAuthenticator, type ConnectRequest } from './auth.ts';
import type { GatewayIdentity } from './identity.ts';
import { LoginQueue } from './login-queue.ts';

vi.mock('node:crypto', async (importOriginal) => {
  const real = await importOriginal<typeof import('node:crypto')>();
  return { ...real, scrypt: vi.fn(real.scrypt), randomInt: vi.fn(real.randomInt) };
});
const realCrypto = await vi.importActual<typeof import('node:crypto')>('node:crypto');
const scrypt = vi.mocked(crypto.scrypt);

const GW: GatewayIdentity = { kind: 'gateway', site: 'sahlgrenska', theatre: 'or-3', gateway: 'gw-or3' };
const attempt = (username: string, password: string): ConnectRequest => ({ clientId: username, username, password: Buffer.from(password), tls: null, remoteAddress: '10.0.0.7' });

let clock: ReturnType<typeof FakeTimers.install>;
beforeEach(() => {
  clock = FakeTimers.install({ toFake: ['setTimeout', 'clearTimeout', 'performance'] });
});
afterEach(() => {
  clock.uninstall();
  vi.mocked(crypto.randomInt).mockRestore();
  scrypt.mockImplementation(realCrypto.scrypt as typeof crypto.scrypt);
});

/** Each scrypt call takes the next of `durations` (ms) of fake time, then runs for real. */
function scryptTakes(durations: number[]): void {
  scrypt.mockImplementation(((...args: Parameters<typeof realCrypto.scrypt>) => {
    clock.tick(durations.shift() ?? 0);
    return (realCrypto.scrypt as (...a: unknown[]) => void)(...args);
  }) as typeof crypto.scrypt);
}

test('the first unknown username, with no real check to copy, runs one scrypt at the real cost against a decoy', async () => {
  const authenticate = passwordAuthenticator([{ username: 'gw-or3', passwordHash: await hashPassword('s3cret'), identity: GW }], { queue: new LoginQueue() });
  scrypt.mockClear();
  expect(await authenticate(attempt('nobody', 's3cret'))).toBeNull();
  expect(scrypt).toHaveBeenCalledTimes(1);
  expect(scrypt.mock.calls[0]![3]).toMatchObject({ N: 16384, r: 8, p: 1 });
  expect(clock.countTimers()).toBe(0);
});

test('later unknown usernames wait as long as one of the last 32 real checks took, and run no scrypt', async () => {
  const authenticate = passwordAuthenticator([{ username: 'gw-or3', passwordHash: await hashPassword('s3cret'), identity: GW }], { queue: new LoginQueue({ burst: 100 }) });
  scryptTakes(Array.from({ length: 33 }, (_, i) => i + 1)); // check k takes k ms
  for (let k = 1; k <= 33; k++) expect(await authenticate(attempt('gw-or3', 'wrong'))).toBeNull();
  scrypt.mockClear();
  vi.mocked(crypto.randomInt).mockImplementation((() => 0) as unknown as typeof crypto.randomInt); // the oldest sample kept
  const before = clock.now;
  const answer = authenticate(attempt('nobody', 's3cret'));
  await clock.nextAsync();
  expect(await answer).toBeNull();
  expect(clock.now - before).toBe(2); // check 1 fell out of the window; check 2 is the oldest of the 32
  expect(scrypt).not.toHaveBeenCalled();
});
