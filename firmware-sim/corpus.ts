// A reproducible corpus of implant barcodes, as a scanner sends them, with what each one must parse to.
//   generateCorpus({ seed: 7, count: 3, kinds: ['gs1', 'hibc'] }) →
//     [{ kind: 'gs1', text: ']d20104150123456784172903311710LOT-4a\x1d21X9',
//        expect: { ok: true, scheme: 'gs1', di: '04150123456784', lot: 'LOT-4a', serial: 'X9', expiry: '2029-03-31' } }, …]
//
// `expect` comes from how the text was built, never from the parser: corpus.test.ts holds the two
// against each other. FNC1 separators are GS (0x1D); encodeScan (profiles.ts) maps them per scanner.
// Free-text values (lot, serial) never hold more than 3 digits in a row, so no value can look like a
// Swedish personal identity number (which the parser refuses wherever it finds one).

import { type Prng, prng } from './prng.ts';

export type CorpusKind = 'gs1' | 'gs1-bracketed' | 'digital-link' | 'hibc' | 'isbt128' | 'broken' | 'personal-id';

export const CORPUS_KINDS: readonly CorpusKind[] = ['gs1', 'gs1-bracketed', 'digital-link', 'hibc', 'isbt128', 'broken', 'personal-id'];

export interface CorpusExpect {
  ok: boolean;
  scheme?: string;
  di?: string;
  lot?: string;
  serial?: string;
  /** YYYY-MM-DD */
  expiry?: string;
  errorCode?: string;
}

export interface CorpusItem {
  kind: CorpusKind;
  text: string;
  expect: CorpusExpect;
}

export interface CorpusOptions {
  seed: number;
  count: number;
  kinds?: CorpusKind[];
}

export function generateCorpus(opts: CorpusOptions): CorpusItem[] {
  const r = prng(opts.seed);
  const kinds = opts.kinds && opts.kinds.length > 0 ? opts.kinds : CORPUS_KINDS;
  const items: CorpusItem[] = [];
  for (let i = 0; i < opts.count; i++) {
    // Round-robin first, so that every requested kind appears once the count allows.
    const kind = i < kinds.length ? kinds[i]! : r.pick(kinds);
    items.push({ kind, ...MAKERS[kind](r) });
  }
  return items;
}

const MAKERS: Record<CorpusKind, (r: Prng) => Omit<CorpusItem, 'kind'>> = {
  gs1: (r) => elementString(r, gs1Product(r)),
  'gs1-bracketed': (r) => bracketed(r, gs1Product(r)),
  'digital-link': (r) => digitalLink(r, gs1Product(r)),
  hibc: (r) => hibc(r),
  isbt128: (r) => isbt128(r),
  broken: (r) => broken(r),
  'personal-id': (r) => ({ text: personalId(r), expect: { ok: false, scheme: 'personal-id', errorCode: 'personal-id' } }),
};

// ── building blocks ────────────────────────────────────────────────────────────────────────────

const GS = '\x1d';
const DIGITS = '0123456789';
const UPPER = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';
/** GS1 AI encodable character set 82. */
export const CSET82 = `!"%&'()*+,-./0123456789:;<=>?ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz`;

const pad2 = (n: number): string => String(n).padStart(2, '0');
const daysInMonth = (year: number, month: number): number => new Date(Date.UTC(year, month, 0)).getUTCDate();

/** GS1 mod-10 check digit of `body` (all digits but the check digit). */
export function gs1CheckDigit(body: string): string {
  let sum = 0;
  for (let i = 0; i < body.length; i++) {
    const weight = (body.length - i) % 2 === 1 ? 3 : 1;
    sum += (body.charCodeAt(i) - 0x30) * weight;
  }
  return String((10 - (sum % 10)) % 10);
}

/** HIBC mod-43 check character over `data` (the Code 39 set). */
export const HIBC_CHARSET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ-. $/+%';
export function hibcCheckChar(data: string): string {
  let sum = 0;
  for (const c of data) {
    const v = HIBC_CHARSET.indexOf(c);
    if (v < 0) throw new RangeError(`'${c}' is not in the HIBC character set`);
    sum += v;
  }
  return HIBC_CHARSET[sum % 43]!;
}

function digits(r: Prng, n: number): string {
  let s = '';
  for (let i = 0; i < n; i++) s += r.pick(DIGITS);
  return s;
}

