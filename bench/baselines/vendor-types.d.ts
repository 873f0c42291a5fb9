// Types for the devDependency gs1-barcode-parser-mod (CommonJS, ships none), as far as the
// benchmark uses it. Its README describes the result.
declare module 'gs1-barcode-parser-mod' {
  export interface ParsedElement {
    ai: string;
    dataTitle: string;
    data: string | number | Date;
    unit: string;
    raw: string;
    isoDate: string;
  }
  export interface ParsedBarcode {
    codeName: string;
    parsedCodeItems: ParsedElement[];
  }
  /** Throws a string describing the problem when it cannot parse the code. */
  export function parseBarcode(barcode: string): ParsedBarcode;
}
