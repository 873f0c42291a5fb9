// Helpers for tests that need a real broker and real MQTT clients (gateway/broker, gateway/mqtt,
// and later test/): a broker on a free loopback port with the production ACL and one credential
// per identity, plain mqtt.js clients, and bounded waits on events (never on timings).

import { connect as tcpConnect, type Socket } from 'node:net';
import { Writable } from 'node:stream';
import { connect, type IClientOptions, type IPublishPacket, type MqttClient } from 'mqtt';
import { generate } from 'mqtt-packet';
import pino, { type Logger } from 'pino';
import { gatewayAcl } from './acl.ts';
import { hashPassword, passwordAuthenticator, type Credential } from './auth.ts';
import type { ClientIdentity, GatewayIdentity, OperatorIdentity, UplinkIdentity } from './identity.ts';
import { startBroker, type BrokerOptions, type RunningBroker } from './server.ts';

export const SITE = 'sahlgrenska';
export const GW_A: GatewayIdentity = { kind: 'gateway', site: SITE, theatre: 'or-3', gateway: 'gw-or3' };
export const GW_B: GatewayIdentity = { kind: 'gateway', site: SITE, theatre: 'or-4', gateway: 'gw-or4' };
export const UPLINK: UplinkIdentity = { kind: 'uplink', site: SITE, id: 'uplink-sahlgrenska' };
export const OPERATOR: OperatorIdentity = { kind: 'operator', site: SITE, id: 'ops-sahlgrenska' };
export const OTHER_SITE_UPLINK: UplinkIdentity = { kind: 'uplink', site: 'sus-lund', id: 'uplink-sus-lund' };

export interface TestUser {
  username: string;
  password: string;
  clientId: string;
  identity: ClientIdentity;
}

const user = (identity: GatewayIdentity | UplinkIdentity | OperatorIdentity): TestUser => {
  const id = identity.kind === 'gateway' ? identity.gateway : identity.id;
  return { username: id, password: `secret-of-${id}`, clientId: id, identity };
};

export const USERS = {
  gwA: user(GW_A),
  gwB: user(GW_B),
  uplink: user(UPLINK),
  operator: user(OPERATOR),
  otherUplink: user(OTHER_SITE_UPLINK),
} as const;

let credentials: Promise<Credential[]> | null = null;
/** Hashed once per test file (scrypt is deliberately slow). */
export function testCredentials(): Promise<Credential[]> {
  credentials ??= Promise.all(Object.values(USERS).map(async (u) => ({ username: u.username, passwordHash: await hashPassword(u.password), identity: u.identity })));
  return credentials;
}

/** A broker on a free loopback port, with `gatewayAcl` and a credential for each of USERS. */
export async function startSecureTestBroker(options: Partial<BrokerOptions> = {}): Promise<RunningBroker> {
  return startBroker({ host: '127.0.0.1', port: 0, authenticate: passwordAuthenticator(await testCredentials()), acl: gatewayAcl, ...options });
}

export function loginOf(u: TestUser): Pick<IClientOptions, 'username' | 'password' | 'clientId'> {
  return { username: u.username, password: u.password, clientId: u.clientId };
}

/**
 * A plain mqtt.js client (MQTT 3.1.1, no automatic reconnect), resolved once connected; rejects
 * with the CONNACK error when refused. Errors after that are collected in `errors`, not thrown.
 */
export function connectClient(url: string, options: IClientOptions = {}): Promise<MqttClient & { errors: Error[] }> {
  return new Promise((resolve, reject) => {
    const client = connect(url, { protocolVersion: 4, reconnectPeriod: 0, connectTimeout: 10_000, ...options }) as MqttClient & { errors: Error[] };
    client.errors = [];
    const onError = (err: Error): void => {
      client.errors.push(err);
    };
    client.on('error', onError);
    client.once('connect', () => resolve(client));
    client.once('error', (err) => {
      if (!client.connected) {
        client.end(true);
        reject(err);
      }
    });
    client.once('close', () => {
      if (!client.connected && client.errors.length === 0) reject(new Error('connection closed before CONNACK'));
    });
  });
}

