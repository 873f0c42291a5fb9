// AIM symbology identifiers (ISO/IEC 15424): the three characters a scanner puts in front of the
// data when "AIM ID" is enabled.
//   splitSymbology(']d2010950600013435217290131') → { id: ']d2', kind: 'gs1', data: '0109506…' }
//   splitSymbology('+A99912345/$$52001510X3')     → { id: null, kind: 'none', data: '+A999…' }

/** gs1: the data is GS1 element strings (FNC1 in first position); ean: an EAN/UPC number that is a
 * GTIN; plain: a symbology that carries other data (HIBC, URIs, text); none: no identifier sent. */
export type SymbologyKind = 'gs1' | 'ean' | 'plain' | 'none';

export interface Symbology {
  id: string | null;
  kind: SymbologyKind;
  data: string;
  /** Set when the data starts with ']' but not with a well-formed identifier. */
  malformed: boolean;
}

// The identifiers that announce GS1 element strings (GS1 General Specifications §5.1.2, fig. 5.1.2-1):
// GS1-128, GS1 DataMatrix, GS1 QR Code, GS1 DataBar, GS1 DotCode, GS1 Composite.
const GS1_IDS = [']C1', ']d2', ']Q3', ']e0', ']J1', ']e1', ']e2'];
// EAN-13 / UPC-A, EAN-8, ITF-14 with check digit: the whole data is a GTIN.
const EAN_IDS = [']E0', ']E4', ']I1'];

/** The known identifier that `text` starts with, compared in place: no string is cut for it. */
function knownId(text: string, ids: readonly string[]): string | undefined {
  for (const id of ids) if (text.charCodeAt(1) === id.charCodeAt(1) && text.charCodeAt(2) === id.charCodeAt(2)) return id;
  return undefined;
}

const isAlnum = (c: number): boolean =>
  (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a);
const isLetter = (c: number): boolean => (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a);

export function splitSymbology(text: string): Symbology {
  if (text.charCodeAt(0) !== 0x5d /* ] */) return { id: null, kind: 'none', data: text, malformed: false };
  if (text.length < 3 || !isLetter(text.charCodeAt(1)) || !isAlnum(text.charCodeAt(2))) {
    return { id: null, kind: 'none', data: text, malformed: true };
  }
  const gs1 = knownId(text, GS1_IDS);
  if (gs1 !== undefined) return { id: gs1, kind: 'gs1', data: text.slice(3), malformed: false };
  const ean = knownId(text, EAN_IDS);
  if (ean !== undefined) return { id: ean, kind: 'ean', data: text.slice(3), malformed: false };
  return { id: text.slice(0, 3), kind: 'plain', data: text.slice(3), malformed: false };
}
