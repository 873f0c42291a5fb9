// How AIs and values appear in error messages, for a nurse as much as for a developer:
//   aiLabel('17')   → '(17) expiry date'
//   aiLabel('4300') → '(4300) SHIP TO COMP'   (the dictionary's title where we have no better name)
//   aiLabel('89')   → '(89)'                  (not a GS1 AI)
//   shown('AB\x1dC7') → 'AB\x1DC#'        (control characters escaped, digits masked, long values cut)
// Plain names for the AIs found on medical-device labels; the dictionary's short titles elsewhere.

import { AI_ENTRIES } from './ai-table.generated.ts';

const PLAIN_NAMES: Record<string, string> = {
  '00': 'SSCC (shipping container code)',
  '01': 'GTIN',
  '02': 'GTIN of contained items',
  '10': 'batch/lot number',
  '11': 'production date',
  '12': 'due date',
  '13': 'packaging date',
  '15': 'best before date',
  '16': 'sell by date',
  '17': 'expiry date',
  '20': 'variant',
  '21': 'serial number',
  '22': 'consumer product variant',
  '240': 'additional product ID',
  '241': 'customer part number',
  '250': 'secondary serial number',
  '30': 'count',
  '37': 'count of trade items',
  '7003': 'expiry date and time',
  '8006': 'ITIP (piece of a trade item)',
  '8013': 'GMN (global model number)',
  '8020': 'payment slip reference number',
  '8110': 'coupon code',
  '8112': 'paperless coupon code',
  '8200': 'product URL',
};

const LABELS = new Map<string, string>();
for (const { ai, title } of AI_ENTRIES) {
  const name = PLAIN_NAMES[ai] ?? title;
  LABELS.set(ai, name === '' ? `(${ai})` : `(${ai}) ${name}`);
}

/** `title` names an AI that the table does not hold (an entry built elsewhere, e.g. in a test). */
export function aiLabel(ai: string, title = ''): string {
  return LABELS.get(ai) ?? (title === '' ? `(${ai})` : `(${ai}) ${title}`);
}

/** Longest value echoed in a message: hostile input must not make messages large. */
const SHOWN_MAX = 40;

/** A value as a message shows it: digits as '#', other printable ASCII as is, anything else escaped, cut at 40. */
export function shown(value: string): string {
  let out = '';
  const n = Math.min(value.length, SHOWN_MAX);
  for (let i = 0; i < n; i++) {
    const c = value.charCodeAt(i);
    const hex = c.toString(16).toUpperCase();
    // Digits are never echoed: a value may hold a mistyped personal identity number.
    out += c >= 0x30 && c <= 0x39 ? '#' : c >= 0x20 && c < 0x7f ? value[i] : c < 0x100 ? `\\x${hex.padStart(2, '0')}` : `\\u{${hex}}`;
  }
  return value.length > SHOWN_MAX ? `${out}…` : out;
}
