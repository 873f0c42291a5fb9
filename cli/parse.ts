// `implant-scan parse`: one scan per stdin line (LF or CRLF; GS bytes inside a line are data),
// one JSON result per stdout line, streaming in constant memory.
//   printf ']d2010950600013435217290131\n' | implant-scan parse
//   {"ok":true,"scheme":"gs1","symbology":"]d2","elements":[…],"udi":{…},"errors":[]}

import { once } from 'node:events';
import { MAX_SCAN_LENGTH, parse, tooLongResult, type ParseOptions } from '../protocol/udi/index.ts';
import { commandLine } from './args.ts';

const HELP = `usage: implant-scan parse [--gs-substitute CHAR]... < scans.txt

Reads one scan per line from stdin and writes one JSON object per line to stdout:
  {"ok","scheme","symbology","elements":[{"ai","value"}],"udi":{"di","lot","serial","expiry","manufactured"},"errors":[{"code","message"}]}

  --gs-substitute CHAR  a character the scanner sends instead of FNC1/GS (repeatable), e.g. '^'
`;

export async function run(argv: string[]): Promise<number> {
  const args = commandLine('parse', argv, { 'gs-substitute': { type: 'string', multiple: true } }, HELP);
  if ('exit' in args) return args.exit;
  const { values } = args;
  const substitutes = values['gs-substitute'] ?? [];
  const bad = substitutes.find((s) => s.length !== 1);
  if (bad !== undefined) {
    process.stderr.write(`implant-scan parse: --gs-substitute takes one character, not "${bad}"\n`);
    return 2;
  }
  const options: ParseOptions = { gsSubstitutes: substitutes };
  await parseLines(process.stdin, process.stdout, options);
  return 0;
}

/** Splits `input` into lines and writes a JSON result per line, respecting back-pressure. A line
 * longer than any barcode is counted, not kept: memory stays bounded whatever the input. */
export async function parseLines(input: AsyncIterable<Buffer>, output: NodeJS.WritableStream, options: ParseOptions): Promise<void> {
  const limit = MAX_SCAN_LENGTH + 2; // room for a CRLF that parse() strips
  let pending: Buffer[] = [];
  let pendingLength = 0;
  const take = (piece: Buffer): void => {
    if (pendingLength + piece.length <= limit) pending.push(Buffer.from(piece));
    pendingLength += piece.length;
  };
  const finishLine = (): string => {
    const line = pendingLength > limit ? tooLongResult(pendingLength) : parse(pending.length === 1 ? pending[0]! : Buffer.concat(pending), options);
    pending = [];
    pendingLength = 0;
    return JSON.stringify(line) + '\n';
  };
  for await (const chunk of input) {
    let out = '';
    let start = 0;
    for (let nl = chunk.indexOf(10); nl !== -1; nl = chunk.indexOf(10, start)) {
      take(chunk.subarray(start, nl));
      out += finishLine();
      start = nl + 1;
    }
    if (start < chunk.length) take(chunk.subarray(start));
    if (out.length > 0 && !output.write(out)) await once(output, 'drain');
  }
  if (pendingLength > 0) output.write(finishLine());
}
