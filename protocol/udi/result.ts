// The parser's output contract (docs/architecture.md, "implant-scan parse"):
//   parse(']d2010405432100012517290131' + '10ABC') →
//   { ok: true, scheme: 'gs1', symbology: ']d2', elements: [{ai:'01',value:'04054321000125'}, …],
//     udi: { di: '04054321000125', lot: 'ABC', serial: null, expiry: '2029-01-31', manufactured: null },
//     errors: [] }

export type Scheme = 'gs1' | 'hibc' | 'isbt128' | 'unknown' | 'personal-id';

/** Stable error identifiers: programs match on these, people read the message. */
export type ErrorCode =
  | 'empty' // nothing but whitespace / terminators
  | 'too-long' // the whole scan, or one value, is longer than allowed
  | 'too-short' // a value shorter than its AI allows
  | 'bad-charset' // a character outside the AI's / scheme's character set
  | 'bad-check-digit' // GTIN/GLN/SSCC/GSRN… mod-10, GMN mod-1021 or HIBC mod-43
  | 'bad-date' // impossible date or time
  | 'bad-value' // any other content rule of the GS1 Syntax Dictionary (country, currency, …)
  | 'unknown-ai' // an Application Identifier that GS1 has not defined
  | 'missing-required-ai' // a `req` rule: e.g. (17) without (01)
  | 'excluded-ai' // an `ex` rule: e.g. (01) together with (02)
  | 'duplicate-ai' // the same AI twice with different values
  | 'truncated' // data ends inside an AI or a fixed-length value
  | 'bad-bracketed' // malformed bracketed form "(01)…"
  | 'bad-digital-link' // malformed GS1 Digital Link URI
  | 'compressed-digital-link' // no longer produced: compressed Digital Links are decoded
  | 'bad-hibc' // malformed HIBC structure
  | 'bad-isbt128' // malformed ISBT 128 data structures or compound message
  | 'bad-symbology' // malformed or contradicting AIM symbology identifier
  | 'personal-id' // looks like a Swedish personal identity number or patient data
  | 'not-a-product' // a valid code that identifies no product (e.g. only an SSCC)
  | 'unrecognised'; // none of the supported schemes

export interface ParseError {
  code: ErrorCode;
  message: string;
}

export interface Element {
  ai: string;
  value: string;
}

export interface Udi {
  di: string | null;
  lot: string | null;
  serial: string | null;
  /** YYYY-MM-DD */
  expiry: string | null;
  /** YYYY-MM-DD */
  manufactured: string | null;
}

export interface ParseResult {
  ok: boolean;
  scheme: Scheme;
  /** The AIM symbology identifier as sent (e.g. "]d2"), or null when the scanner sent none. */
  symbology: string | null;
  /** GS1 element strings in scan order; empty for other schemes (HIBC, ISBT 128). */
  elements: Element[];
  udi: Udi;
  errors: ParseError[];
}

export const emptyUdi = (): Udi => ({ di: null, lot: null, serial: null, expiry: null, manufactured: null });

export const error = (code: ErrorCode, message: string): ParseError => ({ code, message });
