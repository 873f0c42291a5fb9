// Properties of parseDigitalLink: it never throws or hangs on hostile input, and every link built
// from valid GS1 data (any prefix, any percent-encoding, extra non-GS1 parameters, a fragment)
// reads back as exactly that data, whatever stem (even AI-looking pairs) precedes it.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { workAtDouble } from '../work-count.test-support.ts';
import type { ErrorCode } from '../result.ts';
import { AI_ENTRIES } from './ai-table.generated.ts';
import { belongsInPath } from './digital-link-qualifiers.ts';
import { parseDigitalLink } from './digital-link.ts';

const CSET82 = `!"%&'()*+,-./0123456789:;<=>?ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz`;
const CODES: ErrorCode[] = ['bad-digital-link', 'unknown-ai', 'truncated', 'bad-charset'];
const KEYS = AI_ENTRIES.filter((e) => e.dlpkey !== null);
const ATTRIBUTES = AI_ENTRIES.filter((e) => e.dlDataAttribute);

function wellFormed(uri: string): void {
  const r = parseDigitalLink(uri);
  expect(r.errors.length).toBeLessThanOrEqual(1);
  for (const e of r.errors) {
    expect(CODES).toContain(e.code);
    expect(e.message).not.toBe('');
    expect(e.message.length).toBeLessThan(400);
  }
  if (r.errors.length === 0) {
    expect(r.elements.length).toBeGreaterThan(0);
    expect(KEYS.map((e) => e.ai)).toContain(r.elements[0]?.ai);
  }
}

/** Percent-encodes every character that is not unreserved, and some that are. */
const encode = (value: string, extra: boolean[]) =>
  [...value].map((c, i) => (/[A-Za-z0-9._~-]/.test(c) && !extra[i] ? c : `%${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`)).join('');

