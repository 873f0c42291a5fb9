// Product metadata sources: where the national service learns what a device identifier names.
//   const info = await source.lookup('07350012340005', 'gs1', signal);
//   → { name: 'Exempel Hip Stem…', manufacturer: 'Exempel Ortopedi AB', … } | null (unknown product)
// A lookup that cannot answer (timeout, source down, circuit open, unreadable answer) throws a
// SourceError; the resolver records the failure and serves the barcode data marked "partial".

export type DiScheme = 'gs1' | 'hibc' | 'isbt128';

/** What a source says about a product. Text is catalogue text: ≤ 256 characters, no controls. */
export interface ProductInfo {
  /** The product's name as its manufacturer gives it (FHIR deviceName, type manufacturer-name). */
  name: string;
  manufacturer: string | null;
  /** The model's name (FHIR deviceName, type model-name). */
  modelName: string | null;
  /** The manufacturer's catalogue or reference number (FHIR Device.modelNumber). */
  modelNumber: string | null;
  /** EU MDR risk class: "I", "IIa", "IIb", "III", or "AIMD". */
  deviceClass: string | null;
  /** What kind of device, e.g. "Intraocular lens" (FHIR Device.type.text). */
  deviceType: string | null;
}

export interface MetadataSource {
  /** Short and stable: it names the source in receipts, the registry API and logs. [a-z0-9-]. */
  readonly name: string;
  /** The product behind a device identifier, null when the source does not know it. Throws
   * SourceError when it cannot answer; gives up when `signal` aborts. */
  lookup(di: string, scheme: DiScheme, signal: AbortSignal): Promise<ProductInfo | null>;
}

export type SourceErrorCode = 'timeout' | 'unavailable' | 'bad-response' | 'circuit-open' | 'aborted';

export class SourceError extends Error {
  override name = 'SourceError';
  constructor(
    readonly code: SourceErrorCode,
    message: string,
  ) {
    super(message);
  }
}

export const PRODUCT_FIELDS = ['name', 'manufacturer', 'modelName', 'modelNumber', 'deviceClass', 'deviceType'] as const;
export const MAX_PRODUCT_TEXT = 256;

// C0/C1 controls and line separators: nothing a station page or a registry form should show.
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/gu;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/gu;

/** Catalogue text made safe to store and show: controls removed, trimmed, ≤ 256 characters; null
 * for anything that is not a non-empty string (numbers are accepted: catalogue numbers). */
export function cleanText(v: unknown): string | null {
  if (typeof v === 'number' && Number.isFinite(v)) v = String(v);
  if (typeof v !== 'string') return null;
  let s = v.replace(CONTROL, ' ').replace(LONE_SURROGATE, '').replace(/\s+/g, ' ').trim();
  if (s.length > MAX_PRODUCT_TEXT) {
    s = s.slice(0, MAX_PRODUCT_TEXT);
    if (/[\uD800-\uDBFF]$/.test(s)) s = s.slice(0, -1);
  }
  return s.length > 0 ? s : null;
}

/** A ProductInfo from untrusted fields, or null when it has no usable name. */
export function cleanProduct(fields: Partial<Record<(typeof PRODUCT_FIELDS)[number], unknown>>): ProductInfo | null {
  const name = cleanText(fields.name);
  if (name === null) return null;
  return {
    name,
    manufacturer: cleanText(fields.manufacturer),
    modelName: cleanText(fields.modelName),
    modelNumber: cleanText(fields.modelNumber),
    deviceClass: cleanText(fields.deviceClass),
    deviceType: cleanText(fields.deviceType),
  };
}
