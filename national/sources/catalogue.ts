// The local product catalogue: a JSON file of products keyed by device identifier, held in memory.
//   const source = catalogueSource(sampleCatalogue);          // the bundled, fictional sample
//   const source = catalogueSource(await loadCatalogueFile('products.json'), 'hospital-catalogue');
//   await source.lookup('07399990001092', 'gs1', signal)      → { name: 'Fiktiv Höftstam …', … }
// File format: { "products": [{ "scheme": "gs1"|"hibc"|"isbt128", "di", "name", "manufacturer"?,
// "modelName"?, "modelNumber"?, "deviceClass"?, "deviceType"? }] }. A GS1 DI is the GTIN-14 as the
// parser gives it (a GTIN-13 is padded with a leading 0); an HIBC DI is labeler + product + unit.

import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import sample from '../catalogue/sample-catalogue.json' with { type: 'json' };
import { cleanProduct, type DiScheme, type MetadataSource, type ProductInfo } from './types.ts';

const text = z.string().min(1).max(256);
const entry = z.object({
  scheme: z.enum(['gs1', 'hibc', 'isbt128']),
  di: z.string().regex(/^[0-9A-Z$./+%-]{1,64}$/, 'a device identifier: GTIN-14 digits or HIBC characters'),
  name: text,
  manufacturer: text.nullish(),
  modelName: text.nullish(),
  modelNumber: text.nullish(),
  deviceClass: text.nullish(),
  deviceType: text.nullish(),
});
const catalogueSchema = z.object({ products: z.array(entry).max(1_000_000) });

export type Catalogue = z.infer<typeof catalogueSchema>;

/** The bundled sample: about ten invented implants from invented manufacturers. */
export const sampleCatalogue: Catalogue = catalogueSchema.parse(sample);

/** Validates a parsed catalogue; throws an Error naming the first bad entry. */
export function parseCatalogue(v: unknown): Catalogue {
  const r = catalogueSchema.safeParse(v);
  if (!r.success) {
    const issue = r.error.issues[0];
    throw new Error(`catalogue: ${issue ? `${issue.path.join('.')}: ${issue.message}` : 'invalid'}`);
  }
  return r.data;
}

export async function loadCatalogueFile(path: string): Promise<Catalogue> {
  return parseCatalogue(JSON.parse(await readFile(path, 'utf8')));
}

export function catalogueSource(catalogue: Catalogue, name = 'catalogue'): MetadataSource {
  const products = new Map<string, ProductInfo>();
  for (const p of catalogue.products) {
    const info = cleanProduct(p);
    if (info) products.set(`${p.scheme}:${p.di}`, info);
  }
  return {
    name,
    lookup(di: string, scheme: DiScheme): Promise<ProductInfo | null> {
      return Promise.resolve(products.get(`${scheme}:${di}`) ?? null);
    },
  };
}
