// GS1 check digits and check character pairs:
//   gs1CheckDigit('0950600013435')            → 2   (so GTIN 09506000134352 is valid)
//   isValidGs1CheckDigits('09506000134352')   → true
//   gs1CheckPair('1987654Ad4X4bL5ttr2310c')   → '2K' (GMN 1987654Ad4X4bL5ttr2310c2K)
//   isValidGs1CheckPair('1987654Ad4X4bL5ttr2310c2K') → true

/**
 * GS1 mod-10 (General Specifications §7.9.1): from the right, digits are weighted 3, 1, 3, …; the
 * check digit brings the sum up to a multiple of ten. -1 if the input holds a non-digit.
 */
export function gs1CheckDigit(digitsWithoutCheck: string): number {
  return checkDigitOf(digitsWithoutCheck, digitsWithoutCheck.length);
}

/** gs1CheckDigit of s[0, end): no substring is cut for it. */
function checkDigitOf(s: string, end: number): number {
  let sum = 0;
  let weight = 3;
  for (let i = end - 1; i >= 0; i--) {
    const d = s.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return -1;
    sum += d * weight;
    weight = 4 - weight;
  }
  return (10 - (sum % 10)) % 10;
}

/** Digits whose last digit is the GS1 mod-10 check digit of the others (at least two digits). */
export function isValidGs1CheckDigits(digits: string): boolean {
  const n = digits.length;
  if (n < 2) return false;
  const last = digits.charCodeAt(n - 1) - 48;
  return last >= 0 && last <= 9 && checkDigitOf(digits, n - 1) === last;
}

// Check character pair for alphanumeric keys (GMN, AIs 8013/8014; General Specifications §7.9.5):
// each data character's position in CSET 82 (0..81) is weighted by a prime, 2 for the rightmost
// data character, then 3, 5, 7 … leftwards; the sum modulo 1021 (ten bits) is split into two
// five-bit halves, each written as a character of CSET 32.
const CSET82 = '!"%&\'()*+,-./0123456789:;<=>?ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz';
const CSET32 = '23456789ABCDEFGHJKLMNPQRSTUVWXYZ';
/** The longest data (without the pair) we weight: far above any AI (8013 is at most 25 long). */
const MAX_PAIR_DATA = 256;

const CSET82_VALUE = new Int8Array(128).fill(-1);
for (let i = 0; i < CSET82.length; i++) CSET82_VALUE[CSET82.charCodeAt(i)] = i;

/** The first MAX_PAIR_DATA primes, made on first use: at load, this loop alone woke V8's optimising compiler (+3 MB RSS for `implant-scan parse`). */
let PRIMES: Int32Array | undefined;
const primes = (): Int32Array => (PRIMES ??= firstPrimes(MAX_PAIR_DATA));

function firstPrimes(count: number): Int32Array {
  const primes: number[] = [];
  for (let n = 2; primes.length < count; n++) {
    let prime = true;
    for (const p of primes) {
      if (p * p > n) break;
      if (n % p === 0) {
        prime = false;
        break;
      }
    }
    if (prime) primes.push(n);
  }
  return Int32Array.from(primes);
}

/** The two check characters for `data`, or null if it holds a non-CSET-82 character or is too long. */
export function gs1CheckPair(data: string): string | null {
  const n = data.length;
  if (n > MAX_PAIR_DATA) return null;
  const weights = primes();
  let sum = 0;
  for (let i = 0; i < n; i++) {
    const c = data.charCodeAt(i);
    const v = c < 128 ? (CSET82_VALUE[c] ?? -1) : -1;
    if (v < 0) return null;
    sum += v * (weights[n - 1 - i] ?? 0);
  }
  sum %= 1021;
  return CSET32.charAt(sum >> 5) + CSET32.charAt(sum & 31);
}

/** Data ending in its check character pair. */
export function isValidGs1CheckPair(value: string): boolean {
  const n = value.length;
  if (n < 2) return false;
  return gs1CheckPair(value.slice(0, n - 2)) === value.slice(n - 2);
}
