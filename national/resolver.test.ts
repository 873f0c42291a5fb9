import { describe, expect, test } from 'vitest';
import { lookupAll, Resolver } from './resolver.ts';
import { checkScan } from './scan-check.ts';
import { openSqliteStore } from './store/sqlite.ts';
import { SourceError, type MetadataSource, type ProductInfo } from './sources/types.ts';
import { gs1Raw, HIP_STEM, LENS, scanEvent, silentLogger, UNKNOWN_GTIN } from './test-support.ts';

const product = (name: string): ProductInfo => ({ name, manufacturer: null, modelName: null, modelNumber: null, deviceClass: null, deviceType: null });

function storeWith(raws: string[]) {
  const store = openSqliteStore(':memory:');
  const scans = raws.map((raw) => {
    const c = checkScan(scanEvent(raw), 'sahlgrenska');
    if (!c.ok) throw new Error(c.messageCode);
    return c.scan;
  });
  store.ingest(scans, 1);
  return { store, pending: store.pendingScans(100) };
}

describe('metadata resolution', () => {
  test('sources are asked in order until one knows the product; failures are recorded, never thrown', async () => {
    const calls: string[] = [];
    const src = (name: string, answer: ProductInfo | null | Error): MetadataSource => ({
      name,
      lookup: async (di) => {
        calls.push(`${name}:${di}`);
        if (answer instanceof Error) throw answer;
        return answer;
      },
    });
    const signal = new AbortController().signal;
    const m = await lookupAll([src('a', new SourceError('timeout', 'x')), src('b', null), src('c', product('C')), src('d', product('D'))], LENS, 'gs1', signal, () => 9);
    expect(m).toEqual({
      status: 'complete',
      product: product('C'),
      source: 'c',
      sources: [
        { name: 'a', outcome: 'failed', error: 'timeout' },
        { name: 'b', outcome: 'not-found' },
        { name: 'c', outcome: 'found' },
      ],
      resolvedAtMs: 9,
    });
    expect(calls).toEqual([`a:${LENS}`, `b:${LENS}`, `c:${LENS}`]);
    const none = await lookupAll([src('a', new Error('boom')), src('b', null)], LENS, 'gs1', signal, () => 1);
    expect([none.status, none.product, none.sources.map((s) => s.error ?? s.outcome)]).toEqual(['partial', null, ['error', 'not-found']]);
  });

  test('one lookup per identifier, at most `concurrency` at once; a full queue leaves scans pending for the sweep', async () => {
    const { store, pending } = storeWith([gs1Raw(LENS, 'A'), gs1Raw(LENS, 'B'), gs1Raw(HIP_STEM), gs1Raw(UNKNOWN_GTIN)]);
    let running = 0;
    let peak = 0;
    const lookups: string[] = [];
    const slow: MetadataSource = {
      name: 'slow',
      async lookup(di) {
        lookups.push(di);
        peak = Math.max(peak, ++running);
        await new Promise((r) => setTimeout(r, 10));
        running--;
        return product(di);
      },
    };
    const resolver = new Resolver({ store, sources: [slow], logger: silentLogger(), concurrency: 1, maxQueued: 1 });
    await resolver.resolve(pending);
    expect(peak).toBe(1);
    expect(lookups.sort()).toEqual([HIP_STEM, LENS].sort()); // the third identifier did not fit the queue
    expect(store.pendingScans(10).map((p) => p.di)).toEqual([UNKNOWN_GTIN]);
    expect(await resolver.sweep()).toBe(1);
    expect(store.pendingScans(10)).toEqual([]);
    expect(store.getScan(pending[1]!.scanId)?.metadata?.product?.name).toBe(LENS);
    resolver.close();
    store.close();
  });

  test('closing aborts lookups in flight and leaves their scans pending', async () => {
    const { store, pending } = storeWith([gs1Raw(LENS)]);
    const hanging: MetadataSource = {
      name: 'hanging',
      lookup: (_di, _s, signal) => new Promise((_r, reject) => signal.addEventListener('abort', () => reject(new SourceError('aborted', 'closing')))),
    };
    const resolver = new Resolver({ store, sources: [hanging], logger: silentLogger() });
    const done = resolver.resolve(pending);
    resolver.close();
    await done;
    expect(store.pendingScans(10)).toHaveLength(1);
    store.close();
  });
});

test('a source that ignores its signal is cut off at the resolution deadline', async () => {
  const { store, pending } = storeWith([gs1Raw(LENS)]);
  const deaf: MetadataSource = { name: 'deaf', lookup: () => new Promise(() => {}) };
  const resolver = new Resolver({ store, sources: [deaf], logger: silentLogger(), lookupTimeoutMs: 30 });
  await resolver.resolve(pending);
  expect(store.getScan(pending[0]!.scanId)?.metadata).toMatchObject({ status: 'partial', sources: [{ name: 'deaf', outcome: 'failed', error: 'timeout' }] });
  resolver.close();
  store.close();
});
