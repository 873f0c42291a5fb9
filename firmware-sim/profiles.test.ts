// encodeScan, one setting at a time, at byte level.
import { describe, expect, it } from 'vitest';
import { charDelayMs, encodeScan, PROFILES, type ScannerSettings } from './profiles.ts';

const SCAN = ']d2010950600013435217290131\x1d10AB-1\x1d21X9';
const base: ScannerSettings = PROFILES.honeywell;
const hex = (b: Buffer): string => b.toString('hex');
const bytes = (s: string): string => Buffer.from(s, 'latin1').toString('hex');

describe('encodeScan', () => {
  it('profiles send the scan as read, with the AIM id, GS and CR', () => {
    for (const p of Object.values(PROFILES)) expect(hex(encodeScan(SCAN, p))).toBe(bytes(SCAN + '\r'));
    expect(PROFILES.zebra).toMatchObject({ aim: true, fnc1: 'gs', terminator: 'CR', baudRate: 9600, interCharDelayMs: 0, trickle: false });
  });

  it('aim: false strips the AIM identifier, and only that', () => {
    expect(hex(encodeScan(SCAN, { ...base, aim: false }))).toBe(bytes(SCAN.slice(3) + '\r'));
    expect(hex(encodeScan('+A99912345/$$52001510X33', { ...base, aim: false }))).toBe(bytes('+A99912345/$$52001510X33\r'));
    expect(hex(encodeScan(']C101', { ...base, aim: false }))).toBe(bytes('01\r'));
  });

  it('fnc1: gs keeps 0x1D, a substitute replaces it, drop removes it', () => {
    expect(encodeScan(SCAN, base).filter((b) => b === 0x1d)).toHaveLength(2);
    expect(hex(encodeScan(SCAN, { ...base, fnc1: { substitute: '^' } }))).toBe(bytes(SCAN.replaceAll('\x1d', '^') + '\r'));
    expect(hex(encodeScan(SCAN, { ...base, fnc1: { substitute: '<GS>' } }))).toBe(bytes(SCAN.replaceAll('\x1d', '<GS>') + '\r'));
    expect(hex(encodeScan(SCAN, { ...base, fnc1: 'drop' }))).toBe(bytes(SCAN.replaceAll('\x1d', '') + '\r'));
  });

  it.each([
    ['CR', '0d'],
    ['LF', '0a'],
    ['CRLF', '0d0a'],
    ['TAB', '09'],
    ['none', ''],
  ] as const)('terminator %s ends the scan with <%s>', (terminator, tail) => {
    expect(hex(encodeScan('AB', { ...base, terminator }))).toBe('4142' + tail);
  });

  it('prefix and suffix wrap the data, inside the terminator', () => {
    expect(hex(encodeScan(']d201', { ...base, prefix: '\x02', suffix: '\x03', terminator: 'CRLF' }))).toBe(bytes('\x02]d201\x03\r\n'));
    expect(hex(encodeScan(']d201', { ...base, aim: false, prefix: 'P:', suffix: ';' }))).toBe(bytes('P:01;\r'));
  });

  it('one byte per character (Latin-1)', () => {
    expect(hex(encodeScan('\xe9', { ...base, terminator: 'none' }))).toBe('e9');
  });
});

describe('charDelayMs', () => {
  it('is the setting, or 10 bits at the baud rate', () => {
    expect(charDelayMs({ ...base, interCharDelayMs: 7 })).toBe(7);
    expect(charDelayMs({ ...base, baudRate: 9600 })).toBeCloseTo(1.0417, 3);
    expect(charDelayMs({ ...base, baudRate: 115200 })).toBeCloseTo(0.0868, 3);
  });
});
