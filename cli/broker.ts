// `implant-scan broker`: the embedded MQTT broker (aedes) for a small site or a laptop, until
// SIGINT/SIGTERM. Once listening it prints one line on stdout:
//   ready {"brokerUrl":"mqtt://127.0.0.1:1883","acl":"allow-all-for-local-demo","tls":false}
// Logs are pino JSON on stderr. SIGHUP re-reads --tls-* and --credentials: new connections use
// them, and a connected client whose certificate the new CRL revokes (or whose credentials are
// gone) is disconnected.
//   implant-scan broker --port 0                                # a free port, local demo rules
//   implant-scan broker --host 0.0.0.0 --credentials creds.json --tls-cert b.pem --tls-key b.key
//   implant-scan broker --hash-password < password.txt         # a passwordHash for creds.json

import pino from 'pino';
import { allowAllForLocalDemoAcl, gatewayAcl } from '../gateway/broker/acl.ts';
import { certificateAuthenticator, hashPassword, localDemoAuthenticator, passwordAuthenticator, type Authenticator } from '../gateway/broker/auth.ts';
import { LoginQueue } from '../gateway/broker/login-queue.ts';
import { loadCredentialsFile } from '../gateway/broker/credentials-file.ts';
import { startBroker, type BrokerTlsOptions } from '../gateway/broker/server.ts';
import { identityFromPeerCertificate } from '../provisioning/subject.ts';
import { commandLine, isLoopback, readListenerTls, untilStopped } from './args.ts';

const HELP = `usage: implant-scan broker [--host ADDR] [--port N] [--credentials FILE]
                          [--tls-cert FILE --tls-key FILE [--tls-ca FILE] [--tls-crl FILE]]
       implant-scan broker --hash-password < password.txt

Runs the embedded MQTT 3.1.1 broker (aedes) until SIGINT or SIGTERM. Once listening it prints
  ready {"brokerUrl":"mqtt://…","acl":"…","tls":false}
on stdout; logs go to stderr as JSON.

  --host ADDR          address to listen on (default 127.0.0.1)
  --port N             port (default 1883, or 8883 with TLS); 0 picks a free one
  --credentials FILE   JSON list of {"username","passwordHash","identity"}: enforces the gateway ACL
                       (a gateway publishes only its own scan/state and reads only its own
                       receipt/cmd; an uplink reads its site's scans and states and publishes
                       receipts). Without it anyone may do anything: the local demo, refused on
                       any address but loopback.
  --tls-cert FILE      the broker's certificate chain (PEM); with --tls-key, listens with TLS
  --tls-key FILE       the broker's private key (PEM)
  --tls-ca FILE        clients must present a certificate chaining to this CA (PEM); without
                       --credentials, that certificate is the identity (O = site, OU = theatre,
                       CN = gateway, as implant-scan provision issues them) under the gateway ACL
  --tls-crl FILE       revoked client certificates (PEM)

SIGHUP re-reads the --tls-* files and --credentials: connected clients whose certificate is now
revoked, or whose credentials are gone, are disconnected (logged at warn).
  --log-level LEVEL    fatal, error, warn, info (default), debug, trace, silent
  --hash-password      read a password from stdin, print its hash for --credentials, exit
`;

export interface BrokerCliIo {
  stdin: AsyncIterable<Buffer | string>;
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  /** Aborted on SIGINT/SIGTERM: the broker closes and the command returns 0. */
  signal: AbortSignal;
  /** Registers what to do on a reload request (SIGHUP); returns its removal. */
  onReload?: (listener: () => void) => () => void;
}

const onSighup = (listener: () => void): (() => void) => {
  process.on('SIGHUP', listener);
  return () => process.off('SIGHUP', listener);
};

export function run(argv: string[]): Promise<number> {
  return untilStopped((signal) => runBroker(argv, { stdin: process.stdin, stdout: process.stdout, stderr: process.stderr, signal, onReload: onSighup }));
}

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