describe('parseDigitalLink properties', () => {
  it('never throws on arbitrary strings', () => {
    const prefixed = fc.tuple(fc.constantFrom('', 'https://', 'http://a/', 'HTTPS://id.gs1.org/01/'), fc.string({ unit: 'binary', maxLength: 200 }));
    fc.assert(fc.property(prefixed, ([p, s]) => wellFormed(p + s)), { numRuns: 20_000 });
  });

  it('never throws on URL-shaped strings', () => {
    const piece = fc.oneof(
      fc.constantFrom('01', '10', '21', '22', '235', '17', '00', '8004', '414', '254', '7040', '3103', '99', '89', 'gtin', 'lot', 'ser', 'x'),
      fc.constantFrom('/', '/', '/', '?', '&', '=', '#', '%', '%2F', '%2', '%00', '+', '//', ':', '@', '[', ']'),
      fc.constantFrom('09506000134352', '9506000134352', 'ABC', 'AQnYUc1gmiERBhQ0ytiyZuAGOLc1TQ', 'linkType=gs1:pip'),
      fc.string({ unit: fc.constantFrom(...CSET82), maxLength: 12 }),
      fc.stringMatching(/^[0-9]{1,6}$/),
    );
    const shaped = fc
      .tuple(fc.constantFrom('https://', 'http://', 'HTTPS://', 'https://a', 'https://id.gs1.org', 'http://[::1]:80'), fc.array(piece, { maxLength: 20 }))
      .map(([s, a]) => s + a.join(''));
    fc.assert(fc.property(shaped, wellFormed), { numRuns: 20_000 });
  });

  it('reads back any valid GS1 data written as a Digital Link', () => {
    const value = fc.string({ unit: fc.constantFrom(...CSET82), minLength: 1, maxLength: 20 });
    const link = fc
      .record({
        keyIndex: fc.nat(KEYS.length - 1),
        alternative: fc.nat(),
        keep: fc.array(fc.boolean(), { minLength: 6, maxLength: 6 }),
        values: fc.array(value, { minLength: 6, maxLength: 6 }),
        attributes: fc.uniqueArray(fc.constantFrom(...ATTRIBUTES), { maxLength: 4, selector: (e) => e.ai }),
        attributeValues: fc.array(value, { minLength: 4, maxLength: 4 }),
        extraEscapes: fc.array(fc.boolean(), { maxLength: 20 }),
        // A stem may look like AI pairs, even primary keys: the rightmost key starts the data.
        prefix: fc.array(fc.constantFrom('p', 'some-prefix', 'resolver', 'x1', 'ID', '00/faux', '01/09506000134352', '8004/ABC', '10/A'), { maxLength: 3 }),
        host: fc.constantFrom('https://id.gs1.org', 'http://example.com:8080', 'HTTPS://[2001:db8::1]'),
        others: fc.array(fc.constantFrom('linkType=gs1:pip', 'context=x', 'lang', '', 'exp=1'), { maxLength: 3 }),
        fragment: fc.constantFrom('', '#', '#top', '#a?17=1'),
      })
      .map((g) => {
        const key = KEYS[g.keyIndex]!;
        const alternatives = key.dlpkey!;
        const qualifiers = alternatives[g.alternative % alternatives.length]!.filter((_, i) => g.keep[i]);
        const elements = [key.ai, ...qualifiers].map((ai, i) => ({ ai, value: ai === '01' ? '09506000134352' : g.values[i]! }));
        const path = elements.map((e) => `/${e.ai}/${encode(e.value, g.extraEscapes)}`).join('');
        const attrs = g.attributes
          .filter((a) => !elements.some((e) => e.ai === a.ai) && !belongsInPath(key, qualifiers, a.ai))
          .map((a, i) => ({ ai: a.ai, value: a.ai === '01' ? '09506000134352' : g.attributeValues[i]! }));
        const params = [...attrs.map((a) => `${a.ai}=${encode(a.value, g.extraEscapes)}`), ...g.others];
        const query = params.length > 0 ? `?${params.join('&')}` : '';
        const prefix = g.prefix.map((p) => `/${p}`).join('');
        return { uri: `${g.host}${prefix}${path}${query}${g.fragment}`, expected: [...elements, ...attrs] };
      });
    fc.assert(
      fc.property(link, ({ uri, expected }) => {
        expect(parseDigitalLink(uri)).toEqual({ elements: expected, errors: [] });
      }),
      { numRuns: 20_000 },
    );
  });

  it('stays linear on hostile 64 KiB input (work counted, not timed)', () => {
    const hostile = [
      (k: number) => `https://a/${'01/'.repeat(21000 * k)}`,
      (k: number) => `https://a/${'01/09506000134352/'.repeat(3800 * k)}`,
      (k: number) => `https://a/01/09506000134352${'/10/A'.repeat(13000 * k)}`,
      (k: number) => `https://a/${'10/A/'.repeat(13000 * k)}01/09506000134352`,
      (k: number) => `https://a/01/09506000134352?${'99=A&'.repeat(13000 * k)}`,
      (k: number) => `https://a/01/09506000134352?${'linkType=x&'.repeat(6000 * k)}`,
      (k: number) => `https://a/01/09506000134352?${'9'.repeat(65000 * k)}=1`,
      (k: number) => `https://a/01/09506000134352/10/${'%41'.repeat(21000 * k)}`,
      (k: number) => `https://a/${'%'.repeat(65536 * k)}`,
      (k: number) => `https://${'a'.repeat(65536 * k)}`,
      (k: number) => `https://a/${'/'.repeat(65536 * k)}`,
      (k: number) => `https://a/${'A'.repeat(65536 * k)}`,
      (k: number) => `https://a/01/09506000134352/${'A1'.repeat(32768 * k)}`,
      (k: number) => `https://a/${'gtin/'.repeat(13000 * k)}`,
      (k: number) => `https://a/${'00/faux/'.repeat(8000 * k)}00/006141411234567890`,
      (k: number) => `https://a/01/1?${'&'.repeat(65536 * k)}`,
      (k: number) => `https://a/01/1#${'#'.repeat(65536 * k)}`,
    ];
    // Half the input and all of it: twice the input, at most about twice the work.
    for (const make of hostile) {
      const work = workAtDouble(make, wellFormed, 0.5);
      expect(work.twice).toBeLessThanOrEqual(2.2 * work.n + 64);
    }
  });
});
