// Compressed GS1 Digital Links (GS1 Digital Link 1.2 compression). Vectors: the standard's example
// (01)05412345000013 (10)ABC&+123 (7003)1903061658, fully compressed and with compressed non-GS1
// parameters; links made by GS1's reference toolkit (GS1DigitalLinkToolkit.js, compressGS1DigitalLink
// and gs1ElementStringsToCompressedGS1DigitalLink). Properties: never throws, linear work, and
// any data written by the independent encoder below reads back.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parse } from '../parse.ts';
import { countWork, workAtDouble } from '../work-count.test-support.ts';
import { decompress } from './digital-link-decompress.ts';
import { parseDigitalLink } from './digital-link.ts';

const RUNS = Number(process.env.FUZZ_RUNS ?? 20_000);
type Pair = [string, string];
const els = (...pairs: Pair[]) => pairs.map(([ai, value]) => ({ ai, value }));
const ok = (uri: string, ...pairs: Pair[]) => expect(parseDigitalLink(uri)).toEqual({ elements: els(...pairs), errors: [] });
const STANDARD: Pair[] = [
  ['01', '05412345000013'],
  ['10', 'ABC&+123'],
  ['7003', '1903061658'],
];

describe('compressed Digital Links: the standard’s example', () => {
  it('decompresses it fully compressed, after a stem, with a query, with compressed non-GS1 parameters', () => {
    ok('https://id.gs1.org/AQnYUc1gmiERBhQ0ytiyZuAGOLc1TQ', ...STANDARD);
    ok('https://example.org/stem/AQnYUc1gmiERBhQ0ytiyZuAGOLc1TQ', ...STANDARD);
    ok('https://example.org/AQnYUc1gmiERBhQ0ytiyZuAGOLc1TQ?expdt=1903061658&k1=v1', ...STANDARD);
    ok('http://example.org/AQnYUc1gmiERBhQ0ytiyZuAGOLc1TXhXsaXbQKHFuaprwUmrBX6g', ...STANDARD);
  });

  it('is then an ordinary GS1 code for parse()', () => {
    expect(parse('https://id.gs1.org/AQnYUc1gmiERBhQ0ytiyZuAGOLc1TQ')).toMatchObject({ ok: true, scheme: 'gs1', udi: { di: '05412345000013', lot: 'ABC&+123' } });
  });
});

describe('compressed Digital Links made by GS1’s reference toolkit', () => {
  it.each<[string, ...Pair[]]>([
    ['https://id.gs1.org/GhFKk4XBoMwAP2u26NqmxrsMg', ['01', '09506000134352'], ['10', 'AB-123'], ['21', 'XYZ'], ['17', '290131']],
    ['https://id.gs1.org/DBFKk4XBoM6RummnGw', ['01', '09506000134352'], ['21', 'SN00042']],
    // The toolkit's own reader drops the lot's leading zeros; its length says they are there.
    ['https://id.gs1.org/CxFKk4XBoAoAexE6nzF0bVM', ['01', '09506000134352'], ['10', '00123'], ['11', '240115'], ['17', '290131']],
    ['https://id.gs1.org/CxFKk4XBoQ2zf0Xt8IujaaA', ['01', '09506000134352'], ['10', 'lot/7a'], ['17', '290100']],
    ['https://id.gs1.org/nYVmywr8UVEnJ1oo', ['414', '9520123456788'], ['254', '32a/b']],
    // 60 bits: read exactly (the toolkit's own reader rounds it to ...661000).
    ['https://id.gs1.org/AAFdGUuw5W0g', ['00', '006141411234567890']],
    ['https://id.gs1.org/CxFKk4XBoIdXniJYp5E8qXoHz82Lrhp4A', ['01', '09506000134352'], ['10', 'ABC']], // linkType compressed: dropped
    // Partially compressed: the primary key kept as /01/…
    ['https://id.gs1.org/01/09506000134352/EGYAH7XbcXRtUw', ['01', '09506000134352'], ['10', 'AB-123'], ['17', '290131']],
    ['https://id.gs1.org/01/09506000134352/IQgXjCnA', ['01', '09506000134352'], ['21', '12345678']],
  ])('%s', (uri, ...pairs) => ok(uri, ...pairs));
});

