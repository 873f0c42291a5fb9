// The theatre gateway takes an ISBT 128 implant (human tissue, ICCBBA ST-011) as a product: stored,
// published over the wire with its scheme, while the personal-id guard still runs on it.
import { describe, expect, it } from 'vitest';
import { parse } from '../protocol/udi/index.ts';
import { decodeScanEvent } from '../protocol/wire.ts';
import { ManualLink, testController } from './fakes.test-support.ts';
import { decide } from './scan-decision.ts';

const ALLOGRAFT = ']d1=+06000=/A9999XYZ100T0476=,000025=A99972312345600=>025032=}023032&,1000000000000XYZ123';
// The same label whose DIN reads as 1919-12-12, number 1234.
const DIN_LIKE_PERSONNUMMER = ']d1=+03000=/A9997XYZ100T0479=A19191212123400=,000012';

function setup() {
  const link = new ManualLink();
  link.online = true;
  const logs: string[] = [];
  const { controller, outbox } = testController(link, undefined, logs);
  return { outbox, link, logs, controller };
}

const bytes = (s: string) => new Uint8Array(Buffer.from(s, 'latin1'));

describe('ISBT 128 at the gateway', () => {
  it('the scan decision takes an ISBT 128 UDI as a product, a DIN alone not', () => {
    expect(decide(parse(ALLOGRAFT))).toEqual({ accept: true });
    expect(decide(parse(']C0=A99991712345600'))).toMatchObject({ accept: false, reason: 'invalid', code: 'not-a-product' });
  });

  it('stores and publishes it with scheme isbt128 on the wire', async () => {
    const { outbox, link, controller } = setup();
    const outcome = await controller.handleFrame(bytes(ALLOGRAFT), Date.parse('2026-11-23T08:00:00Z'));
    expect(outcome).toMatchObject({ accepted: true });
    const scanId = (outcome as { scanId: string }).scanId;
    const stored = decodeScanEvent(outbox.records.get(scanId)!);
    expect(stored.ok && stored.value.parse).toMatchObject({
      scheme: 'isbt128',
      udi: { di: 'A9999XYZ100T0476', lot: '000000000000XYZ123', serial: '000025', expiry: '2025-02-01', manufactured: '2023-02-01' },
    });
    expect(link.published.map((e) => e.scanId)).toEqual([scanId]);
  });

  it('refuses one whose DIN looks like a personnummer, storing and logging none of it', async () => {
    const { outbox, link, logs, controller } = setup();
    expect(await controller.handleFrame(bytes(DIN_LIKE_PERSONNUMMER))).toMatchObject({ accepted: false, reason: 'personal-id' });
    expect(outbox.depth).toBe(0);
    expect(link.published).toHaveLength(0);
    expect(logs.join('')).not.toMatch(/191212|1212/);
  });
});