export interface Received {
  topic: string;
  payload: Buffer;
  retain: boolean;
}

/** Collects every message a client receives, and lets a test wait for the n-th one. */
export function collect(client: MqttClient): { messages: Received[]; waitFor(count: number, timeoutMs?: number): Promise<Received[]> } {
  const messages: Received[] = [];
  const waiters: Array<() => void> = [];
  client.on('message', (topic: string, payload: Buffer, packet: IPublishPacket) => {
    messages.push({ topic, payload, retain: packet.retain });
    for (const w of waiters.splice(0)) w();
  });
  return {
    messages,
    waitFor(count, timeoutMs = 10_000) {
      return waitUntil(() => messages.length >= count, timeoutMs, `${count} message(s)`, (notify) => waiters.push(notify)).then(() => messages);
    },
  };
}

/**
 * Resolves when `ready()` holds, checking whenever `subscribe` notifies (and every 10 ms as a
 * fallback); rejects after `timeoutMs` (a bound on the wait, never an assertion on timing).
 */
export function waitUntil(ready: () => boolean, timeoutMs: number, what: string, subscribe?: (notify: () => void) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    if (ready()) return resolve();
    let done = false;
    const check = (): void => {
      if (done || !ready()) return;
      done = true;
      clearInterval(poll);
      clearTimeout(timer);
      resolve();
    };
    const poll = setInterval(check, 10);
    const timer = setTimeout(() => {
      done = true;
      clearInterval(poll);
      reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`));
    }, timeoutMs);
    const rearm = (): void => {
      check();
      if (!done) subscribe?.(rearm);
    };
    subscribe?.(rearm);
  });
}

/** `promise`, or a rejection naming `what` after `timeoutMs` (so a broken test fails fast, not at the test timeout). */
export function within<T>(promise: Promise<T>, timeoutMs: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)), timeoutMs);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** Ends a client without waiting for in-flight messages. */
export function endClient(client: MqttClient): Promise<void> {
  return new Promise((resolve) => client.end(true, {}, () => resolve()));
}

/** A pino logger whose JSON lines a test can read back (e.g. the reason of a refusal the client sees as a bare close). */
export function capturedLog(level = 'warn'): { logger: Logger; lines: Array<Record<string, unknown>> } {
  const lines: Array<Record<string, unknown>> = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  return { logger: pino({ level }, sink), lines };
}

export interface LoginFlood {
  sockets: Socket[];
  /** Flood connections answered (a CONNACK) or closed so far. */
  answered(): number;
}

/**
 * `count` raw CONNECTs as gateway B with a wrong password, from `localAddress` (another loopback
 * address, e.g. 127.0.0.2), all connected and written when this resolves.
 */
export async function wrongPasswordFlood(url: string, count: number, localAddress: string): Promise<LoginFlood> {
  const { hostname, port } = new URL(url);
  const packet = generate({ cmd: 'connect', protocolId: 'MQTT', protocolVersion: 4, clean: true, keepalive: 30, clientId: USERS.gwB.clientId, username: USERS.gwB.username, password: Buffer.from('wrong') });
  let answered = 0;
  const sockets = await Promise.all(
    Array.from(
      { length: count },
      () =>
        new Promise<Socket>((resolve) => {
          const s = tcpConnect({ host: hostname, port: Number(port), localAddress }, () => s.write(packet, () => resolve(s)));
          let done = false;
          const answer = (): void => {
            if (!done) answered++;
            done = true;
          };
          s.on('data', answer);
          s.on('close', answer);
          s.on('error', () => resolve(s)); // closed at accept: counted by 'close'
        }),
    ),
  );
  return { sockets, answered: () => answered };
}
