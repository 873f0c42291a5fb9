// Zebra (Symbol Technologies heritage) scanners: DS2208, DS4608, DS8108, LI/DS series.
//   profileFor('05e0', '1701')?.profile.family → 'Zebra'

import type { ScannerProfile } from './types.ts';

export const zebra: ScannerProfile = {
  family: 'Zebra',
  vendorId: '05e0',
  usbVendorName: 'Symbol Technologies',
  productIds: [
    { id: '1701', mode: 'cdc', note: 'Bar Code Scanner (CDC): USB CDC Host' },
    { id: '1200', mode: 'keyboard', note: 'HID keyboard: scan the USB CDC Host barcode' },
    { id: '1900', mode: 'other', note: 'SNAPI imaging device: not a serial port' },
  ],
  manuals: ["the model's Product Reference Guide (PRG), chapters \"USB Interface\" and \"User Preferences\""],
  settings: {
    interface: "scan the 'USB CDC Host' device-type barcode from the PRG's USB Interface chapter",
    aimIdentifier: "scan 'Transmit Code ID Character: AIM Code ID Character' (User Preferences)",
    fnc1: 'GS1 DataMatrix/GS1-128 FNC1 field separators are sent as GS (0x1D); check the PRG GS1 options leave it so',
    suffix: "set Suffix 1 to CR (Enter) and scan the Scan Data Transmission Format '<DATA> <SUFFIX 1>' barcode",
    serial: 'USB CDC ignores the line settings; keep the gateway at 9600 8N1',
  },
  notes: ['Zebra 123Scan (PC tool) can build one configuration barcode from these settings for the theatre.'],
};
