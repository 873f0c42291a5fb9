// `implant-scan parse`: one scan per stdin line (LF or CRLF; GS bytes inside a line are data),
// one JSON result per stdout line, streaming in constant memory.
//   printf ']d2010950600013435217290131\n' | implant-scan parse
//   {"ok":true,"scheme":"gs1","symbology":"]d2","elements":[…],"udi":{…},"errors":[]}

import { once } from 'node:events';
import { currentYearStart } from '../protocol/udi/calendar.ts';
import { MAX_SCAN_LENGTH, parse, tooLongResult, type ParseOptions } from '../protocol/udi/index.ts';
import { commandLine } from './args.ts';
import { JsonLines } from './parse-json.ts';

const HELP = `usage: implant-scan parse [--gs-substitute CHAR]... [--verbose] < scans.txt

Reads one scan per line from stdin and writes one JSON object per line to stdout:
  {"ok","scheme","symbology","elements":[{"ai","value"}],"udi":{"di","lot","serial","expiry","manufactured"},"errors":[{"code","message"}]}
An error's message is a plain reason for the person scanning ("the barcode was read incompletely —
scan again"); with --verbose, the parser's precise message for developers.

  --gs-substitute CHAR  a character the scanner sends instead of FNC1/GS (repeatable), e.g. '^'
  --verbose             precise error messages (which AI, which position) instead of plain reasons
`;

export async function run(argv: string[]): Promise<number> {
  const args = commandLine('parse', argv, { 'gs-substitute': { type: 'string', multiple: true }, verbose: { type: 'boolean' } }, HELP);
  if ('exit' in args) return args.exit;
  const { values } = args;
  const substitutes = values['gs-substitute'] ?? [];
  const bad = substitutes.find((s) => s.length !== 1);
  if (bad !== undefined) {
    process.stderr.write(`implant-scan parse: --gs-substitute takes one character, not "${bad}"\n`);
    return 2;
  }
  const options: ParseOptions = { gsSubstitutes: substitutes };
  await parseLines(process.stdin, process.stdout, options, values.verbose ?? false);
  return 0;
}

/** Splits `input` into lines and writes a JSON result per line, one write per chunk read,
 * respecting back-pressure. A line longer than any barcode is counted, not kept: memory stays
 * bounded whatever the input. */
export async function parseLines(input: AsyncIterable<Buffer>, output: NodeJS.WritableStream, options: ParseOptions, verbose = false): Promise<void> {
  const limit = MAX_SCAN_LENGTH + 2; // room for a CRLF that parse() strips
  const out = new JsonLines();
  // The start of a line whose end lies in a later chunk (kept only while within the limit).
  let pending = '';
  let pendingLength = 0;
  // The clock is read once per chunk, not once per scan (only its year matters: two-digit years).
  const chunkOptions: ParseOptions = { ...options };
  const answer = (line: string, length: number): void => out.result(length > limit ? tooLongResult(length) : parse(line, chunkOptions), verbose);
  for await (const chunk of input) {
    chunkOptions.now = options.now ?? currentYearStart();
    // One character per byte, as parse() reads bytes: the whole chunk is decoded once and its
    // lines are cut from that string, no Buffer per line.
    const text = chunk.toString('latin1');
    let start = 0;
    for (let nl = text.indexOf('\n'); nl !== -1; nl = text.indexOf('\n', start)) {
      const length = pendingLength + nl - start;
      answer(length > limit ? '' : pendingLength === 0 ? text.slice(start, nl) : pending + text.slice(start, nl), length);
      pending = '';
      pendingLength = 0;
      start = nl + 1;
    }
    if (start < text.length) {
      const length = pendingLength + text.length - start;
      pending = length > limit ? '' : pending + text.slice(start);
      pendingLength = length;
    }
    if (out.length > 0 && !output.write(out.take())) await once(output, 'drain');
  }
  if (pendingLength > 0) answer(pending, pendingLength);
  if (out.length > 0) output.write(out.take());
}
