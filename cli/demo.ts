// `implant-scan demo` (what `npm start` runs): the whole chain on one machine with embedded
// defaults — aedes broker, simulated scanner on a real pseudo-terminal, theatre gateway, hospital
// uplink, national service on SQLite with the (fictional) sample catalogue. Ports are free
// loopback ports unless given. Once everything listens it prints one line:
//   ready {"stationUrl":"http://127.0.0.1:…/","brokerUrl":"mqtt://127.0.0.1:…","registryUrl":"http://127.0.0.1:…","registryToken":"…","scannerDevice":"/dev/pts/…"}
// then sends each stdin line through the simulated scanner as one scan (as a Honeywell in USB-CDC
// mode sends it: AIM identifier, FNC1 as GS, CR), and prints one line per outcome (receipt,
// refused, case). Logs are pino JSON on stderr. A temporary data folder is removed on exit.
//   printf ']d201073999900010921729013110LOT-42\03521SER-7\n' | npx implant-scan demo --exit-on-eof

import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface, type Interface } from 'node:readline';
import pino from 'pino';
import { startSimulator } from '../firmware-sim/simulator.ts';
import { allowAllForLocalDemoAcl } from '../gateway/broker/acl.ts';
import { localDemoAuthenticator } from '../gateway/broker/auth.ts';
import { startBroker } from '../gateway/broker/server.ts';
import { parseConfig } from '../gateway/config.ts';
import type { GatewayController, Status } from '../gateway/controller.ts';
import { startGateway } from '../gateway/daemon.ts';
import { Outbox } from '../gateway/outbox/outbox.ts';
import { httpNationalClient } from '../gateway/uplink/national-client.ts';
import { Uplink } from '../gateway/uplink/uplink.ts';
import { newCredential } from '../national/auth/credentials.ts';
import { bearerUplinkAuthenticator } from '../national/auth/uplink-auth.ts';
import { catalogueSource, sampleCatalogue } from '../national/sources/catalogue.ts';
import { createNationalService } from '../national/service.ts';
import { commandLine, untilStopped } from './args.ts';
import { until, watchOutcomes } from './demo-outcomes.ts';

const HELP = `usage: implant-scan demo [--data-dir DIR] [--broker-port N] [--station-port N] [--national-port N] [--exit-on-eof]

Runs the whole chain on this machine and prints a "ready {json}" line with every URL; then each
line on stdin is scanned by the simulated scanner, and each scan's outcome is printed as a
"receipt {json}" (with its order code), "refused {json}" or "case {json}" line. It keeps running
after stdin ends (so that the registry API can be asked from another terminal) until Ctrl-C or
SIGTERM; with --exit-on-eof it stops once stdin ends and every scan has its outcome.

  --data-dir DIR      where the outboxes and the national SQLite file go; an existing folder, kept
                      (default: a new temporary folder, removed on exit)
  --broker-port N     --station-port N     --national-port N     (default 0: a free port)
  --exit-on-eof       stop once stdin ends and every scan has its outcome
  --log-level LEVEL   (default warn)
`;

const SITE = 'demo-hospital';

export async function run(argv: string[]): Promise<number> {
  const args = commandLine(
    'demo',
    argv,
    {
      'data-dir': { type: 'string' },
      'broker-port': { type: 'string', default: '0' },
      'station-port': { type: 'string', default: '0' },
      'national-port': { type: 'string', default: '0' },
      'exit-on-eof': { type: 'boolean' },
      'log-level': { type: 'string', default: 'warn' },
    },
    HELP,
  );
  if ('exit' in args) return args.exit;
  const { values } = args;
  const ports = (['broker-port', 'station-port', 'national-port'] as const).map((k) => Number(values[k]));
  if (ports.some((p) => !Number.isInteger(p) || p < 0 || p > 65535)) {
    process.stderr.write('implant-scan demo: ports must be integers from 0 to 65535\n');
    return 2;
  }
  const given = values['data-dir'];
  if (given !== undefined && !(await stat(given).then((s) => s.isDirectory(), () => false))) {
    throw new Error(`--data-dir ${given} is not a folder; create it first, or leave --data-dir out for a temporary one`);
  }
  const dataDir = given ?? (await mkdtemp(join(tmpdir(), 'implant-scan-demo-')));
  try {
    return await untilStopped((signal) => runChain({ dataDir, ports: ports as [number, number, number], exitOnEof: values['exit-on-eof'] === true, logLevel: values['log-level'], signal }));
  } finally {
    if (given === undefined) await rm(dataDir, { recursive: true, force: true });
  }
}

interface ChainOptions {
  dataDir: string;
  ports: [broker: number, station: number, national: number];
  exitOnEof: boolean;
  logLevel: string;
  signal: AbortSignal;
}

