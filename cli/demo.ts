// `implant-scan demo` (what `npm start` runs): the whole chain on one machine with embedded
// defaults — aedes broker, simulated scanner on a real pseudo-terminal, theatre gateway, hospital
// uplink, national service on SQLite with the (fictional) sample catalogue. Ports are free
// loopback ports unless given. Once everything listens it prints one line:
//   ready {"stationUrl":"http://127.0.0.1:…/","brokerUrl":"mqtt://127.0.0.1:…","registryUrl":"http://127.0.0.1:…","registryToken":"…","scannerDevice":"/dev/pts/…"}
// then sends each stdin line through the simulated scanner as one scan (as a Honeywell in USB-CDC
// mode sends it: AIM identifier, FNC1 as GS, CR). Logs are pino JSON on stderr.
//   printf ']d201073999900010921729013110LOT-42\x1d21SER-7\n' | npx implant-scan demo --exit-on-eof

import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import pino from 'pino';
import { startSimulator } from '../firmware-sim/simulator.ts';
import { allowAllForLocalDemoAcl } from '../gateway/broker/acl.ts';
import { localDemoAuthenticator } from '../gateway/broker/auth.ts';
import { startBroker } from '../gateway/broker/server.ts';
import { parseConfig } from '../gateway/config.ts';
import type { Status } from '../gateway/controller.ts';
import { startGateway } from '../gateway/daemon.ts';
import { Outbox } from '../gateway/outbox/outbox.ts';
import { httpNationalClient } from '../gateway/uplink/national-client.ts';
import { Uplink } from '../gateway/uplink/uplink.ts';
import { newCredential } from '../national/auth/credentials.ts';
import { bearerUplinkAuthenticator } from '../national/auth/uplink-auth.ts';
import { catalogueSource, sampleCatalogue } from '../national/sources/catalogue.ts';
import { createNationalService } from '../national/service.ts';
import { commandLine } from './args.ts';

const HELP = `usage: implant-scan demo [--data-dir DIR] [--broker-port N] [--station-port N] [--national-port N]

Runs the whole chain on this machine and prints a "ready {json}" line with every URL; then each
line on stdin is scanned by the simulated scanner. Ctrl-C (or the end of stdin with --exit-on-eof)
stops it.

  --data-dir DIR      where the outboxes and the national SQLite file go (default: a new temp dir)
  --broker-port N     --station-port N     --national-port N     (default 0: a free port)
  --exit-on-eof       stop once stdin ends and every scan has its order code
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
  const [brokerPort, stationPort, nationalPort] = ports as [number, number, number];
  const dataDir = values['data-dir'] ?? (await mkdtemp(join(tmpdir(), 'implant-scan-demo-')));
  const logger = pino({ level: values['log-level'] }, pino.destination(2));

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

  // Ready means a scan typed now is read: the scanner's port open (an opening port discards what
  // came before) and the gateway online.
  await untilStatus(gateway.controller, (s) => (s.scanner === 'open' || scanner === null) && s.broker === 'online');
  const ready = { stationUrl: gateway.stationUrl, brokerUrl: broker.url, registryUrl: national.url, registryToken, scannerDevice: scanner?.stablePath ?? null, dataDir };
  process.stdout.write(`ready ${JSON.stringify(ready)}\n`);
  // One line per outcome, so that a piped demo shows what became of each scan.
  gateway.controller.on('receipt', (r) => process.stdout.write(`receipt ${JSON.stringify({ scanId: r.scanId, status: r.status, orderCode: r.orderCode, productName: r.productName })}\n`));
  gateway.controller.on('refused', (s) => process.stdout.write(`refused ${JSON.stringify({ reason: s.reason })}\n`));

  const stop = new AbortController();
  process.once('SIGINT', () => stop.abort());
  process.once('SIGTERM', () => stop.abort());
  const lines = createInterface({ input: process.stdin, crlfDelay: Infinity });
  const reading = (async () => {
    for await (const line of lines) {
      if (stop.signal.aborted) break;
      if (line.length === 0) continue;
      if (scanner) await scanner.send(line);
      else await gateway.controller.handleFrame(Buffer.from(line, 'utf8'));
    }
  })();
  if (values['exit-on-eof']) {
    await reading;
    await gateway.controller.drain();
    await waitForReceipts(gateway.controller, stop.signal);
  } else {
    await new Promise<void>((resolve) => stop.signal.addEventListener('abort', () => resolve(), { once: true }));
  }
  lines.close();
  await gateway.close();
  await scanner?.close();
  await uplink.close();
  await uplinkOutbox.close();
  await national.close();
  await broker.close();
  return 0;
}

function untilStatus(controller: Awaited<ReturnType<typeof startGateway>>['controller'], ok: (s: Status) => boolean): Promise<void> {
  return new Promise((resolve) => {
    const check = () => {
      if (!ok(controller.currentStatus())) return;
      controller.off('status', check);
      resolve();
    };
    controller.on('status', check);
    check();
  });
}

/** Until no accepted scan of today waits for its order code. */
function waitForReceipts(controller: Awaited<ReturnType<typeof startGateway>>['controller'], signal: AbortSignal): Promise<void> {
  const waiting = () => controller.scanLog.today().some((s) => s.status === 'stored' || s.status === 'sent');
  return new Promise((resolve) => {
    const check = () => {
      if (!waiting() || signal.aborted) {
        controller.off('receipt', check);
        resolve();
      }
    };
    controller.on('receipt', check);
    signal.addEventListener('abort', check, { once: true });
    check();
  });
}
