// Recovery keeps every intact record: damage anywhere in any segment loses only the records whose
// bytes it touched, is copied to a quarantine file and is reported.
import { mkdtemp, readdir, readFile, rm, stat, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Outbox } from './outbox.ts';
import { decodeRecords } from './record.ts';
import { scaledRuns } from './runs.test-support.ts';

const RUNS = scaledRuns(120);

let work: string;
let runs = 0;
beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'outbox-recovery-'));
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

const payload = (i: number, size = 120) => new Uint8Array(size).map((_, j) => (i * 31 + j) % 256);
const segments = async (dir: string) => (await readdir(dir)).filter((n) => n.endsWith('.journal')).sort();

describe('outbox recovery after damage', () => {
  it('8 bytes overwritten in the middle of the newest segment lose that one record, not the 49 after it', async () => {
    const dir = join(work, `run-${runs++}`);
    const a = await Outbox.open({ dir });
    for (let i = 0; i < 100; i++) await a.append(`s${i}`, payload(i));
    await a.close();
    const [name] = await segments(dir);
    const path = join(dir, name!);
    const bytes = await readFile(path);
    const middle = Math.floor(bytes.length / 2);
    bytes.fill(0xa5, middle, middle + 8);
    await writeFile(path, bytes);

    const b = await Outbox.open({ dir });
    expect(b.depth).toBe(99);
    const ids = [...b.pending()].map((p) => p.id);
    const lost = Array.from({ length: 100 }, (_, i) => `s${i}`).filter((id) => !ids.includes(id));
    expect(lost).toHaveLength(1);
    for (const p of b.pending()) expect([...p.payload]).toEqual([...payload(Number(p.id.slice(1)))]);
    const report = b.recovery;
    expect(report.verdict).toBe('damaged');
    expect(report.damagedSegments).toEqual([name]);
    expect(report.damaged).toHaveLength(1);
    const [range] = report.damaged;
    expect(range!.start).toBeLessThanOrEqual(middle);
    expect(range!.end).toBeGreaterThanOrEqual(middle + 8);
    expect(report.damagedBytes).toBe(range!.end - range!.start);
    expect(report.quarantineFiles).toEqual([range!.quarantine]);
    expect(await readFile(range!.quarantine!)).toEqual(bytes.subarray(range!.start, range!.end));
    // The journal stays usable: new scans follow, and a restart finds the same.
    await b.append('after', payload(500));
    await b.close();
    const c = await Outbox.open({ dir });
    expect(c.depth).toBe(100);
    expect([...c.pending()].at(-1)!.id).toBe('after');
    await c.close();
  });

  it('a 5-byte torn tail loses the last record only, and says so', async () => {
    const dir = join(work, `run-${runs++}`);
    const a = await Outbox.open({ dir });
    for (let i = 0; i < 100; i++) await a.append(`s${i}`, payload(i));
    await a.close();
    const path = join(dir, (await segments(dir))[0]!);
    await truncate(path, (await stat(path)).size - 5);
    const b = await Outbox.open({ dir });
    expect(b.depth).toBe(99);
    expect(b.recovery).toMatchObject({ verdict: 'torn-tail', damaged: [], damagedBytes: 0, quarantineFiles: [] });
    expect(b.recovery.tornBytes).toBeGreaterThan(5);
    await b.close();
  });

  it('the high-water mark: kept across restarts, unknown after damage, not spoilt by a stray file', async () => {
    const dir = join(work, `run-${runs++}`);
    const a = await Outbox.open({ dir });
    expect(a.highWaterMark).toBeNull();
    for (let i = 1; i <= 10; i++) await a.append(`s${i}`, payload(i), { mark: BigInt(i) });
    await a.close();
    await writeFile(join(dir, 'notes.txt'), 'left by an operator');
    const b = await Outbox.open({ dir });
    expect(b.recovery.foreignFiles).toEqual(['notes.txt']);
    expect(b.highWaterMark).toBe(10n);
    await b.close();
    const path = join(dir, (await segments(dir))[0]!);
    const bytes = await readFile(path);
    bytes.fill(0, 200, 208);
    await writeFile(path, bytes);
    const c = await Outbox.open({ dir });
    expect(c.recovery.verdict).toBe('damaged');
    expect(c.highWaterMark).toBeNull();
    await c.close();
  });

  type Damage =
    | { kind: 'flip'; segment: number; at: number; bit: number }
    | { kind: 'overwrite'; segment: number; at: number; bytes: Uint8Array }
    | { kind: 'truncate'; segment: number; at: number }
    | { kind: 'zero-page'; segment: number; page: number };
  const damageArb: fc.Arbitrary<Damage> = fc.oneof(
    fc.record({ kind: fc.constant('flip' as const), segment: fc.nat(), at: fc.nat(), bit: fc.nat({ max: 7 }) }),
    fc.record({ kind: fc.constant('overwrite' as const), segment: fc.nat(), at: fc.nat(), bytes: fc.uint8Array({ minLength: 1, maxLength: 64 }) }),
    fc.record({ kind: fc.constant('truncate' as const), segment: fc.nat(), at: fc.nat() }),
    fc.record({ kind: fc.constant('zero-page' as const), segment: fc.nat(), page: fc.nat({ max: 3 }) }),
  );

  function damage(files: Buffer[], d: Damage): void {
    const i = d.segment % files.length;
    const file = files[i]!;
    if (file.length === 0) return;
    if (d.kind === 'flip') file[d.at % file.length]! ^= 1 << d.bit;
    else if (d.kind === 'overwrite') file.set(d.bytes.subarray(0, file.length - (d.at % file.length)), d.at % file.length);
    else if (d.kind === 'truncate') files[i] = file.subarray(0, d.at % file.length);
    else file.fill(0, Math.min(d.page * 4096, file.length), Math.min((d.page + 1) * 4096, file.length));
  }

  it('keeps every record whose bytes are intact, invents none, duplicates none (random damage of random segments)', async () => {
    let damagedRuns = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.record({ size: fc.integer({ min: 1, max: 900 }), retireLater: fc.boolean() }), { minLength: 10, maxLength: 60 }),
        fc.array(damageArb, { minLength: 1, maxLength: 4 }),
        async (scans, damages) => {
          const dir = join(work, `run-${runs++}`);
          const o = await Outbox.open({ dir, segmentBytes: 8192 });
          for (const [i, scan] of scans.entries()) {
            await o.append(`s${i}`, payload(i, scan.size));
            if (i >= 3 && scans[i - 3]!.retireLater) await o.retire(`s${i - 3}`);
          }
          await o.close();

          const names = await segments(dir);
          const clean = await Promise.all(names.map((n) => readFile(join(dir, n))));
          const files = clean.map((b) => Buffer.from(b));
          for (const d of damages) damage(files, d);
          for (const [i, n] of names.entries()) await writeFile(join(dir, n), files[i]!);

          // What must come back: replay every frame whose bytes are unchanged, in journal order.
          const expected = new Map<string, { seq: number; payload: number[] }>();
          for (const [i, bytes] of clean.entries()) {
            for (const { record, offset, size } of decodeRecords(bytes, 8).records) {
              const now = files[i]!.subarray(offset, offset + size);
              if (!now.equals(bytes.subarray(offset, offset + size))) continue;
              if (record.type === 'append') expected.set(record.id, { seq: record.seq, payload: [...record.payload] });
              else if (record.type === 'retire') expected.delete(record.id);
            }
          }
          const oldestFirst = [...expected].sort(([, a], [, b]) => a.seq - b.seq);

          const r = await Outbox.open({ dir, segmentBytes: 8192 });
          try {
            const got = [...r.pending()].map((p) => [p.id, { payload: [...p.payload] }]);
            expect(new Set(got.map(([id]) => id)).size).toBe(got.length);
            expect(got).toEqual(oldestFirst.map(([id, { payload: bytes }]) => [id, { payload: bytes }]));
            for (const q of r.recovery.damaged) {
              const i = names.indexOf(q.segment);
              if (q.quarantine) expect(await readFile(q.quarantine)).toEqual(files[i]!.subarray(q.start, q.end));
            }
            if (!files.every((f, i) => f.equals(clean[i]!))) damagedRuns++;
            else expect(r.recovery.verdict).toBe('clean');
          } finally {
            await r.close();
          }
        },
      ),
      { numRuns: RUNS },
    );
    expect(damagedRuns).toBeGreaterThan(RUNS / 2);
  });
});
