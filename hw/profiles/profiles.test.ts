import { describe, expect, it } from 'vitest';
import { EXPECTED_SETTINGS, normalizeUsbId, PROFILES, profileFor } from './index.ts';

const HEX4 = /^[0-9a-f]{4}$/;

describe('scanner profiles', () => {
  it('lists Honeywell, Zebra and Datalogic with their USB vendor ids', () => {
    expect(PROFILES.map((p) => [p.family, p.vendorId])).toEqual([
      ['Honeywell', '0c2e'],
      ['Zebra', '05e0'],
      ['Datalogic', '05f9'],
    ]);
  });

  it('vendor ids are unique', () => {
    expect(new Set(PROFILES.map((p) => p.vendorId)).size).toBe(PROFILES.length);
  });

  for (const p of PROFILES) {
    it(`${p.family} is complete`, () => {
      expect(p.vendorId).toMatch(HEX4);
      expect(p.usbVendorName.length).toBeGreaterThan(0);
      expect(p.manuals.length).toBeGreaterThan(0);
      for (const m of p.manuals) expect(m.trim().length).toBeGreaterThan(0);
      expect(Object.keys(p.settings).sort()).toEqual(Object.keys(EXPECTED_SETTINGS).sort());
      for (const text of Object.values(p.settings)) expect(text.trim().length).toBeGreaterThan(10);
      expect(p.productIds.some((x) => x.mode === 'cdc')).toBe(true);
      for (const x of p.productIds) expect(x.id).toMatch(HEX4);
      expect(new Set(p.productIds.map((x) => x.id)).size).toBe(p.productIds.length);
    });
  }
});

describe('profileFor', () => {
  it('finds the family and the known product, whatever the id spelling', () => {
    const m = profileFor('0x05E0', 0x1701);
    expect(m?.profile.family).toBe('Zebra');
    expect(m?.product).toMatchObject({ id: '1701', mode: 'cdc' });
    expect(profileFor(0xc2e, '720')?.product?.mode).toBe('cdc');
  });

  it('a known vendor with an unknown product is still its family', () => {
    const m = profileFor('05f9', 'beef');
    expect(m?.profile.family).toBe('Datalogic');
    expect(m?.product).toBeUndefined();
  });

  it('tells a scanner in keyboard mode', () => {
    expect(profileFor('0c2e', '0204')?.product?.mode).toBe('keyboard');
  });

  it('unknown vendors and malformed ids give undefined', () => {
    expect(profileFor('1234', '0001')).toBeUndefined();
    expect(profileFor('05e0x', '1701')).toBeUndefined();
    expect(normalizeUsbId(0x10000)).toBeUndefined();
    expect(normalizeUsbId(' 5E0 ')).toBe('05e0');
  });
});
