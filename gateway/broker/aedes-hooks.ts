// The bridge from our Authenticator (auth.ts) and Acl (acl.ts) to aedes' callback hooks:
//   const hooks = aedesHooks({ authenticate, acl, logger });
//   new Aedes({ ...hooks.options });  hooks.identityOf(client) → the identity, for tests and logs
//
// At CONNECT: the authenticator names the identity (or the client gets CONNACK 4/5 and is
// closed); the Acl must accept the client id (so no one takes over another's persistent session)
// and the last-will topic (so a will can never be a forged publish: aedes publishes wills restored
// from persistence with no client, and those were checked here when they were stored).
// PUBLISH outside the Acl: refused, counted, logged, and aedes closes the connection (MQTT 3.1.1
// has no negative PUBACK); nothing reaches a subscriber. The retain flag is kept on state topics
// (a gateway's, the site uplink's) only. A publish with no client is let through only when it is a will restored from persistence. SUBSCRIBE outside it: SUBACK 0x80 for
// that filter, the connection stays up. Logs name the client id, the identity and the topic,
// never a payload, a password or a certificate.

import type { AedesOptions, AuthenticateError, Client, PublishPacket, Subscription } from 'aedes';
import type { Socket } from 'node:net';
import { TLSSocket } from 'node:tls';
import type { Logger } from 'pino';
import type { Acl } from './acl.ts';
import type { Authenticator, ConnectRequest, TlsPeer } from './auth.ts';
import { newConnectionGuardStats, type ConnectionGuardStats } from './connection-guard.ts';
import { parseTopic, parseUplinkStateTopic } from '../../protocol/topics.ts';
import { containsPersonalId } from '../../protocol/udi/personal-id.ts';
import { LOCAL_DEMO_IDENTITY, describeIdentity, type ClientIdentity } from './identity.ts';
import { LoginBusyError } from './login-queue.ts';

export interface BrokerStats extends ConnectionGuardStats {
  /** Clients that passed authentication and the connect rules. */
  connectionsAccepted: number;
  /** CONNECTs refused: unknown identity, wrong client id, or a will topic outside the Acl. */
  connectionsRefused: number;
  /** CONNECTs answered "server unavailable" (CONNACK 3): too many login attempts from the address (login-queue.ts); also in connectionsRefused. */
  connectionsBusy: number;
  /** PUBLISHes refused by the Acl (the client was disconnected). */
  publishDenied: number;
  /** Subscription filters refused by the Acl (SUBACK 0x80). */
  subscribeDenied: number;
}

export const newBrokerStats = (): BrokerStats => ({ connectionsAccepted: 0, connectionsRefused: 0, connectionsBusy: 0, publishDenied: 0, subscribeDenied: 0, ...newConnectionGuardStats() });

export interface AedesHooksOptions {
  authenticate: Authenticator;
  acl: Acl;
  logger: Logger;
  stats?: BrokerStats;
}

export interface AedesHooks {
  options: Required<Pick<AedesOptions, 'preConnect' | 'authenticate' | 'authorizePublish' | 'authorizeSubscribe'>>;
  identityOf(client: Client): ClientIdentity | undefined;
  /** The username a client logged in with and the identity it got; undefined before (or without) login. */
  loginOf(client: Client): { username: string | null; identity: ClientIdentity } | undefined;
  /** Replaces the authenticator for logins from now on (a reload). */
  setAuthenticator(authenticate: Authenticator): void;
  authenticator(): Authenticator;
  /** Called for each client that passed, just before its CONNACK 0. */
  onAuthenticated(listener: (client: Client) => void): void;
  stats: BrokerStats;
}

// CONNACK return codes (aedes' AuthErrorCode is an ambient const enum, unusable under isolatedModules).
const BAD_USERNAME_OR_PASSWORD = 4;
const NOT_AUTHORIZED = 5;
const SERVER_UNAVAILABLE = 3;

/** Topics and client ids come from the network: keep log lines bounded and printable, and never
 * let one carry a personal identity number into the log (its digits become #). */
const printable = (s: string): string => {
  const text = s.slice(0, 256).replace(/[^\x20-\x7e]/g, '?');
  return containsPersonalId(text) ? text.replace(/\d/g, '#') : text;
};

function tlsPeerOf(conn: unknown): TlsPeer | null {
  if (!(conn instanceof TLSSocket)) return null;
  const cert = conn.getPeerCertificate();
  const present = cert !== null && typeof cert === 'object' && Object.keys(cert).length > 0;
  const error = conn.authorizationError;
  return { authorized: conn.authorized, authorizationError: error === undefined || error === null ? null : String(error), peerCertificate: present ? cert : null };
}

function remoteAddressOf(conn: unknown): string | null {
  const address = (conn as Partial<Socket> | null)?.remoteAddress;
  return typeof address === 'string' ? address : null;
}

/**
 * Only a gateway's or the site uplink's state (birth, will) is retained by design (protocol/README.md); a retained
 * scan, receipt or command would be stored and handed to every later subscriber, so the flag is
 * cleared and the message delivered as a live one.
 */
function stripRetainUnlessState(packet: PublishPacket): void {
  if (packet.retain && parseTopic(packet.topic)?.kind !== 'state' && parseUplinkStateTopic(packet.topic) === null) packet.retain = false;
}

/** A will as aedes-persistence stores it (clientId, brokerId), on the state topic of the gateway it belongs to — or anything under an Acl that lets everyone publish anything (the local demo). */
function isRestoredWillFor(packet: PublishPacket, acl: Acl): boolean {
  const stored = packet as PublishPacket & { clientId?: unknown; brokerId?: unknown };
  if (typeof stored.clientId !== 'string' || typeof stored.brokerId !== 'string') return false;
  if (acl.authorizePublish(LOCAL_DEMO_IDENTITY, packet.topic)) return true;
  const t = parseTopic(packet.topic);
  return t !== null && t.kind === 'state' && t.gateway === stored.clientId;
}

