// The GS1 Syntax Tests ("linters") that the Syntax Dictionary names after a component, e.g.
// "N6,yymmd0" or "N14,csum,gcppos2":
//   LINTERS.get('yymmd0')?.('250231', '(17) expiry date')
//     → { code: 'bad-date', message: '(17) expiry date 250231: February has no day 31' }
//   LINTERS.get('csum')?.('09506000134352', '(01) GTIN') → null
//
// A linter sees one component whose length and character set are already checked
// (validate-value.ts). Check digits fail as bad-check-digit, dates and times as bad-date,
// everything else as bad-value. Behaviour follows the reference linters of the GS1 Barcode
// Syntax Tests (https://ref.gs1.org/tools/gs1-barcode-syntax-resource/syntax-tests/).

import { error, type ErrorCode, type ParseError } from '../result.ts';
import { shown } from './ai-label.ts';
import { gs1CheckDigit, gs1CheckPair, isValidGs1CheckDigits } from './check-digits.ts';
import { hhmiProblem, hhProblem, miProblem, ssProblem, yymmddProblem, yyyymmddProblem } from './dates.ts';
import { isIso3166Alpha2, isIso3166Numeric } from './lint/country-codes.ts';
import { couponCodeProblem, couponPosOfferProblem } from './lint/coupon.ts';
import { isIso4217Numeric } from './lint/currency-codes.ts';
import { ibanProblem } from './lint/iban.ts';
import { isPackageType } from './lint/package-types.ts';

/** `label` names the AI, e.g. "(17) expiry date"; `now` anchors two-digit years (default: now). */
export type Linter = (value: string, label: string, now?: Date) => ParseError | null;

/** Why the value fails, or null. */
type Rule = (value: string, now?: Date) => string | null;

// The shortest GS1 Company Prefix has 4 digits. Without the GS1 prefix-length table (which
// changes as GS1 member organisations allocate prefixes) this is all the reference linter checks
// too: that a company prefix's first four characters are digits.
const GCP_MIN_LENGTH = 4;

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

function allDigits(v: string): boolean {
  for (let i = 0; i < v.length; i++) if (!isDigit(v.charCodeAt(i))) return false;
  return true;
}

function allZero(v: string): boolean {
  for (let i = 0; i < v.length; i++) if (v.charCodeAt(i) !== 48) return false;
  return true;
}

/** Importer index of EU 2018/574 tobacco traceability: 0-9, A-Z, a-z, "-" or "_". */
function isImporterIndex(c: number): boolean {
  return isDigit(c) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 45 || c === 95;
}

function isHex(c: number): boolean {
  return isDigit(c) || (c >= 65 && c <= 70) || (c >= 97 && c <= 102);
}

/** Why v, from index `from` on, does not start with a GS1 Company Prefix, or null. */
const gcpProblem = (v: string, from = 0): string | null => {
  if (v.length - from < GCP_MIN_LENGTH) return 'too short to start with a GS1 Company Prefix';
  for (let i = from; i < from + GCP_MIN_LENGTH; i++) {
    if (!isDigit(v.charCodeAt(i))) return `must start with a GS1 Company Prefix, whose first ${GCP_MIN_LENGTH} characters are digits`;
  }
  return null;
};

const oneOf = (allowed: readonly string[], meaning: string): Rule => (v) => (allowed.includes(v) ? null : `must be ${meaning}`);

const DATE_RULES: Record<string, Rule> = {
  yymmd0: (v, now) => yymmddProblem(v, true, now),
  yymmdd: (v, now) => yymmddProblem(v, false, now),
  yyyymmdd: (v) => yyyymmddProblem(v),
  hhmi: (v) => hhmiProblem(v),
  hh: (v) => hhProblem(v),
  mi: (v) => miProblem(v),
  ss: (v) => ssProblem(v),
};

const CHECK_RULES: Record<string, Rule> = {
  csum: (v) => {
    if (isValidGs1CheckDigits(v)) return null;
    const want = v.length < 2 ? -1 : gs1CheckDigit(v.slice(0, -1));
    return want < 0 ? 'needs digits ending in a check digit' : `wrong check digit ${v.slice(-1)}, expected ${want}: misprinted or misread`;
  },
  csumalpha: (v) => {
    if (v.length < 2) return 'too short to end in its two check characters';
    const want = gs1CheckPair(v.slice(0, -2));
    if (want === null) return 'too long for a check character pair';
    return want === v.slice(-2) ? null : `wrong check characters ${v.slice(-2)}, expected ${want}: misprinted or misread`;
  },
};

