// The embedded MQTT broker (aedes) for a small site or a laptop, on a TCP or TLS listener.
//   const broker = await startBroker({ port: 0, authenticate: localDemoAuthenticator, acl: allowAllForLocalDemoAcl });
//   broker.url  // 'mqtt://127.0.0.1:41517' — port 0 takes a free port; never assume 1883 is free
//   await broker.close();
//
// Speaks MQTT 3.1.1 (aedes refuses protocol 5 with CONNACK 1); QoS 0/1/2, retained messages, last
// wills, persistent sessions (clean: false). Sessions, retained messages and queued QoS 1
// messages live in `persistence` (aedes-persistence, in memory, by default: lost on restart —
// docs/architecture.md: broker persistence is a bonus, the gateway outbox is the guarantee).
//
// Who may connect and what they may touch is not decided here: `authenticate` (auth.ts) names
// the client, `acl` (acl.ts) decides, wired in by aedes-hooks.ts. There is no default: a caller
// chooses `gatewayAcl` with real credentials, or the local demo pair, knowingly.
// TLS: with `tls.ca` every client must present a certificate chaining to it (refused at the
// handshake otherwise); `certificateAuthenticator` then maps it to an identity (provisioning/subject.ts).

import { Aedes, type Client } from 'aedes';
import { writeToStream } from 'mqtt-packet';
import { once } from 'node:events';
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { createServer as createTlsServer, TLSSocket, type SecureContextOptions, type Server as TlsServer } from 'node:tls';
import pino, { type Logger } from 'pino';
import type { Acl } from './acl.ts';
import { aedesHooks, type BrokerStats } from './aedes-hooks.ts';
import type { Authenticator } from './auth.ts';
import { TLS_SERVER_POLICY } from '../../protocol/tls-policy.ts';
import { describeIdentity } from './identity.ts';
import { revocationCheck } from './revocation.ts';
import { ConnectionGuard, DEFAULT_CONNECTION_LIMITS, type ConnectionLimits } from './connection-guard.ts';

type Pem = string | Buffer | Array<string | Buffer>;

export interface BrokerTlsOptions {
  /** The broker's private key and certificate chain (PEM). */
  key: string | Buffer;
  cert: string | Buffer;
  /** CA certificate(s) client certificates must chain to. Setting it makes client certificates mandatory. */
  ca?: Pem;
  /** Revocation lists (PEM) for client certificates (revoked gateways). */
  crl?: Pem;
}

export interface BrokerOptions {
  /** Default 127.0.0.1: a small site's broker listens where the operator says, never everywhere by default. */
  host?: string;
  /** Default 1883 (8883 with TLS); 0 picks a free port (read it back from `port`). */
  port?: number;
  tls?: BrokerTlsOptions;
  authenticate: Authenticator;
  acl: Acl;
  /** An aedes persistence (aedes-persistence API); default in memory. */
  persistence?: unknown;
  logger?: Logger;
  /** The broker's id in aedes ($SYS topics); default random. */
  id?: string;
  /** What a client may cost before and after it logs in (connection-guard.ts); default DEFAULT_CONNECTION_LIMITS. */
  limits?: Partial<ConnectionLimits>;
}

export interface RunningBroker {
  /** mqtt://host:port or mqtts://host:port, for clients and the `ready` line. */
  url: string;
  host: string;
  port: number;
  /** The Acl's name ('gateway', 'allow-all-for-local-demo'). */
  acl: string;
  stats: BrokerStats;
  aedes: Aedes;
  /**
   * New TLS files (CA, CRL, the broker's own certificate) and/or a new authenticator, for new
   * connections and for those already up: a connected client whose certificate the new CRL lists,
   * or whose login the new authenticator no longer gives its identity (`stillValid`), is
   * disconnected (its will is published) and logged at warn.
   */
  reload(next: { tls?: BrokerTlsOptions; authenticate?: Authenticator }): ReloadReport;
  /** Closes every client (their wills are published), stops listening. Idempotent. */
  close(): Promise<void>;
}

export interface ReloadReport {
  /** Clients disconnected by the reload: client id and why. */
  disconnected: Array<{ clientId: string; reason: 'certificate revoked' | 'login no longer valid' }>;
}

/** Asked of the kernel (Linux caps it at net.core.somaxconn, 4096 by default since 5.4). */
const LISTEN_BACKLOG = 4096;

/** Longest MQTT client id accepted: a gateway id is up to 64 characters (protocol/topics.ts). */
const MAX_CLIENT_ID_LENGTH = 64;

/** The parts of the TLS listener that a reload may change (the policy, protocol/tls-policy.ts, included). */
function secureContextOptions(tls: BrokerTlsOptions): SecureContextOptions {
  return { key: tls.key, cert: tls.cert, ...(tls.ca === undefined ? {} : { ca: tls.ca }), ...(tls.crl === undefined ? {} : { crl: tls.crl }), ...TLS_SERVER_POLICY };
}

function urlHost(host: string): string {
  return host.includes(':') ? `[${host}]` : host;
}

