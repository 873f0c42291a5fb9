// The bounded, fair queue of password checks (login-queue.ts), with checks the test completes
// by hand and a clock it moves: no scrypt, no timing.

import { describe, expect, test } from 'vitest';
import { LoginBusyError, LoginQueue } from './login-queue.ts';

/** A check that completes when the test says so, and records the order checks started in. */
function harness() {
  const started: string[] = [];
  const finish = new Map<string, () => void>();
  const check = (name: string) => () =>
    new Promise<boolean>((resolve) => {
      started.push(name);
      finish.set(name, () => resolve(true));
    });
  const complete = async (name: string) => {
    finish.get(name)!();
    await new Promise((r) => setImmediate(r));
  };
  return { started, check, complete };
}

const OPEN = { burst: 1e9, perSecond: 0, maxQueued: 1e9, maxQueuedPerAddress: 1e9 };

describe('LoginQueue', () => {
  test('at most maxInFlight checks run at once', async () => {
    const q = new LoginQueue({ ...OPEN, maxInFlight: 2 });
    const h = harness();
    const all = ['a', 'b', 'c', 'd'].map((n) => q.run('10.0.0.1', h.check(n)));
    expect(h.started).toEqual(['a', 'b']);
    await h.complete('a');
    expect(h.started).toEqual(['a', 'b', 'c']);
    expect(q.inFlight).toBe(2);
    for (const n of ['b', 'c', 'd']) await h.complete(n);
    expect(await Promise.all(all)).toEqual([true, true, true, true]);
  });

  test('fair by address: a login from B waits one turn behind a thousand queued from A, not a thousand', async () => {
    const q = new LoginQueue({ ...OPEN, maxInFlight: 1 });
    const h = harness();
    for (let i = 0; i < 1000; i++) void q.run('10.0.0.66', h.check(`flood-${i}`));
    const legit = q.run('10.0.0.7', h.check('legit'));
    await h.complete('flood-0');
    expect(h.started).toEqual(['flood-0', 'legit']);
    await h.complete('legit');
    expect(await legit).toBe(true);
    expect(q.queuedFrom('10.0.0.66')).toBe(998);
  });

  test('round-robin over three busy addresses', async () => {
    const q = new LoginQueue({ ...OPEN, maxInFlight: 1 });
    const h = harness();
    for (const a of ['a', 'b', 'c']) for (let i = 0; i < 2; i++) void q.run(a, h.check(`${a}${i}`));
    for (const n of ['a0', 'b0', 'c0', 'a1', 'b1']) await h.complete(n);
    expect(h.started).toEqual(['a0', 'b0', 'c0', 'a1', 'b1', 'c1']);
  });

  test('over the per-address or the total queue bound: refused at once, without running the check', async () => {
    const q = new LoginQueue({ ...OPEN, maxInFlight: 1, maxQueuedPerAddress: 2, maxQueued: 3 });
    const h = harness();
    void q.run('a', h.check('a1')); // runs
    void q.run('a', h.check('a2'));
    void q.run('a', h.check('a3'));
    await expect(q.run('a', h.check('a4'))).rejects.toBeInstanceOf(LoginBusyError);
    void q.run('b', h.check('b1'));
    await expect(q.run('c', h.check('c1'))).rejects.toBeInstanceOf(LoginBusyError);
    expect(h.started).toEqual(['a1']);
    expect(q.stats.refused).toBe(2);
  });

  test('rate limit per address: `burst` failed attempts, then `perSecond`; a success gives its token back', async () => {
    let now = 0;
    const q = new LoginQueue({ maxInFlight: 10, maxQueued: 100, maxQueuedPerAddress: 100, burst: 3, perSecond: 1 }, () => now);
    const fail = () => Promise.resolve(false);
    const ok = () => Promise.resolve(true);
    for (let i = 0; i < 3; i++) expect(await q.run('a', fail, { succeeded: (r) => r })).toBe(false);
    await expect(q.run('a', fail)).rejects.toBeInstanceOf(LoginBusyError);
    expect(await q.run('b', fail)).toBe(false); // another address has its own budget
    now += 1000;
    expect(await q.run('a', ok, { succeeded: (r) => r })).toBe(true); // the refilled token, given back
    expect(await q.run('a', fail, { succeeded: (r) => r })).toBe(false);
    await expect(q.run('a', fail)).rejects.toBeInstanceOf(LoginBusyError);
    expect(q.wouldAccept('a')).toBe(false); // what the broker asks at accept
    expect(q.wouldAccept('b')).toBe(true);
    now += 1000;
    expect(q.wouldAccept('a')).toBe(true);
  });

  test('a check whose connection closed while it waited is dropped unrun', async () => {
    const q = new LoginQueue({ ...OPEN, maxInFlight: 1 });
    const h = harness();
    void q.run('a', h.check('first'));
    const gone = new AbortController();
    const waiting = q.run('b', h.check('gone'), { signal: gone.signal });
    gone.abort();
    const refused = expect(waiting).rejects.toBeInstanceOf(LoginBusyError);
    await h.complete('first');
    await refused;
    expect(h.started).toEqual(['first']);
    expect(q.stats.dropped).toBe(1);
  });
});
