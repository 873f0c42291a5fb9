// `implant-scan gateway --config /etc/implant-scan/gateway.json`: the theatre daemon, until
// SIGTERM/SIGINT (systemd: Type=notify; READY=1 once scans are accepted, even offline).
// Logs are pino JSON on stdout (journald keeps them); nothing of a scan's content above debug.
//   implant-scan gateway --config gw.json
//   sudo implant-scan gateway --check --config gw.json    # as the service user: files, scanner
// A configuration that cannot work (a bad field, a file the daemon cannot read) exits 78
// (EX_CONFIG) with one line per problem: the unit does not restart on 78.

import { spawnSync } from 'node:child_process';
import pino from 'pino';
import { dataDirProblems, fileProblems, scannerProblems } from '../gateway/config-check.ts';
import { ConfigError, loadConfig } from '../gateway/config.ts';
import { startGateway } from '../gateway/daemon.ts';
import { commandLine } from './args.ts';

const SERVICE_USER = 'implant-scan';
const EX_CONFIG = 78;

const HELP = `usage: implant-scan gateway --config FILE [--check [--as-user USER]]

Runs the theatre gateway daemon: reads the scanner, parses each scan locally, stores accepted
scans durably and publishes them to the hospital broker; serves the station page.

  --config FILE    the gateway's JSON configuration (see gateway/README.md)
  --check          validate the configuration, open every file it names (CA, certificate, key,
                   password file) and the scanner path (a tty or pty, read/write), print the
                   effective configuration and exit: 0 when the daemon can run, 78 with one line
                   per problem otherwise
  --as-user USER   with --check, run as root: check as USER, with USER's groups (the unit's
                   user). Default as root: ${SERVICE_USER} when that user exists
`;

/** uid and primary gid of a user (getent: local files or the system's directory). */
function account(user: string): { uid: number; gid: number } | null {
  const result = spawnSync('getent', ['passwd', user], { encoding: 'utf8' });
  const fields = result.status === 0 ? result.stdout.split(':') : [];
  return fields.length >= 4 ? { uid: Number(fields[2]), gid: Number(fields[3]) } : null;
}

/** Drops this process to USER (its groups from /etc/group, as systemd's User= gives them), or says why not. */
function becomeUser(user: string): string | null {
  const target = account(user);
  if (!target) return `--as-user ${user}: no such user`;
  if (process.getuid!() === target.uid) return null;
  if (process.getuid!() !== 0) return `--as-user ${user}: needs root (sudo implant-scan gateway --check …)`;
  // POSIX-only, missing from @types/node 20.
  (process as unknown as { initgroups(user: string, extraGroup: number): void }).initgroups(user, target.gid);
  process.setgid!(target.gid);
  process.setuid!(target.uid);
  return null;
}

export async function run(argv: string[]): Promise<number> {
  const args = commandLine('gateway', argv, { config: { type: 'string', short: 'c' }, check: { type: 'boolean' }, 'as-user': { type: 'string' } }, HELP);
  if ('exit' in args) return args.exit;
  const { values } = args;
  if (!values.config) {
    process.stderr.write(`implant-scan gateway: --config is required\n${HELP}`);
    return 2;
  }
  if (values['as-user'] !== undefined && !values.check) {
    process.stderr.write(`implant-scan gateway: --as-user goes with --check (the unit's User= runs the daemon)\n`);
    return 2;
  }
  // Root can read everything: a check as root would pass files the service user cannot open.
  const asRoot = values.check === true && values['as-user'] === undefined && process.getuid?.() === 0;
  const asUser = values['as-user'] ?? (asRoot && account(SERVICE_USER) ? SERVICE_USER : undefined);
  if (asRoot && asUser === undefined) process.stderr.write(`implant-scan gateway: checking as root: there is no user ${SERVICE_USER} here (--as-user USER checks as another)\n`);
  if (asUser !== undefined) {
    const refused = becomeUser(asUser);
    if (refused) {
      process.stderr.write(`implant-scan gateway: ${refused}\n`);
      return 2;
    }
  }
  let config;
  try {
    config = await loadConfig(values.config);
  } catch (e) {
    if (e instanceof ConfigError) {
      process.stderr.write(`implant-scan gateway: ${e.message}\n`);
      return EX_CONFIG; // systemd's Restart= should not loop on a broken file
    }
    throw e;
  }
  const problems = [...(await fileProblems(config, { validity: values.check === true })), ...(await dataDirProblems(config))];
  if (values.check) problems.push(...(await scannerProblems(config)));
  if (problems.length) {
    process.stderr.write(problems.map((p) => `implant-scan gateway: ${p}\n`).join(''));
    return EX_CONFIG;
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