export async function runBroker(argv: string[], io: BrokerCliIo): Promise<number> {
  const fail = (message: string, code = 2): number => {
    io.stderr.write(`implant-scan broker: ${message}\n`);
    return code;
  };
  const args = commandLine(
    'broker',
    argv,
    {
      host: { type: 'string' },
      port: { type: 'string' },
      credentials: { type: 'string' },
      'tls-cert': { type: 'string' },
      'tls-key': { type: 'string' },
      'tls-ca': { type: 'string' },
      'tls-crl': { type: 'string' },
      'log-level': { type: 'string' },
      'hash-password': { type: 'boolean' },
    },
    HELP,
    io,
  );
  if ('exit' in args) return args.exit;
  const { values } = args;
  if (values['hash-password']) return printHash(io);

  const host = values.host ?? '127.0.0.1';
  let port: number | undefined;
  if (values.port !== undefined) {
    port = Number(values.port);
    if (!/^[0-9]{1,5}$/.test(values.port) || port > 65535) return fail(`--port takes 0 … 65535, not "${values.port}"`);
  }
  const level = values['log-level'] ?? 'info';
  if (!(LOG_LEVELS as readonly string[]).includes(level)) return fail(`--log-level takes one of ${LOG_LEVELS.join(', ')}`);
  if ((values['tls-cert'] === undefined) !== (values['tls-key'] === undefined)) return fail('--tls-cert and --tls-key go together');
  if (values['tls-cert'] === undefined && (values['tls-ca'] !== undefined || values['tls-crl'] !== undefined)) return fail('--tls-ca and --tls-crl need --tls-cert and --tls-key');
  const byCertificate = values.credentials === undefined && values['tls-ca'] !== undefined;
  if (values.credentials === undefined && !byCertificate && !isLoopback(host)) {
    return fail(`refusing to let anyone do anything on ${host}: give --credentials FILE or --tls-ca FILE (the gateway ACL), or listen on 127.0.0.1 for the local demo`);
  }

  const logger = pino({ level, base: { component: 'broker' } }, io.stderr);
  try {
    const tls: BrokerTlsOptions | undefined = await readListenerTls(values);
    const secure = values.credentials !== undefined || byCertificate;
    const logins = new LoginQueue(); // kept across reloads: a reload does not reset the rate limits
    const passwords = async (): Promise<Authenticator> => passwordAuthenticator(await loadCredentialsFile(values.credentials!), { queue: logins });
    const broker = await startBroker({
      host,
      ...(port === undefined ? {} : { port }),
      ...(tls === undefined ? {} : { tls }),
      authenticate: byCertificate ? certificateAuthenticator(identityFromPeerCertificate) : secure ? await passwords() : localDemoAuthenticator,
      acl: secure ? gatewayAcl : allowAllForLocalDemoAcl,
      logger,
    });
    if (!secure) logger.warn('broker: local demo rules: any client may publish and subscribe anything (loopback only)');
    // One reload at a time; a failed one (an unreadable or damaged file) keeps what was loaded.
    let reloading: Promise<void> = Promise.resolve();
    const reload = (): void => {
      reloading = reloading.then(async () => {
        try {
          const nextTls = await readListenerTls(values);
          broker.reload({ ...(nextTls === undefined ? {} : { tls: nextTls }), ...(values.credentials === undefined ? {} : { authenticate: await passwords() }) });
        } catch (e) {
          logger.error({ err: (e as Error).message }, 'broker: reload failed; the files loaded before stay in force');
        }
      });
    };
    const stopReloading = io.onReload?.(reload);
    io.stdout.write(`ready ${JSON.stringify({ brokerUrl: broker.url, acl: broker.acl, tls: tls !== undefined })}\n`);
    if (!io.signal.aborted) await new Promise((resolve) => io.signal.addEventListener('abort', resolve, { once: true }));
    stopReloading?.();
    await reloading;
    await broker.close();
    return 0;
  } catch (e) {
    return fail((e as Error).message, 1);
  }
}

async function printHash(io: BrokerCliIo): Promise<number> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of io.stdin) {
    const b = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    size += b.length;
    if (size > 4096) {
      io.stderr.write('implant-scan broker: --hash-password reads one password of at most 4096 bytes\n');
      return 2;
    }
    chunks.push(b);
  }
  const password = Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '');
  if (password.length === 0) {
    io.stderr.write('implant-scan broker: --hash-password read an empty password from stdin\n');
    return 2;
  }
  io.stdout.write(`${await hashPassword(password)}\n`);
  return 0;
}
