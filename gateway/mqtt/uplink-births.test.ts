import { describe, expect, test } from 'vitest';
import { encodeUplinkState } from '../../protocol/uplink-state.ts';
import { UplinkBirths } from './uplink-births.ts';

const online = (epoch: string) => encodeUplinkState({ status: 'online', epoch });

describe('uplink births: when a gateway publishes its unreceipted scans again', () => {
  test('on each new epoch, not on the same one again, a will or a bad payload', () => {
    const births = new UplinkBirths();
    expect(births.isNews(online('a'), false)).toBe(true);
    expect(births.isNews(online('a'), false)).toBe(false);
    expect(births.isNews(encodeUplinkState({ status: 'offline' }), true)).toBe(false);
    expect(births.isNews(online('a'), true)).toBe(false); // the same uplink back on its kept session
    expect(births.isNews(Buffer.from('online a b'), false)).toBe(false);
    expect(births.isNews(online('b'), true)).toBe(true); // retained, but not the first we see
  });

  test('not on the first birth seen retained: that uplink was subscribed before we connected', () => {
    const births = new UplinkBirths();
    expect(births.isNews(online('a'), true)).toBe(false);
    expect(births.isNews(online('b'), false)).toBe(true);
  });
});