async function runChain({ dataDir, ports: [brokerPort, stationPort, nationalPort], exitOnEof, logLevel, signal }: ChainOptions): Promise<number> {
  const logger = pino({ level: logLevel }, pino.destination(2));
  const registry = newCredential('demo-registry');
  const uplinkCredential = newCredential('uplink-demo');
  const registryToken = registry.token;
  const broker = await startBroker({ host: '127.0.0.1', port: brokerPort, authenticate: localDemoAuthenticator, acl: allowAllForLocalDemoAcl, logger: logger.child({ part: 'broker' }) });
  const national = await createNationalService({
    db: join(dataDir, 'national.sqlite'),
    sources: [catalogueSource(sampleCatalogue)],
    registries: [{ id: 'demo-registry', tokenSha256: registry.tokenSha256 }],
    authenticateUplink: bearerUplinkAuthenticator([{ id: 'uplink-demo', site: SITE, tokenSha256: uplinkCredential.tokenSha256 }]),
    port: nationalPort,
    logger: logger.child({ part: 'national' }),
  });
  const uplinkOutbox = await Outbox.open({ dir: join(dataDir, 'uplink', 'outbox') });
  const uplink = await Uplink.start({
    brokerUrl: broker.url,
    site: SITE,
    clientId: 'uplink-demo',
    outbox: uplinkOutbox,
    national: httpNationalClient({ url: national.url, token: uplinkCredential.token }),
    logger: logger.child({ part: 'uplink' }),
  });
  // The simulated scanner needs socat for its pseudo-terminal; without it the demo still runs,
  // handing each line to the gateway as the serial framer would (said once, on stderr).
  const scanner = await startSimulator({ dir: dataDir, profile: 'honeywell' }).catch((e: unknown) => {
    process.stderr.write(`implant-scan demo: no simulated scanner (${(e as Error).message.split('\n')[0]}); scans go straight to the gateway. apt-get install socat for the pseudo-terminal.\n`);
    return null;
  });
  const gateway = await startGateway(
    parseConfig({
      site: SITE,
      theatre: 'or-1',
      gateway: 'gw-or1',
      dataDir: join(dataDir, 'gateway'),
      scanner: { path: scanner?.stablePath ?? join(dataDir, 'no-scanner') },
      broker: { url: broker.url },
      station: { host: '127.0.0.1', port: stationPort },
      indicator: { driver: 'simulated' },
    }),
    { logger: logger.child({ part: 'gateway' }) },
  );
  const { controller } = gateway;
  const outcomes = watchOutcomes(controller, linesOnce(process.stdout));

  try {
    // Ready means a scan typed now is read: the scanner's port open (an opening port discards what
    // came before) and the gateway online.
    const ok = (s: Status): boolean => (s.scanner === 'open' || scanner === null) && s.broker === 'online';
    await until(() => ok(controller.currentStatus()), onStatus(controller), signal);
    if (signal.aborted) return 0;
    const ready = { stationUrl: gateway.stationUrl, brokerUrl: broker.url, registryUrl: national.url, registryToken, scannerDevice: scanner?.stablePath ?? null, dataDir };
    process.stdout.write(`ready ${JSON.stringify(ready)}\n`);

    const lines = createInterface({ input: process.stdin, crlfDelay: Infinity });
    signal.addEventListener('abort', () => lines.close(), { once: true });
    const sent = await feed(
      lines,
      async (batch) => {
        if (scanner) await scanner.sendAll(batch);
        else await Promise.all(batch.map((line) => controller.handleFrame(Buffer.from(line, 'utf8'))));
      },
      signal,
    );
    if (exitOnEof) {
      // The last lines may still be in the pseudo-terminal: wait until the gateway has decided as
      // many frames as lines were sent, then until each accepted scan has its receipt.
      await outcomes.untilDecided(sent, signal);
      await controller.drain();
      await outcomes.untilReceipted(signal);
    } else {
      await new Promise<void>((resolve) => (signal.aborted ? resolve() : signal.addEventListener('abort', () => resolve(), { once: true })));
    }
    return 0;
  } finally {
    await gateway.close();
    await scanner?.close();
    await uplink.close();
    await uplinkOutbox.close();
    await national.close();
    await broker.close();
  }
}

/** Calls back on each of the controller's status events. */
const onStatus =
  (controller: GatewayController) =>
  (check: () => void): (() => void) => {
    controller.on('status', check);
    return () => controller.off('status', check);
  };

/**
 * Lines for `stream`, written together once per turn of the event loop: on Linux a write to a pipe
 * is synchronous, and one write per receipt was 2.5 % of an 8,000-scan demo's CPU profile.
 */
function linesOnce(stream: NodeJS.WritableStream): (line: string) => void {
  let pending = '';
  const flush = (): void => {
    const text = pending;
    pending = '';
    stream.write(text);
  };
  return (line) => {
    if (pending === '') setImmediate(flush);
    pending += line;
  };
}

/** The largest batch of stdin lines written into the pseudo-terminal at once. */
const MAX_BATCH = 256;

/**
 * Hands stdin's lines on in batches: every line that arrived while the previous batch was being
 * written (a pipe of 20,000 lines is not 20,000 writes into the pseudo-terminal). Empty lines are
 * skipped. Resolves with the number of lines handed on once stdin ends or `signal` aborts.
 */
async function feed(lines: Interface, send: (batch: string[]) => Promise<void>, signal: AbortSignal): Promise<number> {
  let queue: string[] = [];
  let ended = false;
  let wake: (() => void) | null = null;
  lines.on('line', (line) => {
    if (line.length > 0) queue.push(line);
    if (queue.length >= MAX_BATCH) lines.pause();
    wake?.();
  });
  lines.once('close', () => {
    ended = true;
    wake?.();
  });
  let sent = 0;
  while (!signal.aborted) {
    if (queue.length === 0) {
      if (ended) break;
      await new Promise<void>((resolve) => (wake = resolve));
      wake = null;
      continue;
    }
    const batch = queue;
    queue = [];
    if (!ended) lines.resume();
    await send(batch);
    sent += batch.length;
  }
  return sent;
}
