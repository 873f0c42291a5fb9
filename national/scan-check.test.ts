import { describe, expect, it, vi } from 'vitest';
import type { ParseResult } from '../protocol/udi/index.ts';
import { checkScan, fingerprint } from './scan-check.ts';
import { GS, scanEvent } from './test-support.ts';

const GS1 = `]d2010950600013435217290131${GS}10AB-123`;
const HIBC = '+A99912345/$$52001510X33';
/** 1975-06-01: a two-digit year 29 is then 1929, not 2029. */
const IN_1975 = Date.UTC(1975, 5, 1);

describe('checkScan', () => {
  it('refuses a scan from another site', () => {
    expect(checkScan(scanEvent(GS1, { site: 'karolinska' }), 'sahlgrenska')).toEqual({ ok: false, messageCode: 'wrong-site' });
  });

  it('refuses personal data anywhere in the event, and a case id that is not a code', () => {
    expect(checkScan(scanEvent(GS1, { caseId: '19121212-1212' }), 'sahlgrenska')).toEqual({ ok: false, messageCode: 'personal-id' });
    expect(checkScan(scanEvent('19121212-1212'), 'sahlgrenska')).toEqual({ ok: false, messageCode: 'personal-id' });
    expect(checkScan(scanEvent(GS1, { caseId: 'case 42' }), 'sahlgrenska')).toEqual({ ok: false, messageCode: 'invalid-case-id' });
  });

  it("refuses a scan its own parse rejects, with the parser's first error code", () => {
    expect(checkScan(scanEvent(']d20107399990001093'), 'sahlgrenska')).toEqual({ ok: false, messageCode: 'bad-check-digit' });
    expect(checkScan(scanEvent('hello world'), 'sahlgrenska')).toEqual({ ok: false, messageCode: 'unrecognised' });
    expect(checkScan(scanEvent(']d21729123110LOT42'), 'sahlgrenska')).toEqual({ ok: false, messageCode: 'missing-required-ai' });
  });

  it("keeps the event's fields and its own parse of the raw bytes", () => {
    const event = scanEvent(GS1, { historical: true });
    const c = checkScan(event, 'sahlgrenska');
    expect(c).toEqual({
      ok: true,
      parseMismatch: false,
      scan: {
        scanId: event.scanId,
        fingerprint: fingerprint(event),
        site: 'sahlgrenska',
        theatre: 'or-3',
        gatewayId: 'gw-or3',
        caseId: 'case-0042',
        sequence: event.sequence.toString(),
        scannedAtMs: event.scannedAtMs,
        historical: true,
        raw: event.raw,
        symbology: ']d2',
        scheme: 'gs1',
        di: '09506000134352',
        lot: 'AB-123',
        serial: null,
        expiry: '2029-01-31',
        manufactured: null,
        carrierHrf: '(01)09506000134352(17)290131(10)AB-123',
      },
    });
  });

  it('reads two-digit years against the scan time, not the clock', () => {
    const c = checkScan(scanEvent(GS1, { scannedAtMs: IN_1975 }), 'sahlgrenska');
    expect(c).toMatchObject({ ok: true, scan: { expiry: '1929-01-31' } });
  });

  it("reads the site's FNC1 substitutes only when told", () => {
    const raw = `]d2010950600013435217290131${'10'}LOT42|21SER`;
    expect(checkScan(scanEvent(raw), 'sahlgrenska')).toEqual({ ok: false, messageCode: 'bad-charset' });
    expect(checkScan(scanEvent(raw), 'sahlgrenska', { gsSubstitutes: ['|'] })).toMatchObject({ ok: true, scan: { lot: 'LOT42', serial: 'SER' } });
  });

  it('refuses a personal identity number that only the FNC1 substitutes reveal', () => {
    // Read with '|' as FNC1 the serial is 1212121212; without, one 12-digit run of an impossible century.
    const raw = `]d2010950600013435217290131${'10'}LOT|211212121212`;
    expect(checkScan(scanEvent(raw), 'sahlgrenska')).toEqual({ ok: false, messageCode: 'bad-charset' });
    expect(checkScan(scanEvent(raw), 'sahlgrenska', { gsSubstitutes: ['|'] })).toEqual({ ok: false, messageCode: 'personal-id' });
  });

  it("flags a gateway parse that disagrees with its own in scheme or any UDI field (its own is kept)", () => {
    const event = scanEvent(GS1);
    const claims = [
      { ...event.parse, scheme: 'hibc' as const },
      ...(['di', 'lot', 'serial', 'expiry', 'manufactured'] as const).map((k) => ({ ...event.parse, udi: { ...event.parse.udi, [k]: 'X1' } })),
    ];
    for (const parse of claims) {
      expect(checkScan({ ...event, parse }, 'sahlgrenska')).toMatchObject({ ok: true, parseMismatch: true, scan: { lot: 'AB-123' } });
    }
    // A field the gateway left out counts as null.
    const { serial: _serial, ...withoutSerial } = event.parse.udi;
    expect(checkScan({ ...event, parse: { ...event.parse, udi: withoutSerial as typeof event.parse.udi } }, 'sahlgrenska')).toMatchObject({ ok: true, parseMismatch: false });
  });

  it('gives HIBC as printed: without the symbology identifier and the trailing line end', () => {
    expect(checkScan(scanEvent(`]C0${HIBC}\r\n`), 'sahlgrenska')).toMatchObject({ ok: true, scan: { scheme: 'hibc', symbology: ']C0', carrierHrf: HIBC } });
    expect(checkScan(scanEvent(`${HIBC}\t\r\n`), 'sahlgrenska')).toMatchObject({ ok: true, scan: { symbology: null, carrierHrf: HIBC } });
  });
});