function gtin(r: Prng): string {
  const body = String(r.int(0, 8)) + digits(r, 12);
  return body + gs1CheckDigit(body);
}

/** Text of `len` characters of `alphabet`, starting with a letter, never more than 3 digits in a row. */
function freeText(r: Prng, len: number, alphabet: string): string {
  let s = r.pick(UPPER);
  let run = 0;
  while (s.length < len) {
    const c = r.pick(alphabet);
    const digit = c >= '0' && c <= '9';
    if (digit && run === 3) continue;
    run = digit ? run + 1 : 0;
    s += c;
  }
  return s;
}

interface YMD {
  y: number;
  m: number;
  d: number;
}

function date(r: Prng): YMD {
  const y = r.int(2020, 2040);
  const m = r.int(1, 12);
  return { y, m, d: r.int(1, daysInMonth(y, m)) };
}

const yymmdd = (t: YMD): string => pad2(t.y % 100) + pad2(t.m) + pad2(t.d);
const iso = (t: YMD): string => `${t.y}-${pad2(t.m)}-${pad2(t.d)}`;

// ── GS1 ────────────────────────────────────────────────────────────────────────────────────────

interface Gs1Element {
  ai: string;
  value: string;
  fixed: boolean;
}

interface Gs1Product {
  elements: Gs1Element[];
  expect: CorpusExpect;
}

/** (01) first, then a shuffle of (17), (11), (10), (21) and sometimes (240), (30). */
function gs1Product(r: Prng): Gs1Product {
  const di = gtin(r);
  const expect: CorpusExpect = { ok: true, scheme: 'gs1', di };
  const rest: Gs1Element[] = [];
  if (r.chance(0.85)) {
    const t = date(r);
    // DD = 00: "the last day of that month" (GS1 General Specifications §3.4.6).
    const dayZero = r.chance(0.1);
    rest.push({ ai: '17', value: dayZero ? yymmdd(t).slice(0, 4) + '00' : yymmdd(t), fixed: true });
    expect.expiry = dayZero ? iso({ ...t, d: daysInMonth(t.y, t.m) }) : iso(t);
  }
  if (r.chance(0.3)) rest.push({ ai: '11', value: yymmdd(date(r)), fixed: true });
  if (r.chance(0.85)) {
    expect.lot = freeText(r, r.int(1, 20), CSET82);
    rest.push({ ai: '10', value: expect.lot, fixed: false });
  }
  if (r.chance(0.6)) {
    expect.serial = freeText(r, r.int(1, 20), CSET82);
    rest.push({ ai: '21', value: expect.serial, fixed: false });
  }
  if (r.chance(0.15)) rest.push({ ai: '240', value: freeText(r, r.int(1, 30), CSET82), fixed: false });
  if (r.chance(0.1)) rest.push({ ai: '30', value: String(r.int(1, 999)), fixed: false });
  for (let i = rest.length - 1; i > 0; i--) {
    const j = r.int(0, i);
    [rest[i], rest[j]] = [rest[j]!, rest[i]!];
  }
  return { elements: [{ ai: '01', value: di, fixed: true }, ...rest], expect };
}

function joinElements(elements: readonly Gs1Element[]): string {
  return elements.map((e, i) => e.ai + e.value + (!e.fixed && i < elements.length - 1 ? GS : '')).join('');
}

function elementString(r: Prng, p: Gs1Product): Omit<CorpusItem, 'kind'> {
  return { text: r.pick([']d2', ']C1']) + joinElements(p.elements), expect: p.expect };
}

function bracketed(_r: Prng, p: Gs1Product): Omit<CorpusItem, 'kind'> {
  // A '(' in a value is escaped as '\(' (GS1 Barcode Syntax Engine convention).
  return { text: p.elements.map((e) => `(${e.ai})${e.value.replaceAll('(', '\\(')}`).join(''), expect: p.expect };
}