const VALUE_RULES: Record<string, Rule> = {
  gcppos1: (v) => gcpProblem(v),
  gcppos2: (v) => (v.length < 2 ? 'too short to hold a GS1 Company Prefix' : gcpProblem(v, 1)),
  iso3166: (v) => (isIso3166Numeric(v) ? null : 'is not an ISO 3166 country code'),
  iso3166999: (v) => (v === '999' || isIso3166Numeric(v) ? null : 'is neither an ISO 3166 country code nor 999'),
  iso3166alpha2: (v) => (isIso3166Alpha2(v) ? null : 'is not an ISO 3166 two-letter country code'),
  iso4217: (v) => (isIso4217Numeric(v) ? null : 'is not an ISO 4217 currency code'),
  iso5218: oneOf(['0', '1', '2', '9'], '0 (not known), 1 (male), 2 (female) or 9 (not applicable)'),
  yesno: oneOf(['0', '1'], '0 (no) or 1 (yes)'),
  winding: oneOf(['0', '1', '9'], '0 (face out), 1 (face in) or 9 (undefined)'),
  zero: (v) => (v.length > 0 && allZero(v) ? null : 'must be 0'),
  nonzero: (v) => (allDigits(v) && !allZero(v) ? null : 'must not be zero'),
  nozeroprefix: (v) => (v.charCodeAt(0) === 48 ? 'must not start with 0' : allDigits(v) ? null : 'must be digits only'),
  hasnondigit: (v) => (allDigits(v) ? 'must contain at least one character that is not a digit' : null),
  hyphen: (v) => (v.length > 0 && v.replaceAll('-', '') === '' ? null : 'must be a hyphen (-)'),
  latitude: (v) => (v.length === 10 && allDigits(v) && Number(v) <= 1_800_000_000 ? null : 'must be a latitude, 0000000000 to 1800000000'),
  longitude: (v) => (v.length === 10 && allDigits(v) && Number(v) <= 3_600_000_000 ? null : 'must be a longitude, 0000000000 to 3600000000'),
  pcenc: (v) => {
    for (let i = v.indexOf('%'); i >= 0; i = v.indexOf('%', i + 3)) {
      if (!isHex(v.charCodeAt(i + 1)) || !isHex(v.charCodeAt(i + 2))) return `"%" at position ${i + 1} is not followed by two hexadecimal digits`;
    }
    return null;
  },
  // PPTT: piece number PP of TT pieces, both halves the same width, neither zero, PP ≤ TT.
  pieceoftotal: (v) => {
    const half = v.length >> 1;
    if (v.length === 0 || v.length % 2 !== 0 || !allDigits(v)) return 'must be a piece number and a total of equal width';
    const piece = v.slice(0, half);
    const total = v.slice(half);
    if (allZero(piece)) return 'the piece number must not be zero';
    if (allZero(total)) return 'the total number of pieces must not be zero';
    return piece > total ? `piece ${Number(piece)} is beyond the total of ${Number(total)}` : null;
  },
  // "pos/end": position in a sequence, e.g. 2/3; no leading zeros, pos ≤ end.
  posinseqslash: (v) => {
    const slash = v.indexOf('/');
    const pos = v.slice(0, slash);
    const end = v.slice(slash + 1);
    if (slash <= 0 || end === '' || !allDigits(pos) || !allDigits(end)) return 'must be a position and a total written as 1/3';
    if (pos.charCodeAt(0) === 48 || end.charCodeAt(0) === 48) return 'position and total must not start with 0';
    return pos.length > end.length || (pos.length === end.length && pos > end) ? `position ${pos} is beyond the total of ${end}` : null;
  },
  importeridx: (v) => (v.length === 1 && isImporterIndex(v.charCodeAt(0)) ? null : 'must be one character: a digit, a letter, "-" or "_"'),
  // AIDC media types (GS1 General Specifications): 01–10 assigned by ICCBBA, 80–99 local use.
  mediatype: (v) => {
    const n = v.length === 2 && allDigits(v) ? Number(v) : -1;
    return (n >= 1 && n <= 10) || n >= 80 ? null : 'is not an AIDC media type (01–10 or 80–99)';
  },
  packagetype: (v) => (isPackageType(v) ? null : 'is not a package type code (UN/ECE Recommendation 21)'),
  couponcode: (v, now) => couponCodeProblem(v, now),
  couponposoffer: (v) => couponPosOfferProblem(v),
};

function linter(code: ErrorCode, rule: Rule): Linter {
  return (value, label, now) => {
    const why = rule(value, now);
    return why === null ? null : error(code, `${label} ${shown(value)}: ${why}`);
  };
}

// IBAN: a wrong mod-97 check is a misread like any other check digit; the rest is bad-value.
const iban: Linter = (value, label) => {
  const p = ibanProblem(value);
  return p === null ? null : error(p.checksum ? 'bad-check-digit' : 'bad-value', `${label} ${shown(value)}: ${p.why}`);
};

export const LINTERS: ReadonlyMap<string, Linter> = new Map<string, Linter>([
  ...Object.entries(CHECK_RULES).map(([name, rule]) => [name, linter('bad-check-digit', rule)] as const),
  ...Object.entries(DATE_RULES).map(([name, rule]) => [name, linter('bad-date', rule)] as const),
  ...Object.entries(VALUE_RULES).map(([name, rule]) => [name, linter('bad-value', rule)] as const),
  ['iban', iban],
]);