export async function startBroker(options: BrokerOptions): Promise<RunningBroker> {
  const logger = options.logger ?? pino({ level: 'silent' });
  const host = options.host ?? '127.0.0.1';
  const tls = options.tls;
  const limits: ConnectionLimits = { ...DEFAULT_CONNECTION_LIMITS, ...options.limits };
  const hooks = aedesHooks({ authenticate: options.authenticate, acl: options.acl, logger });
  const guard = new ConnectionGuard(limits, { logger, stats: hooks.stats, acceptsFrom: (address) => hooks.authenticator().acceptsFrom?.(address) ?? true });
  hooks.onAuthenticated((client) => guard.authenticated(client.conn as Socket));
  // aedes writes with mqtt-packet, whose default builds a Buffer for each of the 65,536 two-byte
  // numbers on its first packet: ~7 MB and 65,536 objects that every full GC marks, for the
  // process's life, to save a 2-byte allocation per packet. The switch is mqtt-packet's, per process.
  writeToStream.cacheNumbers = false;
  const aedes = new Aedes({
    ...(options.id === undefined ? {} : { id: options.id }),
    ...(options.persistence === undefined ? {} : { persistence: options.persistence }),
    maxClientsIdLength: MAX_CLIENT_ID_LENGTH,
    connectTimeout: limits.connectTimeoutMs,
    ...hooks.options,
  });
  // aedes emits 'error' when restoring wills fails; unhandled, it would end the process.
  (aedes as NodeJS.EventEmitter).on('error', (err: Error) => logger.error({ err: err.message }, 'broker: aedes error'));
  aedes.on('clientError', (client, err) => logger.debug({ clientId: client.id, err: err.message }, 'broker: client error'));
  aedes.on('connectionError', (_client, err) => logger.debug({ err: err.message }, 'broker: connection error before CONNECT'));
  await aedes.listen();

  const sockets = new Set<Socket>();
  const track = (socket: Socket): void => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  };
  let server: Server;
  let tlsServer: TlsServer | null = null;
  if (tls) {
    const mutual = tls.ca !== undefined;
    server = tlsServer = createTlsServer(
      { ...secureContextOptions(tls), ...(mutual ? { requestCert: true, rejectUnauthorized: true } : {}), handshakeTimeout: limits.connectTimeoutMs },
      (socket: TLSSocket) => aedes.handle(guard.meter(socket)),
    );
    // A certificate that does not verify (foreign CA, revoked, expired) is refused by Node after
    // the handshake with a bare close, no alert: its reason is only on the socket.
    server.on('tlsClientError', (err: NodeJS.ErrnoException, socket: TLSSocket) =>
      logger.warn({ code: err.code ?? null, authorizationError: socket.authorizationError ? String(socket.authorizationError) : null, remoteAddress: socket.remoteAddress ?? null, err: err.message }, 'broker: TLS handshake refused'),
    );
  } else {
    server = createServer((socket) => aedes.handle(guard.meter(socket)));
  }
  // Raw sockets, also those still in the TLS handshake. The guard is the first listener: a
  // socket over its cap is closed before TLS or aedes see it.
  server.prependListener('connection', (socket: Socket) => {
    track(socket);
    guard.admit(socket);
  });

  const port = options.port ?? (tls ? 8883 : 1883);
  try {
    // A deep accept queue: in a flood of connections the guard closes the excess in microseconds,
    // but a SYN dropped by a full kernel queue costs a legitimate client a 1 s retransmission.
    server.listen({ host, port, backlog: LISTEN_BACKLOG });
    await once(server, 'listening');
  } catch (e) {
    await new Promise<void>((resolve) => aedes.close(() => resolve()));
    const err = e as NodeJS.ErrnoException;
    const hint = err.code === 'EADDRINUSE' ? ` (another broker, e.g. Mosquitto, may own it: choose another --port, or 0 for a free one)` : '';
    throw new Error(`cannot listen on ${urlHost(host)}:${port}: ${err.code ?? err.message}${hint}`, { cause: e });
  }
  server.on('error', (err) => logger.error({ err: err.message }, 'broker: listener error'));
  const address = server.address() as AddressInfo;
  const url = `${tls ? 'mqtts' : 'mqtt'}://${urlHost(host)}:${address.port}`;
  logger.info({ url, acl: options.acl.name }, 'broker: listening');

  let closing: Promise<void> | null = null;
  const close = (): Promise<void> => {
    closing ??= (async () => {
      const serverClosed = new Promise<void>((resolve) => server.close(() => resolve()));
      await new Promise<void>((resolve) => aedes.close(() => resolve()));
      for (const socket of sockets) socket.destroy();
      await serverClosed;
      logger.info({ url }, 'broker: closed');
    })();
    return closing;
  };

  const reload = (next: { tls?: BrokerTlsOptions; authenticate?: Authenticator }): ReloadReport => {
    if (next.tls !== undefined) {
      if (tlsServer === null) throw new Error('this broker listens without TLS: there are no TLS files to reload');
      tlsServer.setSecureContext(secureContextOptions(next.tls));
    }
    if (next.authenticate !== undefined) hooks.setAuthenticator(next.authenticate);
    const revoked = revocationCheck(next.tls?.crl);
    const stillValid = hooks.authenticator().stillValid;
    const disconnected: ReloadReport['disconnected'] = [];
    for (const client of Object.values((aedes as unknown as { clients: Record<string, Client> }).clients)) {
      const login = hooks.loginOf(client);
      if (login === undefined) continue;
      const conn = client.conn as unknown;
      const reason =
        conn instanceof TLSSocket && revoked(conn.getPeerCertificate().raw) ? 'certificate revoked' : stillValid !== undefined && !stillValid(login) ? 'login no longer valid' : null;
      if (reason === null) continue;
      disconnected.push({ clientId: client.id, reason });
      logger.warn({ clientId: client.id, identity: describeIdentity(login.identity), reason }, 'broker: connected client refused after reload; disconnected');
      client.close();
    }
    logger.info({ disconnected: disconnected.length }, 'broker: reloaded');
    return { disconnected };
  };

  return { url, host, port: address.port, acl: options.acl.name, stats: hooks.stats, aedes, reload, close };
}
