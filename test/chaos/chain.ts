// The whole chain as real processes for the chaos suite: a simulated scanner on a real
// pseudo-terminal (socat), `implant-scan gateway`, a broker (`implant-scan broker` — aedes — with
// per-identity credentials and the gateway ACL, or Mosquitto), `implant-scan uplink`, a faulty link
// (faulty-link.ts) and `implant-scan national` on a SQLite file. Every process can be killed and
// started again on the same ports and files.
//   const chain = await Chain.start({ cli, dir, broker: 'aedes' });
//   await chain.scanner.send(']d201…');  chain.gateway.kill();  chain.link.set('stall');  …
//   await chain.close();

import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { startSimulator, type Simulator } from '../../firmware-sim/simulator.ts';
import { hashPassword } from '../../gateway/broker/auth.ts';
import { freePort } from '../../gateway/mqtt/test-support.ts';
import { newCredential } from '../../national/auth/credentials.ts';
import { FaultyLink } from './faulty-link.ts';
import { Part } from './part.ts';

export const SITE = 'chaos-hospital';
export const THEATRE = 'or-1';
export const GATEWAY = 'gw-chaos';

export type BrokerKind = 'aedes' | 'mosquitto';

export interface ChainOptions {
  /** The CLI to run: bin/implant-scan.mjs or a test bundle. */
  cli: string;
  dir: string;
  broker: BrokerKind;
  /** Where the gateway keeps its data (default dir/gateway): a small tmpfs for disk-full faults. */
  gatewayDataDir?: string;
  /** Extra environment for the gateway, e.g. LD_PRELOAD for libfaketime. */
  gatewayEnv?: NodeJS.ProcessEnv;
}

export class Chain {
  private constructor(
    readonly dirs: { root: string; gateway: string; uplink: string; national: string },
    readonly scanner: Simulator,
    readonly broker: Part,
    readonly national: Part,
    readonly link: FaultyLink,
    readonly uplink: Part,
    readonly gateway: Part,
    readonly stationUrl: string,
    readonly registryUrl: string,
    readonly registryToken: string,
    readonly nationalDb: string,
  ) {}

  get parts(): Part[] {
    return [this.broker, this.national, this.uplink, this.gateway];
  }

