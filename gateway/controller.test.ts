import pino from 'pino';
import { describe, expect, it, vi } from 'vitest';
import { decodeScanEvent, type ScanReceipt } from '../protocol/wire.ts';
import { parseConfig } from './config.ts';
import { CONTROL_NEW_CASE, GatewayController } from './controller.ts';
import { ManualLink, MemoryOutbox, RecordingIndicator } from './fakes.test-support.ts';
import { GatewayMetrics } from './metrics.ts';

const GTIN_SCAN = ']d2010735000011111817290131\x1d10LOT-42';
const PERSONNUMMER = '19121212-1212';

function setup(online = true, sequence?: () => Promise<bigint>, broker: { maxInFlight?: number } = {}) {
  const outbox = new MemoryOutbox();
  const link = new ManualLink();
  link.online = online;
  const metrics = new GatewayMetrics();
  const indicator = new RecordingIndicator();
  const logs: string[] = [];
  const logger = pino({ level: 'debug' }, { write: (line: string) => void logs.push(line) });
  let seq = 0n;
  const controller = new GatewayController({
    config: parseConfig({ site: 'sahlgrenska', theatre: 'or-7', gateway: 'gw-or7', broker }),
    outbox,
    link,
    metrics,
    logger,
    indicator,
    sequence: { next: sequence ?? (async () => ++seq) },
  });
  return { outbox, link, metrics, indicator, logs, controller };
}

const bytes = (s: string) => new Uint8Array(Buffer.from(s, 'latin1'));

