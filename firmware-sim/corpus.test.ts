// The corpus against the real parser: every item parses to what the generator says it built.
import { describe, expect, it } from 'vitest';
import { parse } from '../protocol/udi/index.ts';
import { CORPUS_KINDS, type CorpusItem, generateCorpus, gs1CheckDigit, hibcCheckChar } from './corpus.ts';

// The corpus uses years 2020–2040: pin the GS1 century window so the test never drifts.
const NOW = new Date('2026-06-01T00:00:00Z');

function disagreement(item: CorpusItem): string | null {
  const r = parse(item.text, { now: NOW });
  const e = item.expect;
  const got = {
    ok: r.ok,
    scheme: r.scheme,
    ...(e.ok
      ? { di: r.udi.di, lot: r.udi.lot, serial: r.udi.serial, expiry: r.udi.expiry }
      : { errorCode: e.errorCode !== undefined && r.errors.some((x) => x.code === e.errorCode) ? e.errorCode : r.errors.map((x) => x.code).join(',') }),
  };
  const want = {
    ok: e.ok,
    scheme: e.scheme,
    ...(e.ok ? { di: e.di ?? null, lot: e.lot ?? null, serial: e.serial ?? null, expiry: e.expiry ?? null } : { errorCode: e.errorCode }),
  };
  return JSON.stringify(got) === JSON.stringify(want) ? null : `${JSON.stringify(item.text)}\n  want ${JSON.stringify(want)}\n  got  ${JSON.stringify(got)} ${r.errors.map((x) => x.message).join(' | ')}`;
}

describe('generateCorpus', () => {
  it.each([1, 2, 42, 20260601])('agrees with the parser on 2000 items (seed %i)', (seed) => {
    const corpus = generateCorpus({ seed, count: 2000 });
    const bad = corpus.map(disagreement).filter((d) => d !== null);
    expect(bad.slice(0, 5)).toEqual([]);
  });

  it('a 12-digit personnummer that is also a valid UPC-A is refused as personal, not read as a GTIN', () => {
    const lookalikes = generateCorpus({ seed: 1, count: 3000, kinds: ['personal-id'] }).filter(
      (item) => /^\d{12}$/.test(item.text) && gs1CheckDigit(item.text.slice(0, 11)) === item.text[11],
    );
    expect(lookalikes.length).toBeGreaterThan(0);
    expect(lookalikes.map(disagreement).filter((d) => d !== null)).toEqual([]);
  });

  it('is reproducible from the seed, and another seed gives another corpus', () => {
    expect(generateCorpus({ seed: 9, count: 200 })).toEqual(generateCorpus({ seed: 9, count: 200 }));
    expect(generateCorpus({ seed: 10, count: 200 })).not.toEqual(generateCorpus({ seed: 9, count: 200 }));
  });

  it('gives every requested kind and no other', () => {
    const all = generateCorpus({ seed: 3, count: CORPUS_KINDS.length });
    expect(new Set(all.map((i) => i.kind))).toEqual(new Set(CORPUS_KINDS));
    const some = generateCorpus({ seed: 3, count: 100, kinds: ['hibc', 'broken'] });
    expect(new Set(some.map((i) => i.kind))).toEqual(new Set(['hibc', 'broken']));
  });

  it('breaks codes in every way it knows', () => {
    const codes = new Set(generateCorpus({ seed: 5, count: 500, kinds: ['broken'] }).map((i) => i.expect.errorCode));
    expect(codes).toEqual(new Set(['bad-check-digit', 'bad-date', 'truncated', 'unknown-ai', 'too-long']));
  });

  it('gs1: realistic element strings (AIM id, GS only after variable-length values that are not last)', () => {
    for (const { text } of generateCorpus({ seed: 11, count: 300, kinds: ['gs1'] })) {
      expect(text).toMatch(/^(\]d2|\]C1)01\d{14}/);
      expect(text.endsWith('\x1d')).toBe(false);
      expect(text).not.toMatch(/\x1d\x1d/);
    }
  });
});

describe('check characters', () => {
  it('GS1 mod-10 and HIBC mod-43 match known codes', () => {
    expect(gs1CheckDigit('0950600013435')).toBe('2');
    expect(gs1CheckDigit('0415012345678')).toBe('2');
    expect(hibcCheckChar('+A99912345/$$52001510X3')).toBe('3');
    expect(hibcCheckChar('+A99912345')).toBe('7');
  });
});
