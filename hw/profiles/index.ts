// The scanner families the gateway is tested with, and which one a USB device is.
//   profileFor('05E0', 0x1701) → { profile: zebra, product: { id: '1701', mode: 'cdc', … } }
//   profileFor('0c2e', '9999') → { profile: honeywell, product: undefined }   (known family, unknown model)
//   profileFor('1234', '0001') → undefined
//
// Vendor ids here and in hw/udev/99-implant-scanner.rules are kept in step by udev.test.ts.

import { datalogic } from './datalogic.ts';
import { honeywell } from './honeywell.ts';
import type { ProductId, ScannerProfile } from './types.ts';
import { zebra } from './zebra.ts';

export { EXPECTED_SETTINGS, type ProductId, type ScannerProfile, type SettingKey } from './types.ts';
export { datalogic, honeywell, zebra };

export const PROFILES: readonly ScannerProfile[] = [honeywell, zebra, datalogic];

/** '0x05E0', '05e0', 0x5e0 → '05e0'; undefined if not a 16-bit id. */
export function normalizeUsbId(id: string | number): string | undefined {
  const n = typeof id === 'number' ? id : /^(0x)?[0-9a-f]{1,4}$/i.test(id.trim()) ? Number.parseInt(id.trim().replace(/^0x/i, ''), 16) : NaN;
  if (!Number.isInteger(n) || n < 0 || n > 0xffff) return undefined;
  return n.toString(16).padStart(4, '0');
}

export function profileFor(
  vendorId: string | number,
  productId: string | number,
): { profile: ScannerProfile; product: ProductId | undefined } | undefined {
  const v = normalizeUsbId(vendorId);
  const profile = PROFILES.find((p) => p.vendorId === v);
  if (!profile) return undefined;
  const pid = normalizeUsbId(productId);
  return { profile, product: profile.productIds.find((p) => p.id === pid) };
}