describe('compressed Digital Links that cannot be decoded', () => {
  const code = (s: string) => {
    const r = decompress(s);
    return 'code' in r ? r.message : null;
  };
  it('says why', () => {
    expect(decompress('A')).toEqual([]); // 6 bits: padding only
    expect(code('AQ')).toBe('This compressed GS1 Digital Link cannot be decoded: the compressed data ends inside (01) GTIN.');
    expect(code('AQnY')).toBe('This compressed GS1 Digital Link cannot be decoded: the compressed data ends inside (01) GTIN.');
    expect(code('BBBB')).toMatch(/no GS1 Application Identifier begins with 04/);
    expect(code('vvvvvv')).toMatch(/the code BE stands for no AI sequence/);
    expect(code('AQ!')).toMatch(/only the characters/);
    // (17) is 20 bits, which can hold 1048575: more than the 6 digits of a date.
    expect(code('Fz__________')).not.toBeNull();
  });

  it('refuses data that no Digital Link may hold, and two different values of one AI', () => {
    expect(parseDigitalLink('https://id.gs1.org/01/09506000134352/ARHKVAdpQg').errors.map((e) => e.message)).toEqual([
      '(01) GTIN appears twice in the compressed Digital Link, with different values.',
    ]);
    // The same key kept and compressed once more is read once.
    const again = toBase64url(nibbles('01') + num('09506000134352', numBits(14)) + nibbles('21') + alnum('X1', 20));
    ok(`https://id.gs1.org/01/09506000134352/${again}`, ['01', '09506000134352'], ['21', 'X1']);
    expect(parseDigitalLink(`https://id.gs1.org/${toBase64url(nibbles('01') + num('09506000134352', numBits(14)) + nibbles('240') + alnum('x', 30))}`).errors).toEqual([]);
    expect(parseDigitalLink(`https://id.gs1.org/${toBase64url(nibbles('01') + num('09506000134352', numBits(14)) + nibbles('8200') + alnum('x', 70))}`).errors[0]?.message).toBe(
      '(8200) product URL is not permitted in a Digital Link.',
    );
  });
});

// ---- an independent encoder, written from the standard's description ----
const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
const numBits = (n: number) => Math.ceil(n * Math.log2(10) + 0.01);
const lenBits = (max: number) => Math.floor(Math.log2(max)) + 1;
const num = (digits: string, bits: number) => BigInt(digits === '' ? '0' : digits).toString(2).padStart(bits, '0');
const nibbles = (digits: string) => [...digits].map((d) => Number(d).toString(2).padStart(4, '0')).join('');
function alnum(value: string, max: number): string {
  const len = value.length.toString(2).padStart(lenBits(max), '0');
  if (/^[0-9]+$/.test(value)) return '000' + len + num(value, numBits(value.length));
  if (/^[0-9a-f]+$/.test(value)) return '001' + len + [...value].map((c) => parseInt(c, 16).toString(2).padStart(4, '0')).join('');
  if (/^[0-9A-F]+$/.test(value)) return '010' + len + [...value].map((c) => parseInt(c, 16).toString(2).padStart(4, '0')).join('');
  if (/^[A-Za-z0-9_-]+$/.test(value)) return '011' + len + [...value].map((c) => B64.indexOf(c).toString(2).padStart(6, '0')).join('');
  return '100' + len + [...value].map((c) => c.charCodeAt(0).toString(2).padStart(7, '0')).join('');
}
const FORMAT: Record<string, (v: string) => string> = {
  '01': (v) => num(v, numBits(14)),
  '17': (v) => num(v, numBits(6)),
  '11': (v) => num(v, numBits(6)),
  '7003': (v) => num(v, numBits(10)),
  '10': (v) => alnum(v, 20),
  '21': (v) => alnum(v, 20),
  '240': (v) => alnum(v, 30),
};
function toBase64url(bits: string): string {
  const padded = bits + '0'.repeat((6 - (bits.length % 6)) % 6);
  let out = '';
  for (let i = 0; i < padded.length; i += 6) out += B64.charAt(parseInt(padded.slice(i, i + 6), 2));
  return out;
}

