// Processor Product Identification Code [Data Structure 034], data identifier '=/': the UDI-DI of
// a medical device of human origin (ICCBBA ST-001 §2.4.34, ST-011 §4):
//   PROCESSOR_PRODUCT_ID.read('A9997AB3456T0123') → { value: 'A9997AB3456T0123' }
//   (FIN A9997 · facility product code AB3456 · product description code T0123, ST-011's example)
//
// 16 characters: the processor's facility identification number (5: A–N, P–Z, 0–9), its own
// product code (6: A–Z, 0–9) and ICCBBA's product description code (5: A–Z, 0–9). The DI is the 16
// characters without '=/', as the FDA's GUDID stores it. No check character.

import { finError, type StructureSpec, upperAlphanumericError } from './structure.ts';

export const PROCESSOR_PRODUCT_ID: StructureSpec = {
  number: '034',
  name: 'Processor Product Identification Code',
  id: '=/',
  length: 16,
  read(content) {
    const bad = finError('product identification code (=/)', content.slice(0, 5)) ?? upperAlphanumericError('product identification code (=/)', content.slice(5));
    return bad ? { error: bad } : { value: content };
  },
};
