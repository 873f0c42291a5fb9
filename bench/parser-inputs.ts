// Each scan in the form each baseline of the parser suite takes.
//
// Our parser gets the scan exactly as the scanner sent it. The baselines get the same data in
// their own input form, or nothing when they cannot read that kind of code at all:
//   scan                          GS1 engine                         gs1-barcode-parser-mod
//   ]d2 01…17…10…␝21…             setScanData, as is                 as is
//   ␝01…  /  01… (no AIM id)      setScanData "]d2" + data           data (no leading FNC1)
//   (01)…(10)…                    setAIdataStr, as is                as is
//   https://…/01/…                setScanData "]Q1" + URI            – (no Digital Link)
//   +A999… (HIBC), anything else  –                                  –

export const GS = '\x1d';

/** How the engine is handed one scan. */
export interface EngineInput {
  api: 'scanData' | 'aiDataStr';
  text: string;
}

/** The AIM symbology identifier at the start of a scan, e.g. "]d2", or "". */
export function aimPrefix(text: string): string {
  return text.length >= 3 && text[0] === ']' ? text.slice(0, 3) : '';
}

function isDigit(c: string | undefined): boolean {
  return c !== undefined && c >= '0' && c <= '9';
}

function isHttp(s: string): boolean {
  const head = s.slice(0, 8).toLowerCase();
  return head.startsWith('http://') || head.startsWith('https://');
}

export function engineInput(text: string): EngineInput | null {
  const aim = aimPrefix(text);
  const data = text.slice(aim.length);
  if (isHttp(data)) return { api: 'scanData', text: `${aim === '' ? ']Q1' : aim}${data}` };
  if (data.startsWith('(')) return { api: 'aiDataStr', text: data };
  if (aim !== '') return { api: 'scanData', text };
  if (data.startsWith(GS)) return { api: 'scanData', text: `]d2${data.slice(1)}` };
  if (isDigit(data[0])) return { api: 'scanData', text: `]d2${data}` };
  return null;
}

export function modInput(text: string): string | null {
  const aim = aimPrefix(text);
  const data = text.slice(aim.length);
  if (isHttp(data)) return null;
  if (data.startsWith('(')) return aim === '' ? data : text;
  if (aim !== '') return text;
  if (data.startsWith(GS)) return data.slice(1);
  if (isDigit(data[0])) return data;
  return null;
}