describe('checkScan does not trust a parse that contradicts itself', () => {
  const noUdi = { di: null, lot: null, serial: null, expiry: null, manufactured: null };
  /** checkScan with the parser (a mock: one unit) answering `answer` for every scan. */
  async function checkWithParse(answer: ParseResult) {
    vi.resetModules();
    vi.doMock('../protocol/udi/index.ts', async (original) => ({ ...(await original<object>()), parse: () => answer }));
    try {
      const { checkScan: check } = await import('./scan-check.ts');
      return check(scanEvent(GS1), 'sahlgrenska');
    } finally {
      vi.doUnmock('../protocol/udi/index.ts');
      vi.resetModules();
    }
  }

  it('refuses an accepted parse without a product id, or of no product scheme', async () => {
    const base = { ok: true, symbology: ']d2', elements: [], errors: [] };
    expect(await checkWithParse({ ...base, scheme: 'gs1', udi: noUdi })).toEqual({ ok: false, messageCode: 'not-a-product' });
    expect(await checkWithParse({ ...base, scheme: 'unknown', udi: { ...noUdi, di: '09506000134352' } })).toEqual({ ok: false, messageCode: 'not-a-product' });
  });

  it('names a refusal that carries no error "unrecognised"', async () => {
    expect(await checkWithParse({ ok: false, scheme: 'unknown', symbology: null, elements: [], udi: noUdi, errors: [] })).toEqual({ ok: false, messageCode: 'unrecognised' });
  });
});

describe('fingerprint', () => {
  it('is the same for a retry (historical, the gateway parse) and differs when any content field differs', () => {
    const event = scanEvent(GS1);
    const base = fingerprint(event);
    expect(base).toMatch(/^[0-9a-f]{64}$/);
    expect(fingerprint({ ...event, historical: true, parse: { ...event.parse, udi: { ...event.parse.udi, lot: 'X' } } })).toBe(base);
    const changes = [
      { scanId: 'other' },
      { gatewayId: 'gw-or4' },
      { site: 'karolinska' },
      { theatre: 'or-4' },
      { caseId: 'case-0043' },
      { sequence: event.sequence + 1n },
      { scannedAtMs: event.scannedAtMs + 1 },
      { symbology: ']d1' },
      { raw: Uint8Array.from([...event.raw, 0x31]) },
    ];
    for (const change of changes) expect(fingerprint({ ...event, ...change })).not.toBe(base);
  });
});
