import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { decodeUplinkState, encodeUplinkState } from './uplink-state.ts';

describe('uplink state payload', () => {
  test('a birth and a will read back as written', () => {
    expect(encodeUplinkState({ status: 'online', epoch: 'k3J9-x_Q' }).toString()).toBe('online k3J9-x_Q');
    expect(decodeUplinkState(encodeUplinkState({ status: 'online', epoch: 'k3J9-x_Q' }))).toEqual({ status: 'online', epoch: 'k3J9-x_Q' });
    expect(decodeUplinkState(encodeUplinkState({ status: 'offline' }))).toEqual({ status: 'offline' });
  });

  test('an epoch that is not an id is refused when writing and when reading', () => {
    expect(() => encodeUplinkState({ status: 'online', epoch: 'a b' })).toThrow(TypeError);
    for (const text of ['online ', 'online a b', 'online a/b', 'Online abc', 'offline ', ' offline', `online ${'a'.repeat(65)}`, '']) {
      expect(decodeUplinkState(Buffer.from(text))).toBeNull();
    }
    expect(decodeUplinkState('online abc')).toBeNull(); // not bytes
  });

  test('untrusted bytes: never throws; whatever decodes encodes to the same bytes', () => {
    const candidate = fc.oneof(fc.uint8Array({ maxLength: 100 }), fc.stringMatching(/^(online|offline)( [A-Za-z0-9_/ -]{0,70})?$/).map((s) => Buffer.from(s)));
    fc.assert(
      fc.property(candidate, (bytes) => {
        const state = decodeUplinkState(bytes);
        if (state !== null) expect(Buffer.compare(encodeUplinkState(state), Buffer.from(bytes))).toBe(0);
      }),
      { numRuns: 2000 },
    );
  });
});
