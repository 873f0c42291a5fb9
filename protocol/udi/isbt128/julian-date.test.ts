import { describe, expect, it } from 'vitest';
import { readJulianDate } from './julian-date.ts';

describe('ISBT 128 cyyjjj dates', () => {
  it('reads the dates of the ST-011 and ST-017 examples', () => {
    expect(readJulianDate('019031')).toEqual({ iso: '2019-01-31' });
    expect(readJulianDate('019032')).toEqual({ iso: '2019-02-01' });
    expect(readJulianDate('025032')).toEqual({ iso: '2025-02-01' });
    expect(readJulianDate('013032')).toEqual({ iso: '2013-02-01' });
  });

  it('knows leap years', () => {
    expect(readJulianDate('024366')).toEqual({ iso: '2024-12-31' });
    expect(readJulianDate('024060')).toEqual({ iso: '2024-02-29' });
    expect(readJulianDate('023366').problem).toBe('day ### of #### does not exist');
    expect(readJulianDate('023000').problem).toBe('day ### of #### does not exist');
  });

  it('counts the century digit from 2000', () => {
    expect(readJulianDate('100001')).toEqual({ iso: '2100-01-01' });
  });

  it('refuses anything but 6 digits', () => {
    expect(readJulianDate('01903').problem).toBe('it must be 6 digits, cyyjjj');
    expect(readJulianDate('01903A').problem).toBe('it must be 6 digits, cyyjjj');
  });
});
