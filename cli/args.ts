// What every command does with its command line: parse the options (node:util parseArgs, strict),
// answer --help with the command's text, and refuse a bad option with the text and exit code 2.
//   const args = commandLine('demo', argv, { 'data-dir': { type: 'string' } }, HELP);
//   if ('exit' in args) return args.exit;
//   args.values['data-dir']  // typed from the options

import { readFile } from 'node:fs/promises';
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

/** A file named on the command line, or an error that names it (not a bare ENOENT). */
export function readNamedFile(path: string): Promise<Buffer> {
  return readFile(path).catch((e: NodeJS.ErrnoException) => Promise.reject(new Error(`cannot read ${path}: ${e.code ?? e.message}`)));
}

/** --tls-cert/--tls-key (together), --tls-ca and --tls-crl as a listener's TLS options; undefined without a certificate. */
export async function readListenerTls(values: { 'tls-cert'?: string; 'tls-key'?: string; 'tls-ca'?: string; 'tls-crl'?: string }): Promise<{ cert: Buffer; key: Buffer; ca?: Buffer; crl?: Buffer } | undefined> {
  if (values['tls-cert'] === undefined || values['tls-key'] === undefined) return undefined;
  const tls: { cert: Buffer; key: Buffer; ca?: Buffer; crl?: Buffer } = { cert: await readNamedFile(values['tls-cert']), key: await readNamedFile(values['tls-key']) };
  if (values['tls-ca'] !== undefined) tls.ca = await readNamedFile(values['tls-ca']);
  if (values['tls-crl'] !== undefined) tls.crl = await readNamedFile(values['tls-crl']);
  return tls;
}