/** Everything but RFC 3986 unreserved characters is percent-encoded. */
const pct = (s: string): string => encodeURIComponent(s).replace(/[!'()*]/g, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase());

function digitalLink(r: Prng, p: Gs1Product): Omit<CorpusItem, 'kind'> {
  const { di, lot, serial } = p.expect;
  let uri = `https://id.example-hospital.se/01/${di}`;
  if (lot !== undefined) uri += `/10/${pct(lot)}`;
  if (serial !== undefined) uri += `/21/${pct(serial)}`;
  const expiry = p.elements.find((e) => e.ai === '17');
  const query: string[] = [];
  if (expiry) query.push(`17=${expiry.value}`);
  if (r.chance(0.2)) query.push('linkType=gs1:epil');
  return { text: uri + (query.length > 0 ? '?' + query.join('&') : ''), expect: p.expect };
}

// ── HIBC ───────────────────────────────────────────────────────────────────────────────────────

const ALNUM = DIGITS + UPPER;

/** A combined HIBC code: +LIC PCN U/M '/' secondary, then the mod-43 check character. */
function hibcParts(r: Prng): { data: string; expect: CorpusExpect } {
  const lic = r.pick(UPPER) + freeText(r, 3, ALNUM).slice(0, 3);
  const pcn = freeText(r, r.int(1, 18), ALNUM);
  const uom = String(r.int(0, 9));
  const expect: CorpusExpect = { ok: true, scheme: 'hibc', di: lic + pcn + uom };
  const t = date(r);
  const id = freeText(r, r.int(1, 18), ALNUM);
  const jjj = String(Math.round((Date.UTC(t.y, t.m - 1, t.d) - Date.UTC(t.y, 0, 1)) / 86_400_000) + 1).padStart(3, '0');
  const form = r.pick(['$', '$+', '$$', '$$2', '$$3', '$$5', '$$7', '$$+3'] as const);
  let secondary: string;
  switch (form) {
    case '$':
    case '$+':
    case '$$7':
      secondary = form + id;
      break;
    case '$$': // MMYY: the last day of that month
      secondary = form + pad2(t.m) + pad2(t.y % 100) + id;
      expect.expiry = iso({ ...t, d: daysInMonth(t.y, t.m) });
      break;
    case '$$2':
      secondary = form + pad2(t.m) + pad2(t.d) + pad2(t.y % 100) + id;
      expect.expiry = iso(t);
      break;
    case '$$3':
    case '$$+3':
      secondary = form + yymmdd(t) + id;
      expect.expiry = iso(t);
      break;
    case '$$5':
      secondary = form + pad2(t.y % 100) + jjj + id;
      expect.expiry = iso(t);
      break;
  }
  if (form === '$+' || form === '$$+3') expect.serial = id;
  else expect.lot = id;
  return { data: `+${lic}${pcn}${uom}/${secondary}`, expect };
}

function hibc(r: Prng): Omit<CorpusItem, 'kind'> {
  const { data, expect } = hibcParts(r);
  return { text: data + hibcCheckChar(data), expect };
}

// ── ISBT 128 ───────────────────────────────────────────────────────────────────────────────────

/** FIN letters only: never an O (ICCBBA leaves it out), never a digit run with the year. */
const FIN_LETTERS = 'ABCDEFGHIJKLMNPQRSTUVWXYZ';

/** An ISBT 128 UDI (ST-011): DI, product divisions, DIN, expiry, lot; a compound message in a
 * Data Matrix (]d1) or the structures concatenated in Code 128 (]C0). */
function isbt128(r: Prng): Omit<CorpusItem, 'kind'> {
  const di = Array.from({ length: 5 }, () => r.pick(FIN_LETTERS)).join('') + freeText(r, 6, ALNUM) + freeText(r, 5, ALNUM);
  const serial = freeText(r, 6, ALNUM);
  const lot = freeText(r, 18, ALNUM);
  const t = date(r);
  const jjj = String(Math.round((Date.UTC(t.y, t.m - 1, t.d) - Date.UTC(t.y, 0, 1)) / 86_400_000) + 1).padStart(3, '0');
  // Year, sequence (first digit 2–9: never a month) and flags 00 make 10 digits that are no date.
  const din = Array.from({ length: 5 }, () => r.pick(FIN_LETTERS)).join('') + pad2(t.y % 100) + String(r.int(2, 9)) + String(r.int(0, 99_999)).padStart(5, '0') + '00';
  const parts = [`=/${di}`, `=,${serial}`, `=${din}`, `=>${String(t.y - 2000).padStart(3, '0')}${jjj}`, `&,1${lot}`];
  const text = r.chance(0.5) ? `]d1=+${pad2(parts.length)}000${parts.join('')}` : `]C0${parts.join('')}`;
  return { text, expect: { ok: true, scheme: 'isbt128', di, lot, serial, expiry: iso(t) } };
}

// ── broken ─────────────────────────────────────────────────────────────────────────────────────

type Breaker = (r: Prng) => Omit<CorpusItem, 'kind'>;

const gs1Broken = (errorCode: string, text: string): Omit<CorpusItem, 'kind'> => ({ text, expect: { ok: false, scheme: 'gs1', errorCode } });

const BREAKERS: readonly Breaker[] = [
  // A GTIN with a wrong check digit.
  (r) => {
    const g = gtin(r);
    const wrong = String((Number(g[13]) + r.int(1, 9)) % 10);
    return gs1Broken('bad-check-digit', `]d201${g.slice(0, 13)}${wrong}17${yymmdd(date(r))}10${freeText(r, r.int(1, 20), CSET82)}`);
  },
  // An impossible expiry: month 13..99 or month 00.
  (r) => {
    const month = r.chance(0.8) ? r.int(13, 99) : 0;
    return gs1Broken('bad-date', `]d201${gtin(r)}17${pad2(r.int(20, 40))}${pad2(month)}${pad2(r.int(1, 28))}10${freeText(r, r.int(1, 20), CSET82)}`);
  },
  // A day that does not exist in that month (e.g. 31 April, 30 February).
  (r) => {
    const m = r.pick([2, 4, 6, 9, 11]);
    const y = r.int(2021, 2023); // no leap year
    return gs1Broken('bad-date', `]C101${gtin(r)}17${pad2(y % 100)}${pad2(m)}${pad2(daysInMonth(y, m) + r.int(1, 31 - daysInMonth(y, m)))}`);
  },
  // The data ends inside the fixed-length expiry date.
  (r) => gs1Broken('truncated', `]d201${gtin(r)}17${yymmdd(date(r)).slice(0, r.int(0, 5))}`),
  // An Application Identifier that GS1 has not defined.
  (r) => gs1Broken('unknown-ai', `]d201${gtin(r)}${r.pick(['14', '18', '26', '27', '44', '60', '88'])}${r.pick(UPPER)}${freeText(r, r.int(1, 8), ALNUM)}`),
  // The GS after a variable-length lot is missing: the serial runs into it, over 20 characters.
  (r) => {
    const lot = freeText(r, r.int(12, 20), CSET82);
    const serial = freeText(r, r.int(20 - lot.length + 1, 20), CSET82);
    return gs1Broken('too-long', `]d201${gtin(r)}10${lot}21${serial}`);
  },
  // An HIBC code with a wrong check character.
  (r) => {
    const { data } = hibcParts(r);
    const right = HIBC_CHARSET.indexOf(hibcCheckChar(data));
    return { text: data + HIBC_CHARSET[(right + r.int(1, 42)) % 43]!, expect: { ok: false, scheme: 'hibc', errorCode: 'bad-check-digit' } };
  },
];

function broken(r: Prng): Omit<CorpusItem, 'kind'> {
  return r.pick(BREAKERS)(r);
}

// ── personal identity numbers ──────────────────────────────────────────────────────────────────

/** Luhn check digit over the 9 digits YYMMDDNNN. */
function luhnDigit(nine: string): string {
  let sum = 0;
  for (let i = 0; i < 9; i++) {
    let d = (nine.charCodeAt(i) - 0x30) * (i % 2 === 0 ? 2 : 1);
    if (d > 9) d -= 9;
    sum += d;
  }
  return String((10 - (sum % 10)) % 10);
}

/** A synthetic personnummer or samordningsnummer (day + 60), birth number 980–999. */
export function personalId(r: Prng): string {
  const y = r.int(1900, 2019);
  const m = r.int(1, 12);
  const d = r.int(1, daysInMonth(y, m)) + (r.chance(0.2) ? 60 : 0);
  const nine = pad2(y % 100) + pad2(m) + pad2(d) + String(r.int(980, 999));
  const ten = nine + luhnDigit(nine);
  const century = String(Math.floor(y / 100));
  switch (r.int(0, 3)) {
    case 0:
      return `${century}${ten.slice(0, 6)}-${ten.slice(6)}`;
    case 1:
      return `${ten.slice(0, 6)}-${ten.slice(6)}`;
    case 2:
      return century + ten;
    default:
      return ten;
  }
}
