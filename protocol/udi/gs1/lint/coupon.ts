// North American coupon codes, for the GS1 linters couponcode (AI 8110) and couponposoffer (AI 8112):
//   couponCodeProblem('012345612345611110123') → null   (GCP 0123456, offer 123456, save 1, …)
//   couponCodeProblem('0123456')               → 'the offer code needs 6 digits'
//   couponPosOfferProblem('001234561234560123456') → null
//
// Both are chains of fields, some preceded by a one-digit length indicator (VLI); 8110 then has
// optional fields, each introduced by its number (1, 2, 3, 4, 5, 6, 9) and allowed once, in order.
// Sources: "North American Coupon Application Guideline Using GS1 DataBar Expanded Symbols" and
// "GS1 AI (8112) Coupon Data Specification", as the GS1 Syntax Engine's linters apply them.
// The GS1 Company Prefixes inside are all digits and at least 6 long, so the gcppos1 test that
// the reference applies to them cannot fail here and is left out.

import { yymmddProblem, yymmddToIso } from '../dates.ts';

/** Reads fields left to right; after the first problem every call is a no-op. */
class Fields {
  pos = 0;
  problem: string | null = null;
  constructor(private readonly s: string) {}

  /** Whether the next character is `c` (an optional field's number); consumes it if so. */
  opens(c: string): boolean {
    if (this.problem !== null || this.s[this.pos] !== c) return false;
    this.pos++;
    return true;
  }

  /** One digit that must be among `allowed`; -1 once a problem is recorded. */
  digit(what: string, allowed: string): number {
    if (this.problem !== null) return -1;
    const c = this.s[this.pos];
    if (c === undefined) return this.fail(`the ${what} is missing`);
    if (!allowed.includes(c)) return this.fail(`the ${what} must be one of ${[...allowed].join(', ')}`);
    this.pos++;
    return c.charCodeAt(0) - 48;
  }

  /** `n` characters; '' once a problem is recorded. */
  take(what: string, n: number): string {
    if (this.problem !== null) return '';
    if (this.s.length - this.pos < n) {
      this.fail(`the ${what} needs ${n} digits`);
      return '';
    }
    this.pos += n;
    return this.s.slice(this.pos - n, this.pos);
  }

  /** A length indicator from `allowed`, then a field of (indicator + extra) digits. */
  sized(what: string, allowed: string, extra: number): string {
    const vli = this.digit(`${what} length indicator`, allowed);
    return vli < 0 ? '' : this.take(what, vli + extra);
  }

  fail(problem: string): -1 {
    this.problem = problem;
    return -1;
  }

  end(): string | null {
    if (this.problem === null && this.pos < this.s.length) this.problem = `unexpected data "${this.s.slice(this.pos)}" at the end`;
    return this.problem;
  }
}

function allDigits(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  return true;
}

/** A purchase requirement: sized value, code, family code, and (for the 2nd and 3rd) a GCP. */
function purchase(f: Fields, nth: string, withGcp: boolean): void {
  f.sized(`${nth} purchase requirement`, '12345', 0);
  f.digit(`${nth} purchase requirement code`, '012349');
  f.take(`${nth} purchase family code`, 3);
  if (!withGcp) return;
  const vli = f.digit(`${nth} purchase GS1 Company Prefix length indicator`, '01234569');
  if (vli >= 0 && vli !== 9) f.take(`${nth} purchase GS1 Company Prefix`, vli + 6); // 9: no prefix
}

export function couponCodeProblem(value: string, now?: Date): string | null {
  if (!allDigits(value)) return 'a coupon code holds digits only';
  const f = new Fields(value);
  f.sized('GS1 Company Prefix', '0123456', 6);
  f.take('offer code', 6);
  f.sized('save value', '12345', 0);
  purchase(f, '1st', false);
  if (f.opens('1')) {
    f.digit('additional purchase rules code', '0123');
    purchase(f, '2nd', true);
  }
  if (f.opens('2')) purchase(f, '3rd', true);
  let expiry = '';
  if (f.opens('3')) {
    expiry = f.take('expiration date', 6);
    const why = expiry === '' ? null : yymmddProblem(expiry, false, now);
    if (why !== null) f.fail(`the expiration date ${expiry} is wrong: ${why}`);
  }
  if (f.opens('4')) {
    const start = f.take('start date', 6);
    const why = start === '' ? null : yymmddProblem(start, false, now);
    if (why !== null) f.fail(`the start date ${start} is wrong: ${why}`);
    else if (expiry !== '' && (yymmddToIso(start, false, now) ?? '') > (yymmddToIso(expiry, false, now) ?? '')) {
      f.fail(`the coupon expires (${expiry}) before it starts (${start})`);
    }
  }
  if (f.opens('5')) f.sized('serial number', '0123456789', 6);
  if (f.opens('6')) f.sized('retailer GS1 Company Prefix or GLN', '1234567', 6);
  if (f.opens('9')) {
    f.digit('save value code', '01256');
    f.digit('save value applies-to-item', '012');
    f.digit('store coupon flag', '0123456789');
    f.digit("don't-multiply flag", '01');
  }
  return f.end();
}

export function couponPosOfferProblem(value: string): string | null {
  if (!allDigits(value)) return 'a coupon code holds digits only';
  const f = new Fields(value);
  f.digit('format code', '01');
  f.sized('funder ID', '0123456', 6);
  f.take('offer code', 6);
  f.sized('serial number', '0123456789', 6);
  return f.end();
}