  static async start(options: ChainOptions): Promise<Chain> {
    const { cli, dir } = options;
    const dirs = { root: dir, gateway: options.gatewayDataDir ?? join(dir, 'gateway'), uplink: join(dir, 'uplink'), national: join(dir, 'national') };
    for (const d of [...Object.values(dirs), join(dir, 'logs'), join(dir, 'sim')]) mkdirSync(d, { recursive: true });
    const logOf = (name: string) => join(dir, 'logs', `${name}.log`);
    const [brokerPort, nationalPort, stationPort] = [await freePort(), await freePort(), await freePort()];

    // National: one uplink credential for the site, one registry; files, so restarts keep them.
    const uplinkToken = newCredential(`uplink-${SITE}`);
    const registry = newCredential('chaos-registry');
    writeFileSync(join(dir, 'uplinks.json'), JSON.stringify([{ id: `uplink-${SITE}`, site: SITE, tokenSha256: uplinkToken.tokenSha256 }]));
    writeFileSync(join(dir, 'registries.json'), JSON.stringify([{ id: 'chaos-registry', tokenSha256: registry.tokenSha256 }]));
    writeFileSync(join(dir, 'national-token'), uplinkToken.token, { mode: 0o600 });
    const nationalDb = join(dirs.national, 'national.sqlite');
    const national = new Part('national', process.execPath, [cli, 'national', '--port', String(nationalPort), '--db', nationalDb, '--uplinks', join(dir, 'uplinks.json'), '--registries', join(dir, 'registries.json'), '--log-level', 'warn'], { ready: 'line', logFile: logOf('national') });

    // Broker: each identity its own password, under the gateway ACL (aedes); Mosquitto on loopback.
    const passwords = { gateway: `gw-${Math.random().toString(36).slice(2)}`, uplink: `up-${Math.random().toString(36).slice(2)}` };
    writeFileSync(join(dir, 'gateway-password'), passwords.gateway, { mode: 0o600 });
    writeFileSync(join(dir, 'uplink-password'), passwords.uplink, { mode: 0o600 });
    let broker: Part;
    if (options.broker === 'aedes') {
      writeFileSync(
        join(dir, 'broker-credentials.json'),
        JSON.stringify([
          { username: GATEWAY, passwordHash: await hashPassword(passwords.gateway), identity: { kind: 'gateway', site: SITE, theatre: THEATRE, gateway: GATEWAY } },
          { username: `uplink-${SITE}`, passwordHash: await hashPassword(passwords.uplink), identity: { kind: 'uplink', site: SITE, id: `uplink-${SITE}` } },
        ]),
      );
      broker = new Part('broker', process.execPath, [cli, 'broker', '--port', String(brokerPort), '--credentials', join(dir, 'broker-credentials.json'), '--log-level', 'warn'], { ready: 'line', logFile: logOf('broker') });
    } else {
      broker = mosquitto(dir, brokerPort, logOf('mosquitto'));
    }
    const brokerUrl = `mqtt://127.0.0.1:${brokerPort}`;

    const scanner = await startSimulator({ dir: join(dir, 'sim'), profile: 'honeywell' });
    await broker.start();
    await national.start();
    const link = await FaultyLink.open(nationalPort);
    const uplink = new Part(
      'uplink',
      process.execPath,
      [cli, 'uplink', '--site', SITE, '--broker', brokerUrl, '--national', `http://127.0.0.1:${link.port}`, '--data-dir', dirs.uplink, '--token-file', join(dir, 'national-token'), '--username', `uplink-${SITE}`, '--password-file', join(dir, 'uplink-password'), '--log-level', 'warn'],
      { ready: 'line', logFile: logOf('uplink') },
    );
    await uplink.start();

    const stationUrl = `http://127.0.0.1:${stationPort}`;
    writeFileSync(
      join(dir, 'gateway.json'),
      JSON.stringify({
        site: SITE,
        theatre: THEATRE,
        gateway: GATEWAY,
        dataDir: dirs.gateway,
        scanner: { path: scanner.stablePath },
        broker: { url: brokerUrl, username: GATEWAY, passwordFile: join(dir, 'gateway-password') },
        station: { host: '127.0.0.1', port: stationPort },
        indicator: { driver: 'simulated' },
        logLevel: 'warn',
      }),
    );
    const gateway = new Part('gateway', process.execPath, [cli, 'gateway', '--config', join(dir, 'gateway.json')], {
      // Ready when the page answers and the scanner port is open: a scan sent before is not read.
      ready: async () => {
        const res = await fetch(`${stationUrl}/api/status`);
        if (!res.ok) return false;
        const status = (await res.json()) as { scanner?: string };
        return status.scanner === 'open';
      },
      logFile: logOf('gateway'),
      ...(options.gatewayEnv ? { env: options.gatewayEnv } : {}),
    });
    await gateway.start();
    return new Chain(dirs, scanner, broker, national, link, uplink, gateway, stationUrl, `http://127.0.0.1:${nationalPort}`, registry.token, nationalDb);
  }

  async close(): Promise<void> {
    for (const part of [this.gateway, this.uplink, this.national, this.broker]) await part.stop().catch(() => {});
    await this.link.close();
    await this.scanner.close();
  }
}

/** Mosquitto from Debian on a loopback port, no persistence: a restart forgets every session. */
function mosquitto(dir: string, port: number, logFile: string): Part {
  const conf = join(dir, 'mosquitto.conf');
  writeFileSync(conf, [`listener ${port} 127.0.0.1`, 'allow_anonymous true', 'persistence false', 'log_dest stderr', 'log_type error', 'log_type warning', 'max_packet_size 65536', ''].join('\n'));
  const binary = execFileSync('sh', ['-c', 'command -v mosquitto || echo /usr/sbin/mosquitto'], { encoding: 'utf8' }).trim();
  const listening = () =>
    new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1');
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
  return new Part('mosquitto', binary, ['-c', conf], { ready: listening, logFile });
}
