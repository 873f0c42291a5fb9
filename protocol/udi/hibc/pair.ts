// A label printed as two HIBC barcodes: the primary (product) and the separate secondary (lot,
// serial, expiry), tied together by the secondary's link character (ANSI/HIBC 2.6 §2.2):
//   parseHibcPair('+A999123457', '+$$3290131LOT427A')
//     → ok, udi { di: 'A99912345', lot: 'LOT42', expiry: '2029-01-31', … }
//   parseHibcPair('+A999123457', '+$$3290131LOT42X?') → 'bad-hibc': the link 'X' is not the
//     primary's check character '7', so the two barcodes come from different labels.
//
// The secondary's next-to-last character must equal the primary's check character. The two scans
// may come in either order. Each is first checked on its own (parse-hibc.ts).

import { error, type ParseError } from '../result.ts';
import { showChar } from './mod43.ts';
import { type HibcResult, parseHibc } from './parse-hibc.ts';

export function parseHibcPair(first: string, second: string, now?: Date): HibcResult {
  let primary = parseHibc(first, now);
  let secondary = parseHibc(second, now);
  if (primary.hibc?.structure === 'secondary' && secondary.hibc?.structure === 'primary') {
    [primary, secondary] = [secondary, primary];
  }
  // A secondary's own 'not-a-product' is answered by the pairing (or replaced by its error below).
  const errors: ParseError[] = [...primary.errors, ...secondary.errors].filter((e) => e.code !== 'not-a-product');
  const p = primary.hibc;
  const s = secondary.hibc;
  if (p !== null && p.structure !== 'primary') {
    errors.push(error('bad-hibc', 'Of two linked HIBC barcodes, one must be a product code on its own (+LIC, product number, unit of measure).'));
  }
  if (s !== null && s.structure !== 'secondary') {
    errors.push(error('bad-hibc', "Of two linked HIBC barcodes, one must be a separate secondary code ('+$…' with lot, serial or expiry)."));
  }
  if (p?.structure === 'primary' && s?.structure === 'secondary' && s.link !== p.check) {
    errors.push(
      error(
        'bad-hibc',
        `The secondary barcode's link character is ${showChar(s.link ?? '')} but the product barcode's check character is ${showChar(p.check)}: the two barcodes come from different labels.`,
      ),
    );
  }
  const udi = { ...secondary.udi, di: primary.udi.di };
  const hibc = p !== null && s !== null ? { ...p, structure: 'pair' as const, form: s.form, quantity: s.quantity, link: s.link } : p;
  return { ok: errors.length === 0 && udi.di !== null, udi, errors, hibc };
}
