// What a scanner family must be set to for the gateway, and how one family is described.
//   import { EXPECTED_SETTINGS, type ScannerProfile } from './types.ts';
//   EXPECTED_SETTINGS.suffix → 'CR (0x0D)'
//
// The gateway (gateway/serial, gateway/config.ts scanner defaults) reads one scan per line from
// a USB-CDC tty: it needs the AIM symbology identifier (]d2, ]C1 … tell GS1 from other data), FNC1
// sent as GS 0x1D (the separator of variable-length GS1 fields) and a CR after each scan.

/** Each setting the gateway expects, in the words a technician checks against the manual. */
export const EXPECTED_SETTINGS = {
  interface: 'USB-CDC (serial/COM port emulation)',
  aimIdentifier: 'on: every scan starts with its AIM symbology identifier, e.g. ]d2 or ]C1',
  fnc1: 'GS (0x1D) transmitted for FNC1 field separators',
  suffix: 'CR (0x0D)',
  serial: '9600 baud, 8 data bits, no parity, 1 stop bit (8N1)',
} as const;

export type SettingKey = keyof typeof EXPECTED_SETTINGS;

export interface ProductId {
  /** 4 lower-case hex digits, as in udev's ATTRS{idProduct} and lsusb. */
  id: string;
  /** 'cdc': shows up as /dev/ttyACM* (what the gateway reads); anything else is the wrong mode. */
  mode: 'cdc' | 'keyboard' | 'other';
  note: string;
}

export interface ScannerProfile {
  /** e.g. 'Honeywell'. */
  family: string;
  /** 4 lower-case hex digits, as in udev's ATTRS{idVendor} and lsusb. */
  vendorId: string;
  /** What lsusb shows for the vendor. */
  usbVendorName: string;
  /** Known product ids (from the public usb.ids list); other models use other ids. */
  productIds: ProductId[];
  /** The guides that hold the programming barcodes, by name. */
  manuals: string[];
  /** For each expected setting: how to enable it on this family (prose, no barcode payloads). */
  settings: Record<SettingKey, string>;
  notes: string[];
}