describe('compressed Digital Link properties', () => {
  const CSET82 = `!"%&'()*+,-./0123456789:;<=>?ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz`;
  const text = fc.oneof(
    fc.string({ unit: fc.constantFrom(...CSET82), minLength: 1, maxLength: 20 }),
    fc.stringMatching(/^[0-9]{1,20}$/),
    fc.stringMatching(/^[0-9a-f]{1,20}$/),
    fc.stringMatching(/^[0-9A-F]{1,20}$/),
  );
  const yymmdd = fc.date({ min: new Date('2000-01-01T00:00:00Z'), max: new Date('2049-12-31T00:00:00Z'), noInvalidDate: true }).map((d) => d.toISOString().slice(2, 10).replace(/-/g, ''));

  it('reads back any (01) data written by an independent encoder, optimisation codes included', () => {
    const data = fc.record({
      gtin: fc.stringMatching(/^[0-9]{14}$/),
      lot: fc.option(text),
      serial: fc.option(text),
      expiry: fc.option(yymmdd),
      extra: fc.option(fc.string({ unit: fc.constantFrom(...CSET82), minLength: 1, maxLength: 30 })),
      optimise: fc.boolean(),
    });
    fc.assert(
      fc.property(data, (g) => {
        const pairs: Pair[] = [['01', g.gtin]];
        if (g.lot !== null) pairs.push(['10', g.lot]);
        if (g.serial !== null) pairs.push(['21', g.serial]);
        if (g.expiry !== null) pairs.push(['17', g.expiry]);
        if (g.extra !== null) pairs.push(['240', g.extra]);
        const encode = ([ai, v]: Pair) => FORMAT[ai]!(v);
        let bits: string;
        if (g.optimise && g.lot !== null && pairs[1]![0] === '10') bits = '00001011' + encode(pairs[0]!) + encode(pairs[1]!) + pairs.slice(2).map((p) => nibbles(p[0]) + encode(p)).join('');
        else bits = pairs.map((p) => nibbles(p[0]) + encode(p)).join('');
        const r = parseDigitalLink(`https://id.example.org/${toBase64url(bits)}`);
        expect(r).toEqual({ elements: els(...pairs), errors: [] });
      }),
      { numRuns: RUNS },
    );
  });

  it('never throws on arbitrary base64url, alone or after a kept primary key', () => {
    const blob = fc.string({ unit: fc.constantFrom(...B64), minLength: 1, maxLength: 120 });
    fc.assert(
      fc.property(blob, fc.boolean(), (b, keyed) => {
        const uri = keyed ? `https://a/01/09506000134352/${b}` : `https://a/${b}`;
        const r = parseDigitalLink(uri);
        expect(r.errors.length).toBeLessThanOrEqual(1);
        if (r.errors.length === 0 && r.elements.length === 0) expect.fail(`no data and no error: ${uri}`);
        parse(uri);
      }),
      { numRuns: RUNS },
    );
  });

  it('stays linear on long blobs (work counted, not timed)', () => {
    const hostile = [
      (n: number) => `https://a/${'A'.repeat(n)}`, // (00) of zeros, again and again
      (n: number) => `https://a/${'_'.repeat(n)}`,
      (n: number) => `https://a/01/09506000134352/${'CxFKk4XBoIdXniJYp5E8'.repeat(n)}`,
      (n: number) => `https://a/${'GhFKk4XBoMwAP2u26Nqm'.repeat(n)}`,
    ];
    for (const make of hostile) {
      const work = workAtDouble(make, (s) => void parseDigitalLink(s), 200);
      expect(work.twice).toBeLessThanOrEqual(2.2 * work.n + 64);
    }
    expect(countWork(() => decompress('AQnYUc1gmiERBhQ0ytiyZuAGOLc1TQ'))).toBeGreaterThan(0);
  });
});