export function aedesHooks({ authenticate: initial, acl, logger, stats = newBrokerStats() }: AedesHooksOptions): AedesHooks {
  let authenticate = initial;
  const identities = new WeakMap<Client, ClientIdentity>();
  const usernames = new WeakMap<Client, string | null>();
  // The last will from the CONNECT packet, kept from preConnect (which sees the packet) to
  // authenticate (which knows the identity).
  const wills = new WeakMap<Client, string>();
  const authenticatedListeners: Array<(client: Client) => void> = [];

  const refuse = (client: Client, returnCode: number, reason: string, done: (error: AuthenticateError | null, success: boolean | null) => void, identity?: ClientIdentity): void => {
    stats.connectionsRefused++;
    // A refused flood would flood the log: "busy" refusals are counted, and logged at debug.
    logger[returnCode === SERVER_UNAVAILABLE ? 'debug' : 'warn']({ clientId: printable(client.id ?? ''), identity: identity && describeIdentity(identity), remoteAddress: remoteAddressOf(client.conn), returnCode }, `broker: connection refused: ${reason}`);
    const error = Object.assign(new Error(reason), { returnCode }) as unknown as AuthenticateError;
    done(error, false);
  };

  return {
    stats,
    identityOf: (client) => identities.get(client),
    onAuthenticated: (listener) => authenticatedListeners.push(listener),
    loginOf: (client) => {
      const identity = identities.get(client);
      return identity === undefined ? undefined : { username: usernames.get(client) ?? null, identity };
    },
    setAuthenticator: (next) => {
      authenticate = next;
    },
    authenticator: () => authenticate,
    options: {
      preConnect(client, packet, callback) {
        if (packet.will) wills.set(client, String(packet.will.topic));
        callback(null, true);
      },

      authenticate(client, username, password, done) {
        const willTopic = wills.get(client);
        wills.delete(client);
        const gone = new AbortController();
        const conn = client.conn as Partial<Socket> | null;
        if (conn?.destroyed) gone.abort();
        else conn?.once?.('close', () => gone.abort());
        const request: ConnectRequest = {
          clientId: client.id,
          username: username ?? null,
          password: password ?? null,
          tls: tlsPeerOf(client.conn),
          remoteAddress: remoteAddressOf(client.conn),
          signal: gone.signal,
        };
        authenticate(request)
          .catch((e: unknown) => (e instanceof LoginBusyError ? e : null))
          .then((identity) => {
            if (identity instanceof LoginBusyError) {
              stats.connectionsBusy++;
              return refuse(client, SERVER_UNAVAILABLE, 'too many login attempts from this address; try later', done);
            }
            if (identity === null) {
              const presented = request.username !== null || request.password !== null;
              return refuse(client, presented ? BAD_USERNAME_OR_PASSWORD : NOT_AUTHORIZED, request.tls && !request.tls.authorized ? 'no valid client certificate or credentials' : 'unknown client or wrong credentials', done);
            }
            if (!acl.authorizeConnect(identity, client.id)) return refuse(client, NOT_AUTHORIZED, 'the client id does not belong to this identity', done, identity);
            if (willTopic !== undefined && !acl.authorizePublish(identity, willTopic)) {
              return refuse(client, NOT_AUTHORIZED, `the last-will topic "${printable(willTopic)}" is not this identity's to publish`, done, identity);
            }
            identities.set(client, identity);
            usernames.set(client, request.username);
            stats.connectionsAccepted++;
            for (const listener of authenticatedListeners) listener(client);
            logger.debug({ clientId: client.id, identity: describeIdentity(identity) }, 'broker: client authenticated');
            done(null, true);
          });
      },

      authorizePublish(client: Client | null, packet: PublishPacket, callback: (error?: Error | null) => void) {
        if (client === null) {
          // aedes publishes with no client only a will restored from persistence whose client is
          // not connected (aedes.js _clearWills, after a broker restart with a durable
          // persistence). Let through exactly that: a stored will, on a topic its client id may
          // use — a gateway's own state (the Acl of its CONNECT is not known any more).
          if (isRestoredWillFor(packet, acl)) {
            stripRetainUnlessState(packet);
            return callback(null);
          }
          stats.publishDenied++;
          logger.warn({ topic: printable(packet.topic) }, 'broker: publish without a client refused (not a restored will of its own state topic)');
          return callback(new Error('publish not authorized'));
        }
        const identity = identities.get(client);
        if (identity !== undefined && acl.authorizePublish(identity, packet.topic)) {
          stripRetainUnlessState(packet);
          return callback(null);
        }
        stats.publishDenied++;
        logger.warn({ clientId: printable(client.id ?? ''), identity: identity && describeIdentity(identity), topic: printable(packet.topic) }, 'broker: publish refused by the ACL; closing the connection');
        callback(new Error('publish not authorized'));
      },

      authorizeSubscribe(client: Client, subscription: Subscription, callback: (error: Error | null, subscription?: Subscription | null) => void) {
        const identity = identities.get(client);
        if (identity !== undefined && acl.authorizeSubscribe(identity, subscription.topic)) return callback(null, subscription);
        stats.subscribeDenied++;
        logger.warn({ clientId: printable(client.id ?? ''), identity: identity && describeIdentity(identity), filter: printable(subscription.topic) }, 'broker: subscription refused by the ACL (SUBACK 0x80)');
        callback(null, null);
      },
    },
  };
}