describe('gateway controller', () => {
  it('accepts a product code: fsynced in the outbox, then published, then good-read', async () => {
    const { outbox, link, indicator, controller, metrics } = setup();
    // One log of what happened, in order: the append's fsync completes only when the test says so.
    const order: string[] = [];
    const append = outbox.append.bind(outbox);
    let fsync!: () => void;
    outbox.append = async (id, payload) => {
      order.push('append');
      await new Promise<void>((r) => (fsync = r));
      await append(id, payload);
      order.push('fsynced');
    };
    const signal = indicator.signal.bind(indicator);
    indicator.signal = (f) => {
      order.push(f);
      signal(f);
    };
    const publish = link.publishScan.bind(link);
    link.publishScan = (event, options) => {
      order.push('published');
      return publish(event, options);
    };
    const pending = controller.handleFrame(bytes(GTIN_SCAN), Date.parse('2026-11-23T08:00:00Z'));
    await vi.waitUntil(() => order.length > 0);
    await new Promise((r) => setImmediate(r));
    expect(order).toEqual(['append']); // nothing signalled or sent before the fsync
    fsync();
    const outcome = await pending;
    expect(order).toEqual(['append', 'fsynced', 'published', 'good-read']);
    expect(outcome).toMatchObject({ accepted: true });
    const scanId = (outcome as { scanId: string }).scanId;
    const stored = decodeScanEvent(outbox.records.get(scanId)!);
    expect(stored.ok && stored.value).toMatchObject({ site: 'sahlgrenska', theatre: 'or-7', gatewayId: 'gw-or7', sequence: 1n, historical: false, symbology: ']d2' });
    expect(stored.ok && stored.value.parse.udi).toEqual({ di: '07350000111118', lot: 'LOT-42', serial: null, expiry: '2029-01-31', manufactured: null });
    expect(indicator.signals).toEqual(['good-read']);
    expect(link.published.map((e) => e.scanId)).toEqual([scanId]);
    expect(controller.scanLog.get(scanId)?.status).toBe('stored');
    expect(await metrics.text()).toMatch(/implant_scan_scans_accepted_total 1/);
  });

  it('refuses a wristband personnummer: nothing stored, published or logged of it', async () => {
    const { outbox, link, indicator, controller, logs, metrics } = setup();
    const outcome = await controller.handleFrame(bytes(PERSONNUMMER));
    expect(outcome).toMatchObject({ accepted: false, reason: 'personal-id' });
    expect(outbox.depth).toBe(0);
    expect(link.published).toHaveLength(0);
    expect(indicator.signals).toEqual(['refused']);
    expect(logs.join('')).not.toMatch(/121212|1212/);
    expect(JSON.stringify(controller.scanLog.today())).not.toMatch(/121212/);
    expect(await metrics.text()).toMatch(/implant_scan_scans_refused_total\{reason="personal-id"\} 1/);
  });

  it('refuses unknown and invalid codes with the parser reason', async () => {
    const { controller } = setup();
    expect(await controller.handleFrame(bytes('hello world'))).toMatchObject({ accepted: false, reason: 'unknown' });
    expect(await controller.handleFrame(bytes(']d2010735000011111917290131'))).toMatchObject({ accepted: false, reason: 'invalid', code: 'bad-check-digit' });
    expect(controller.scanLog.today().map((e) => e.status)).toEqual(['refused', 'refused']);
  });

  it('refuses loudly when the outbox is full, and accepts again after', async () => {
    const { outbox, controller, indicator } = setup();
    outbox.failNext = Object.assign(new Error('full'), { name: 'OutboxFullError' });
    expect(await controller.handleFrame(bytes(GTIN_SCAN))).toMatchObject({ accepted: false, reason: 'outbox-full' });
    expect(await controller.handleFrame(bytes(GTIN_SCAN))).toMatchObject({ accepted: true });
    expect(indicator.signals).toEqual(['refused', 'good-read']);
  });

  const errno = (code: string) => Object.assign(new Error(`${code}: write failed`), { code });
  const failures: [string, 'sequence' | 'outbox', Error, string][] = [
    ['the sequence block cannot be reserved (ENOSPC)', 'sequence', errno('ENOSPC'), 'disk-full'],
    ['the sequence store says disk-full (typed)', 'sequence', Object.assign(new Error('no space'), { code: 'disk-full' }), 'disk-full'],
    ['the sequence file fails otherwise (EIO)', 'sequence', errno('EIO'), 'storage-error'],
    ['the journal write hits ENOSPC (OutboxWriteError)', 'outbox', Object.assign(new Error('could not store'), { name: 'OutboxWriteError', code: 'outbox-write-failed', errno: 'ENOSPC' }), 'disk-full'],
    ['the file size limit (EFBIG, as the cause)', 'outbox', new Error('could not store', { cause: errno('EFBIG') }), 'disk-full'],
    ['the quota (EDQUOT)', 'outbox', errno('EDQUOT'), 'disk-full'],
    ['the fsync fails (EIO)', 'outbox', Object.assign(new Error('could not store'), { name: 'OutboxWriteError', code: 'outbox-write-failed', errno: 'EIO' }), 'storage-error'],
    ['an unexpected storage error', 'outbox', new TypeError('boom'), 'storage-error'],
  ];
  it.each(failures)('%s: a loud refusal with its reason: red, metric, station page, error log', async (_name, where, error, reason) => {
    const { outbox, link, indicator, controller, logs, metrics } = setup(true, where === 'sequence' ? () => Promise.reject(error) : undefined);
    if (where === 'outbox') outbox.failNext = error;
    const refused = new Promise((r) => controller.once('refused', r));
    const outcome = await controller.handleFrame(bytes(GTIN_SCAN));
    expect(outcome).toMatchObject({ accepted: false, reason, code: reason });
    expect(await refused).toMatchObject({ status: 'refused', reason: { code: reason } });
    expect(indicator.signals[0]).toBe('refused');
    expect(outbox.depth).toBe(0);
    expect(link.published).toHaveLength(0);
    expect(await metrics.text()).toContain(`implant_scan_scans_refused_total{reason="${reason}"} 1`);
    expect(await metrics.text()).not.toContain('reason="outbox-full"');
    const line = logs.map((l) => JSON.parse(l) as { level: number; reason?: string; msg: string }).find((l) => l.reason === reason);
    expect(line?.level).toBeGreaterThanOrEqual(50);
    expect(logs.join('')).not.toContain('LOT-42');
  });

  it('an unexpected error outside storage is a refusal too (internal-error), and the next scan goes on', async () => {
    const { controller, indicator, metrics } = setup();
    const c2 = new GatewayController({
      ...(controller as unknown as { deps: object }).deps,
      newScanId: () => {
        throw new RangeError('bug');
      },
    } as never);
    expect(await c2.handleFrame(bytes(GTIN_SCAN))).toMatchObject({ accepted: false, reason: 'internal-error' });
    expect(indicator.signals).toEqual(['refused']);
    expect(await metrics.text()).toContain('implant_scan_scans_refused_total{reason="internal-error"} 1');
    expect(await controller.handleFrame(bytes(GTIN_SCAN))).toMatchObject({ accepted: true });
  });

  it('after a full disk, refuses every new scan without writing until space returns', async () => {
    let calls = 0;
    const { outbox, indicator, controller, metrics } = setup(true, async () => {
      calls++;
      if (calls === 1) throw errno('ENOSPC');
      return BigInt(calls);
    });
    const full = new Promise((r) => controller.once('disk-full', () => r('disk-full')));
    expect(await controller.handleFrame(bytes(GTIN_SCAN))).toMatchObject({ reason: 'disk-full' });
    expect(await full).toBe('disk-full');
    expect(controller.currentStatus().attention).toEqual([{ code: 'disk-full', message: expect.stringContaining('disk is full') }]);
    expect(await controller.handleFrame(bytes(`${GTIN_SCAN}\x1d21S2`))).toMatchObject({ reason: 'disk-full' });
    expect(calls).toBe(1); // the second scan touched no file
    expect(outbox.depth).toBe(0);
    expect(await metrics.text()).toContain('implant_scan_scans_refused_total{reason="disk-full"} 2');
    controller.clearAttention('disk-full');
    expect(await controller.handleFrame(bytes(`${GTIN_SCAN}\x1d21S3`))).toMatchObject({ accepted: true });
    expect(indicator.signals).toEqual(['refused', 'attention', 'refused', 'attention-cleared', 'good-read']);
    expect(controller.currentStatus().attention).toEqual([]);
  });

  it('keeps scan order and sequence under a burst', async () => {
    const { outbox, controller } = setup(false);
    const outcomes = await Promise.all(Array.from({ length: 20 }, (_, i) => controller.handleFrame(bytes(`${GTIN_SCAN}\x1d21S${i}`))));
    const seqs = outcomes.map((o) => {
      const d = decodeScanEvent(outbox.records.get((o as { scanId: string }).scanId)!);
      return d.ok ? [d.value.sequence, d.value.parse.udi.serial] : null;
    });
    expect(seqs).toEqual(Array.from({ length: 20 }, (_, i) => [BigInt(i + 1), `S${i}`]));
  });

  it("publishes at most the configuration's broker.maxInFlight scans awaiting their PUBACK", async () => {
    const { link, controller } = setup(true, undefined, { maxInFlight: 2 });
    await Promise.all(Array.from({ length: 5 }, (_, i) => controller.handleFrame(bytes(`${GTIN_SCAN}\x1d21W${i}`))));
    expect(link.outstanding).toBe(2);
    link.ackAll();
    await vi.waitUntil(() => link.published.length === 4);
    expect(link.outstanding).toBe(2);
  });

  it('a receipt retires the scan and shows its order code', async () => {
    const { outbox, link, controller } = setup();
    const { scanId } = (await controller.handleFrame(bytes(GTIN_SCAN))) as { scanId: string };
    link.ackAll();
    await new Promise((r) => setImmediate(r));
    expect(controller.scanLog.get(scanId)?.status).toBe('sent');
    const receipt: ScanReceipt = { scanId, orderCode: 'K7D2M9QX', caseCode: 'C4T1P0ZZ', productName: 'Exempel IOL 21.0 D', status: 'accepted', receivedAtMs: Date.now(), messageCode: 'ok' };
    const seen = new Promise((r) => controller.once('receipt', r));
    link.emit('receipt', receipt);
    await seen;
    expect(outbox.depth).toBe(0);
    expect(controller.scanLog.get(scanId)).toMatchObject({ status: 'receipted', orderCode: 'K7D2M9QX', productName: 'Exempel IOL 21.0 D' });
  });

  it('control barcodes start and end a case; scans carry the case id', async () => {
    const { outbox, controller } = setup();
    expect(await controller.handleFrame(bytes(CONTROL_NEW_CASE))).toEqual({ accepted: false, reason: 'control' });
    const caseId = controller.currentStatus().caseId;
    expect(caseId).toMatch(/^case-/);
    const { scanId } = (await controller.handleFrame(bytes(GTIN_SCAN))) as { scanId: string };
    const d = decodeScanEvent(outbox.records.get(scanId)!);
    expect(d.ok && d.value.caseId).toBe(caseId);
    await controller.handleFrame(bytes('IMPLANTSCAN:CASE:END'));
    expect(controller.currentStatus().caseId).toBeNull();
  });

  it('a start-case command with a case id the gateway did not make starts nothing and quotes nothing', async () => {
    const { link, controller, logs } = setup();
    const command = (caseId: string) => ({ commandId: 'c1', issuedAtMs: Date.now(), expiresAtMs: Date.now() + 60_000, action: { kind: 'start-case' as const, caseId } });
    link.emit('command', command('19121212_1212'));
    link.emit('command', command('Tolvan-Tolvansson'));
    expect(controller.currentStatus().caseId).toBeNull();
    expect(logs.join('')).not.toMatch(/1212|Tolvan/);
    link.emit('command', command('day-20261205'));
    expect(controller.currentStatus().caseId).toBe('day-20261205');
  });

  it('suppresses a double read when told so, counting it', async () => {
    const { controller, metrics, outbox } = setup();
    const c2 = new GatewayController({ ...(controller as unknown as { deps: object }).deps, isDoubleRead: () => true } as never);
    expect(await c2.handleFrame(bytes(GTIN_SCAN))).toEqual({ accepted: false, reason: 'double-read' });
    expect(outbox.depth).toBe(0);
    expect(await metrics.text()).toMatch(/reason="double-read"\} 1/);
  });
});
