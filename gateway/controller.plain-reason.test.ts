// What the station page shows for a refusal: the nurse's plain reason, for a scan the parser
// refuses and for a receipt the national service rejects; the log keeps the precise message.
import { describe, expect, it } from 'vitest';
import { plainReason } from '../protocol/udi/index.ts';
import type { ScanReceipt } from '../protocol/wire.ts';
import { ManualLink, testController } from './fakes.test-support.ts';

function controllerWithLog() {
  const link = new ManualLink();
  link.online = true;
  const logs: string[] = [];
  return { controller: testController(link, undefined, logs).controller, link, logs };
}

const bytes = (s: string) => new Uint8Array(Buffer.from(s, 'latin1'));

describe('refusals in plain words', () => {
  it('a scan read incompletely: the plain reason on the station page, the precise one in the log', async () => {
    const { controller, logs } = controllerWithLog();
    const refused = new Promise<{ reason: { code: string; message: string } | null }>((r) => controller.once('refused', r));
    await controller.handleFrame(bytes(']d201095060001343'));
    expect((await refused).reason).toEqual({ code: 'truncated', message: 'The barcode was read incompletely — scan again.' });
    const line = logs.map((l) => JSON.parse(l) as { msg: string; detail?: string }).find((l) => l.msg === 'scan refused');
    expect(line?.detail).toMatch(/^\(01\) .*14 characters/);
  });

  it('a receipt the national service rejects with a parser code shows that code’s plain reason; another code a general one', async () => {
    const { controller, link } = controllerWithLog();
    const receipted = async (messageCode: string) => {
      const { scanId } = (await controller.handleFrame(bytes(']d2010950600013435217290131'))) as { scanId: string };
      link.ackAll();
      const receipt: ScanReceipt = { scanId, orderCode: null, caseCode: null, productName: null, status: 'rejected', receivedAtMs: Date.now(), messageCode };
      const seen = new Promise((r) => controller.once('receipt', r));
      link.emit('receipt', receipt);
      await seen;
      return controller.scanLog.get(scanId)?.reason;
    };
    expect(await receipted('not-a-product')).toEqual({ code: 'not-a-product', message: plainReason('not-a-product') });
    expect(await receipted('wrong-site')).toEqual({ code: 'wrong-site', message: 'The national service refused this scan.' });
  });
});
