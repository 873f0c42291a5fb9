import { describe, expect, it } from 'vitest';
import { ScanLog, type StationScan } from './scan-log.ts';

const entry = (scanId: string, scannedAt: string): StationScan => ({
  scanId,
  status: 'stored',
  scannedAt,
  caseId: null,
  scheme: 'gs1',
  udi: null,
  orderCode: null,
  caseCode: null,
  productName: null,
  reason: null,
});

describe('scan log', () => {
  it('shows at most its capacity, newest first, however many scans came', () => {
    const now = Date.parse('2026-11-23T12:00:00');
    const log = new ScanLog(10, () => now);
    for (let i = 0; i < 1000; i++) log.add(entry(`s${i}`, new Date(now).toISOString()));
    const shown = log.today();
    expect(shown).toHaveLength(10);
    expect(shown.map((s) => s.scanId)).toEqual(Array.from({ length: 10 }, (_, i) => `s${999 - i}`));
    expect(log.get('s0')).toBeUndefined();
  });

  it("drops yesterday's scans once the clock passes midnight, and today's stay", () => {
    let now = Date.parse('2026-11-23T23:59:00');
    const log = new ScanLog(100, () => now);
    log.add(entry('late', new Date(now).toISOString()));
    expect(log.today().map((s) => s.scanId)).toEqual(['late']);
    now = Date.parse('2026-11-24T00:01:00');
    log.add(entry('early', new Date(now).toISOString()));
    expect(log.today().map((s) => s.scanId)).toEqual(['early']);
    expect(log.get('late')).toBeUndefined();
  });
});
