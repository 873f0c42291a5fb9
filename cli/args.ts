// What every command does with its command line: parse the options (node:util parseArgs, strict),
// answer --help with the command's text, and refuse a bad option with the text and exit code 2.
//   const args = commandLine('demo', argv, { 'data-dir': { type: 'string' } }, HELP);
//   if ('exit' in args) return args.exit;
//   args.values['data-dir']  // typed from the options

import { isIP } from 'node:net';
import { parseArgs, type ParseArgsConfig } from 'node:util';

type Options = NonNullable<ParseArgsConfig['options']>;
type WithHelp<O extends Options> = O & { help: { type: 'boolean'; short: 'h' } };
export type Values<O extends Options> = ReturnType<typeof parseArgs<{ args: string[]; options: WithHelp<O> }>>['values'];

export interface CliOutput {
  stdout: { write(text: string): unknown };
  stderr: { write(text: string): unknown };
}

export function commandLine<O extends Options>(command: string, argv: string[], options: O, help: string, io: CliOutput = process): { values: Values<O> } | { exit: number } {
  let values: Values<O>;
  try {
    ({ values } = parseArgs({ args: argv, options: { ...options, help: { type: 'boolean', short: 'h' } } as WithHelp<O> }));
  } catch (e) {
    io.stderr.write(`implant-scan ${command}: ${(e as Error).message}\n${help}`);
    return { exit: 2 };
  }
  if ((values as { help?: boolean }).help) {
    io.stdout.write(help);
    return { exit: 0 };
  }
  return { values };
}

/** A host name or address that only this machine can reach (the safe default for a listener). */
export function isLoopback(host: string): boolean {
  if (host === 'localhost') return true;
  if (isIP(host) === 4) return host.startsWith('127.');
  return host === '::1' || host === '::ffff:127.0.0.1';
}

/** Runs a long-lived command with a signal that SIGINT or SIGTERM aborts (it then stops cleanly). */
export async function untilStopped(body: (signal: AbortSignal) => Promise<number>): Promise<number> {
  const controller = new AbortController();
  const stop = (): void => controller.abort();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  try {
    return await body(controller.signal);
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
  }
}
