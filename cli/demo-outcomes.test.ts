// The demo's outcome lines and --exit-on-eof's waits, on a real controller over the memory fakes.
import { describe, expect, it } from 'vitest';
import { ManualLink, testController } from '../gateway/fakes.test-support.ts';
import type { ScanReceipt } from '../protocol/wire.ts';
import { watchOutcomes } from './demo-outcomes.ts';

const scan = (i: number) => Buffer.from(`]d201073999900010921729013110LOT${i}\x1d21SN${i}`, 'latin1');
const receipt = (scanId: string): ScanReceipt => ({ scanId, orderCode: 'K7D2M9QX', caseCode: null, productName: 'Exempel', status: 'accepted', receivedAtMs: Date.now(), messageCode: 'ok' });

function setup() {
  const link = new ManualLink();
  const { controller } = testController(link);
  const lines: string[] = [];
  const outcomes = watchOutcomes(controller, (line) => void lines.push(line));
  /** Whether `p` has settled after the pending callbacks have run. */
  const settled = async (p: Promise<void>): Promise<boolean> => {
    let done = false;
    void p.then(() => (done = true));
    await new Promise((r) => setImmediate(r));
    return done;
  };
  /** Delivers a receipt and waits until the controller has shown it. */
  const receive = async (scanId: string): Promise<void> => {
    const seen = new Promise((r) => controller.once('receipt', r));
    link.emit('receipt', receipt(scanId));
    await seen;
  };
  return { link, controller, lines, outcomes, settled, receive };
}

describe('watchOutcomes', () => {
  it('waits for every accepted scan, also one older than the station page keeps (2,000 scans)', async () => {
    const { controller, link, outcomes, settled, receive } = setup();
    const ids: string[] = [];
    for (let i = 0; i < 2001; i++) {
      const o = await controller.handleFrame(scan(i));
      if (!o.accepted) throw new Error(`scan ${i} refused`);
      ids.push(o.scanId);
    }
    link.ackAll();
    await outcomes.untilDecided(2001, new AbortController().signal);
    // The newest 2,000 come back first; the first scan is out of the scan log but still waits.
    for (const id of ids.slice(1)) await receive(id);
    const receipted = outcomes.untilReceipted(new AbortController().signal);
    expect(await settled(receipted)).toBe(false);
    await receive(ids[0]!);
    expect(await settled(receipted)).toBe(true);
  });

  it('prints one line per outcome: a receipt with its order code, a refusal with its reason, a case card', async () => {
    const { controller, link, lines, receive } = setup();
    const accepted = await controller.handleFrame(scan(1));
    await controller.handleFrame(Buffer.from('19121212-1212', 'latin1'));
    await controller.handleFrame(Buffer.from('IMPLANTSCAN:CASE:NEW', 'latin1'));
    link.ackAll();
    if (!accepted.accepted) throw new Error('refused');
    await receive(accepted.scanId);
    expect(lines.map((l) => l.split(' ')[0])).toEqual(['refused', 'case', 'receipt']);
    expect(JSON.parse(lines[2]!.slice('receipt '.length))).toEqual({ scanId: accepted.scanId, status: 'accepted', orderCode: 'K7D2M9QX', productName: 'Exempel' });
    expect(lines[0]).not.toContain('19121212');
  });

  it('is done at once when nothing was accepted, and an abort ends both waits', async () => {
    const { controller, outcomes, settled } = setup();
    expect(await settled(outcomes.untilReceipted(new AbortController().signal))).toBe(true);
    await controller.handleFrame(scan(7));
    const abort = new AbortController();
    const decided = outcomes.untilDecided(5, abort.signal);
    const receipted = outcomes.untilReceipted(abort.signal);
    expect([await settled(decided), await settled(receipted)]).toEqual([false, false]);
    abort.abort();
    expect([await settled(decided), await settled(receipted)]).toEqual([true, true]);
  });

  it('a receipt that overtakes its accepted event does not leave the scan waiting', async () => {
    const { controller, outcomes, settled } = setup();
    controller.emit('receipt', receipt('0190b6d4-0000-7000-8000-000000000001'), undefined);
    controller.emit('accepted', { scanId: '0190b6d4-0000-7000-8000-000000000001' } as never);
    expect(await settled(outcomes.untilReceipted(new AbortController().signal))).toBe(true);
  });
});
