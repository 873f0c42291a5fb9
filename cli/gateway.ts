// `implant-scan gateway --config /etc/implant-scan/gateway.json`: the theatre daemon, until
// SIGTERM/SIGINT (systemd: Type=notify; READY=1 once scans are accepted, even offline).
// Logs are pino JSON on stdout (journald keeps them); nothing of a scan's content above debug.
//   implant-scan gateway --config gw.json
//   implant-scan gateway --check --config gw.json     # validate the file and exit

import pino from 'pino';
import { ConfigError, loadConfig } from '../gateway/config.ts';
import { startGateway } from '../gateway/daemon.ts';
import { commandLine } from './args.ts';

const HELP = `usage: implant-scan gateway --config FILE [--check]

Runs the theatre gateway daemon: reads the scanner, parses each scan locally, stores accepted
scans durably and publishes them to the hospital broker; serves the station page.

  --config FILE   the gateway's JSON configuration (see gateway/README.md)
  --check         validate the configuration, print the effective one, and exit
`;

export async function run(argv: string[]): Promise<number> {
  const args = commandLine('gateway', argv, { config: { type: 'string', short: 'c' }, check: { type: 'boolean' } }, HELP);
  if ('exit' in args) return args.exit;
  const { values } = args;
  if (!values.config) {
    process.stderr.write(`implant-scan gateway: --config is required\n${HELP}`);
    return 2;
  }
  let config;
  try {
    config = await loadConfig(values.config);
  } catch (e) {
    if (e instanceof ConfigError) {
      process.stderr.write(`implant-scan gateway: ${e.message}\n`);
      return 78; // EX_CONFIG: systemd's Restart= should not loop on a broken file
    }
    throw e;
  }
  if (values.check) {
    process.stdout.write(`${JSON.stringify(config, null, 2)}\n`);
    return 0;
  }
  const logger = pino({ level: config.logLevel, base: { gateway: config.gateway } });
  const gateway = await startGateway(config, { logger });
  await new Promise<void>((resolve) => {
    process.once('SIGTERM', resolve);
    process.once('SIGINT', resolve);
  });
  logger.info('stopping');
  await gateway.close();
  return 0;
}
