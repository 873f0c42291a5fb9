// Scanner output settings and what they do to the bytes of one scan.
//   encodeScan(']d2010950600013435217290131\x1d10AB', PROFILES.honeywell)
//     → <']d2010950600013435217290131' GS '10AB' CR>
//   encodeScan(']d20109…\x1d10AB', { ...PROFILES.zebra, aim: false, fnc1: { substitute: '^' }, terminator: 'CRLF' })
//     → <'0109…^10AB' CR LF>
//
// The text is what the symbol holds: FNC1 separators as GS (0x1D), optionally led by the AIM
// identifier (']d2'). Characters become one byte each (Latin-1), as the parser reads them back.
// The three named profiles are the USB-CDC (virtual COM port) factory settings the gateway is
// configured for: AIM id on, FNC1 as GS, CR terminator, 9600 baud, no delay between characters.

export type Fnc1Mode = 'gs' | { substitute: string } | 'drop';
export type TerminatorName = 'CR' | 'LF' | 'CRLF' | 'TAB' | 'none';

export interface ScannerSettings {
  /** Send the AIM symbology identifier (']d2', ']C1', …) in front of the data. */
  aim: boolean;
  /** How FNC1 separators are transmitted: GS, a substitute string, or not at all. */
  fnc1: Fnc1Mode;
  terminator: TerminatorName;
  prefix: string;
  suffix: string;
  baudRate: number;
  /** Pause between characters when trickling; 0 = derived from the baud rate (10 bits a character). */
  interCharDelayMs: number;
  /** Send one byte per write, as a slow keyboard-wedge-style scanner does. */
  trickle: boolean;
}

export type ProfileName = 'honeywell' | 'zebra' | 'datalogic';

const USB_CDC: ScannerSettings = { aim: true, fnc1: 'gs', terminator: 'CR', prefix: '', suffix: '', baudRate: 9600, interCharDelayMs: 0, trickle: false };

export const PROFILES: Readonly<Record<ProfileName, Readonly<ScannerSettings>>> = {
  honeywell: { ...USB_CDC },
  zebra: { ...USB_CDC },
  datalogic: { ...USB_CDC },
};

export const TERMINATOR_BYTES: Readonly<Record<TerminatorName, string>> = { CR: '\r', LF: '\n', CRLF: '\r\n', TAB: '\t', none: '' };

const GS = '\x1d';
const AIM = /^\][A-Za-z][0-9A-Za-z]/;

export function encodeScan(text: string, s: ScannerSettings): Buffer {
  let data = s.aim ? text : text.replace(AIM, '');
  if (s.fnc1 === 'drop') data = data.replaceAll(GS, '');
  else if (s.fnc1 !== 'gs') data = data.replaceAll(GS, s.fnc1.substitute);
  return Buffer.from(s.prefix + data + s.suffix + TERMINATOR_BYTES[s.terminator], 'latin1');
}

/** The pause between two characters when trickling: the setting, or one character time at the baud rate. */
export function charDelayMs(s: ScannerSettings): number {
  return s.interCharDelayMs > 0 ? s.interCharDelayMs : 10_000 / s.baudRate;
}
