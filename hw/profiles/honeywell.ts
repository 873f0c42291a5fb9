// Honeywell (Metrologic / Hand Held Products heritage) scanners: Xenon, Granit, Voyager.
//   profileFor('0c2e', '0720')?.profile.family → 'Honeywell'

import type { ScannerProfile } from './types.ts';

export const honeywell: ScannerProfile = {
  family: 'Honeywell',
  vendorId: '0c2e',
  usbVendorName: 'Metrologic Instruments',
  productIds: [
    { id: '0720', mode: 'cdc', note: 'bi-directional serial (USB Serial Emulation)' },
    { id: '0700', mode: 'cdc', note: 'uni-directional serial' },
    { id: '0204', mode: 'keyboard', note: 'keyboard (HID) mode: scan the USB Serial programming barcode' },
    { id: '0b81', mode: 'other', note: 'Voyager 1400g series; the id depends on the interface mode' },
  ],
  manuals: [
    "the model's User's Guide (e.g. Xenon/Granit 1900-series, Voyager 1400g/1450g), chapter \"Interface\" and \"Data Editing\"",
  ],
  settings: {
    interface: "scan the 'USB Serial Emulation' (CDC) programming barcode from the User's Guide, then unplug and replug",
    aimIdentifier: "scan 'Add AIM Code ID Prefix to All Symbologies' (Data Editing → Prefix/Suffix)",
    fnc1: 'GS1 data is transmitted with GS (0x1D) for FNC1 by default; check no Data Format rule replaces it',
    suffix: "scan 'Add CR Suffix to All Symbologies' (Data Editing → Prefix/Suffix)",
    serial: 'USB Serial Emulation ignores the line settings; keep the gateway at 9600 8N1',
  },
  notes: [
    'Older units may enumerate with the Hand Held Products vendor id 0536: add a udev rule line if so.',
    "Scan 'Save' / exit programming mode as the guide says, or the settings are lost at power-off.",
  ],
};
