// An ISBT 128 implant (human tissue, ICCBBA ST-011) through the national service: protobuf in,
// stored on SQLite, answered by the registry API with ICCBBA as the FHIR udiCarrier.issuer; and a
// database made before ISBT 128 migrates with its scans kept.
import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { decodeScanReceipt, encodeScanEvent } from '../protocol/wire.ts';
import { decodeReceiptsDelimited, encodeDelimited } from './http/batch-codec.ts';
import { checkScan } from './scan-check.ts';
import { MIGRATIONS } from './store/migrations.ts';
import { databaseAtVersion, OLD_SCAN_CODE } from './store/old-schema.test-support.ts';
import { migrate, openSqliteStore } from './store/sqlite.ts';
import { bearer, gs1Raw, http, LENS, scanEvent, startTestService, type TestService } from './test-support.ts';

// ST-011's example UDI as one Data Matrix compound message.
const ALLOGRAFT = ']d1=+06000=/A9999XYZ100T0476=,000025=A99972312345600=>025032=}023032&,1000000000000XYZ123';
const ICCBBA = 'http://hl7.org/fhir/NamingSystem/iccbba-other-di';

let t: TestService;
beforeAll(async () => {
  t = await startTestService();
});
afterAll(() => t.close());

describe('ISBT 128 at the national service', () => {
  test('is accepted, stored and answered with ICCBBA as the issuer (JSON and FHIR)', async () => {
    const event = scanEvent(ALLOGRAFT);
    expect(event.parse).toMatchObject({ ok: true, scheme: 'isbt128' });
    const r = await http(t.svc.url, {
      method: 'POST',
      path: '/v1/scans',
      headers: { ...bearer(t.uplinkToken), 'content-type': 'application/x-protobuf' },
      body: encodeDelimited([encodeScanEvent(event)]),
    });
    expect(r.status).toBe(200);
    const [receipt] = decodeReceiptsDelimited(r.body).map((b) => decodeScanReceipt(b));
    expect(receipt).toMatchObject({ ok: true, value: { status: 'accepted' } });
    const code = receipt!.ok ? receipt!.value.orderCode : null;

    const json = await http(t.svc.url, { path: `/v1/orders/${code}`, headers: bearer(t.registryToken) });
    expect(json.json().implants[0].udi).toEqual({
      scheme: 'isbt128',
      deviceIdentifier: 'A9999XYZ100T0476',
      issuer: ICCBBA,
      carrierHRF: ALLOGRAFT.slice(3),
      lotNumber: '000000000000XYZ123',
      serialNumber: '000025',
      expirationDate: '2025-02-01',
      manufactureDate: '2023-02-01',
    });
    const fhir = await http(t.svc.url, { path: `/v1/orders/${code}`, headers: { ...bearer(t.registryToken), accept: 'application/fhir+json' } });
    expect(fhir.json().entry[0].resource).toMatchObject({
      udiCarrier: [{ deviceIdentifier: 'A9999XYZ100T0476', issuer: ICCBBA, carrierHRF: ALLOGRAFT.slice(3), entryType: 'barcode' }],
      lotNumber: '000000000000XYZ123',
      serialNumber: '000025',
    });
  });

  test('a database of the first schema migrates: its scans kept and found by code, ISBT 128 scans storable', () => {
    const dir = mkdtempSync(join(tmpdir(), 'national-isbt-'));
    try {
      const path = join(dir, 'n.sqlite');
      const accepted = (raw: string) => {
        const c = checkScan(scanEvent(raw), 'sahlgrenska');
        if (!c.ok) throw new Error(c.messageCode);
        return c.scan;
      };
      const gs1 = accepted(gs1Raw(LENS));
      databaseAtVersion(path, 1, gs1);
      const db = new Database(path);
      expect(() => migrate(db)).not.toThrow();
      expect(db.pragma('user_version', { simple: true })).toBe(MIGRATIONS.length);
      expect(db.prepare('SELECT scheme, di FROM scans').all()).toEqual([{ scheme: 'gs1', di: LENS }]);
      db.close();
      const again = openSqliteStore(path);
      expect(again.getScan(gs1.scanId)).toMatchObject({ di: LENS });
      expect(again.findByCode(OLD_SCAN_CODE)).toMatchObject({ kind: 'scan', scan: { scanId: gs1.scanId } });
      const [isbt] = again.ingest([accepted(ALLOGRAFT)], 2);
      expect(again.getScan(isbt!.scan.scanId)).toMatchObject({ scheme: 'isbt128', di: 'A9999XYZ100T0476' });
      again.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
