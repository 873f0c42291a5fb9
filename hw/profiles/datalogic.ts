// Datalogic (PSC heritage) scanners: Gryphon, QuickScan, PowerScan, Magellan.
//   profileFor('05f9', '4204')?.profile.family → 'Datalogic'

import type { ScannerProfile } from './types.ts';

export const datalogic: ScannerProfile = {
  family: 'Datalogic',
  vendorId: '05f9',
  usbVendorName: 'PSC Scanning, Inc.',
  productIds: [
    { id: '4204', mode: 'cdc', note: 'Gryphon series, RS-232 emulation (USB-COM)' },
    { id: '2206', mode: 'keyboard', note: 'Gryphon series, keyboard emulation: scan the USB-COM barcode' },
    { id: '1206', mode: 'other', note: 'Gryphon series, OEM (IBM) mode: not a serial port' },
  ],
  manuals: ["the model's Product Reference Guide (PRG), chapters \"Interface Selection\" and \"Data Format\""],
  settings: {
    interface: "scan the 'USB-COM' (USB-COM-STD, serial emulation) interface barcode from the PRG",
    aimIdentifier: "set Label ID to 'AIM standard' transmitted as a prefix (Data Format → Label ID)",
    fnc1: 'GS1 FNC1 field separators transmitted as GS (0x1D); check the PRG GS1 options leave it so',
    suffix: "set the Global Suffix to CR (0x0D) (Data Format → Global Prefix/Suffix)",
    serial: 'USB-COM ignores the line settings; keep the gateway at 9600 8N1',
  },
  notes: ['Datalogic Aladdin (PC tool) can read, set and print the configuration as one barcode sheet.'],
};
