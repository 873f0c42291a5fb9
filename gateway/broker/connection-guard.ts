// What a client that has not logged in may cost the broker, enforced in front of aedes:
//   const guard = new ConnectionGuard(DEFAULT_CONNECTION_LIMITS, { logger, stats });
//   server.on('connection', (raw) => guard.admit(raw));      // TCP accepted: counted, timed, maybe refused
//   aedes.handle(guard.meter(conn));                         // the stream aedes reads (TLS or raw)
//   guard.authenticated(conn);                               // CONNACK 0: bigger packets, no timer
//
// - Packet size: every fixed header is read as bytes reach aedes (packet-size.ts); a packet
//   declaring more than the limit closes the connection before its body is read. The limit is
//   small until CONNACK (a CONNECT is ids, a password and a State will) and the largest
//   legitimate message plus a margin after it.
// - Connect timeout: a connection not authenticated within `connectTimeoutMs` of its TCP accept
//   (TLS handshake, CONNECT and the password check included) is closed.
// - Unauthenticated connections are capped in total and per source address; one over the cap, or
//   from an address whose login attempts would be refused now (login-queue.ts), is closed at
//   accept, before a TLS handshake or a byte of MQTT: a flood costs an accept and a close each.
//
// aedes reads its socket with `conn.read(null)` on 'readable' (aedes lib/client.js); the meter
// wraps that read() on the same object, so aedes still sees the real socket (TLS peer, address).

import type { Duplex } from 'node:stream';
import type { Logger } from 'pino';
import { MAX_MESSAGE_BYTES } from '../../protocol/wire.ts';
import { PacketSizeMeter } from './packet-size.ts';

export interface ConnectionLimits {
  /** Largest MQTT packet (remaining length) before CONNACK. */
  maxPacketBytesBeforeConnack: number;
  /** Largest MQTT packet after CONNACK. */
  maxPacketBytes: number;
  /** From TCP accept to CONNACK 0. */
  connectTimeoutMs: number;
  /** Connections not (yet) authenticated, all sources together. */
  maxUnauthenticated: number;
  /** Connections not (yet) authenticated from one source address. */
  maxUnauthenticatedPerAddress: number;
}

export const DEFAULT_CONNECTION_LIMITS: Readonly<ConnectionLimits> = Object.freeze({
  // A CONNECT holds a client id (≤ 64), a username, a password and a will (a topic and a State):
  // well under 1 KiB from a gateway. EMQX and Mosquitto cap a CONNECT at 64 KB and 100,000 bytes.
  maxPacketBytesBeforeConnack: 8 * 1024,
  // The largest message protocol/wire.ts encodes, plus topic and packet id, × 2.
  maxPacketBytes: 2 * MAX_MESSAGE_BYTES,
  connectTimeoutMs: 10_000,
  maxUnauthenticated: 256,
  maxUnauthenticatedPerAddress: 16,
});

export interface ConnectionGuardStats {
  /** Connections closed for a packet over the limit (or a malformed length). */
  packetTooLarge: number;
  /** Connections closed because they did not log in within the connect timeout. */
  connectTimeout: number;
  /** Connections closed at accept: too many unauthenticated, or their address out of login budget. */
  unauthenticatedOverCap: number;
}

export const newConnectionGuardStats = (): ConnectionGuardStats => ({ packetTooLarge: 0, connectTimeout: 0, unauthenticatedOverCap: 0 });

interface Pending {
  address: string;
  authenticated: boolean;
  /** Still counted among the unauthenticated connections. */
  counted: boolean;
  timer: NodeJS.Timeout | null;
  streams: Set<Duplex>;
  meter: PacketSizeMeter;
}

/** Sockets as the guard needs them: a net.Socket or TLSSocket in production, a stream with an address in unit tests. */
interface Peer {
  readonly remoteAddress?: string | undefined;
  readonly remotePort?: number | undefined;
}
type Conn = Duplex & Peer & { readonly bytesRead: number };

const keyOf = (conn: Peer): string => `${conn.remoteAddress ?? '?'}|${conn.remotePort ?? '?'}`;

export class ConnectionGuard {
  readonly limits: Readonly<ConnectionLimits>;
  readonly stats: ConnectionGuardStats;
  readonly #logger: Logger | null;
  // Keyed by remote address and port: the raw socket and the TLS socket on it share them.
  readonly #connections = new Map<string, Pending>();
  readonly #unauthenticatedByAddress = new Map<string, number>();
  #unauthenticated = 0;

  readonly #acceptsFrom: (address: string) => boolean;

  /** `acceptsFrom(address)`: false closes a new connection at accept (the login queue would refuse its CONNECT anyway). */
  constructor(limits: Readonly<ConnectionLimits> = DEFAULT_CONNECTION_LIMITS, options: { logger?: Logger; stats?: ConnectionGuardStats; acceptsFrom?: (address: string) => boolean } = {}) {
    this.limits = limits;
    this.stats = options.stats ?? newConnectionGuardStats();
    this.#logger = options.logger ?? null;
    this.#acceptsFrom = options.acceptsFrom ?? (() => true);
  }

  /** Connections accepted and not yet authenticated (for tests and metrics). */
  get unauthenticated(): number {
    return this.#unauthenticated;
  }

  /** A TCP connection was accepted: counts it, starts its connect timer; false (and closed) when over a cap. */
  admit(raw: Conn): boolean {
    const address = raw.remoteAddress ?? '?';
    const fromAddress = this.#unauthenticatedByAddress.get(address) ?? 0;
    if (this.#unauthenticated >= this.limits.maxUnauthenticated || fromAddress >= this.limits.maxUnauthenticatedPerAddress || !this.#acceptsFrom(address)) {
      this.stats.unauthenticatedOverCap++;
      // debug: a flood of these would flood the log too; the count is in stats.
      this.#logger?.debug({ remoteAddress: address, unauthenticated: this.#unauthenticated, fromAddress }, 'broker: too many connections not logged in; closed at accept');
      raw.destroy();
      return false;
    }
    const key = keyOf(raw);
    const pending: Pending = { address, authenticated: false, counted: true, timer: null, streams: new Set([raw]), meter: new PacketSizeMeter(this.limits.maxPacketBytesBeforeConnack) };
    this.#connections.set(key, pending);
    this.#unauthenticated++;
    this.#unauthenticatedByAddress.set(address, fromAddress + 1);
    pending.timer = setTimeout(() => {
      pending.timer = null;
      if (pending.authenticated) return;
      this.stats.connectTimeout++;
      this.#logger?.warn({ remoteAddress: address, timeoutMs: this.limits.connectTimeoutMs }, 'broker: no login within the connect timeout; closed');
      this.#close(pending);
    }, this.limits.connectTimeoutMs);
    pending.timer.unref?.();
    raw.once('close', () => {
      if (this.#connections.get(key) === pending) this.#connections.delete(key);
      if (pending.timer) clearTimeout(pending.timer);
      pending.timer = null;
      this.#release(pending);
    });
    return true;
  }

  /** The stream aedes will read (the raw socket, or the TLS socket on it): every packet header is metered. */
  meter<T extends Conn>(conn: T): T {
    const pending = this.#connections.get(keyOf(conn));
    if (pending === undefined) {
      conn.destroy(); // not admitted (or already gone)
      return conn;
    }
    pending.streams.add(conn);
    const read = conn.read.bind(conn);
    conn.read = (size?: number) => {
      const chunk: unknown = read(size);
      if (!(chunk instanceof Uint8Array)) return chunk;
      const refusal = pending.meter.feed(chunk);
      if (refusal === null) return chunk;
      this.stats.packetTooLarge++;
      const declared = refusal.reason === 'too-large' ? { declared: refusal.declared, limit: refusal.limit } : {};
      this.#logger?.warn({ remoteAddress: pending.address, authenticated: pending.authenticated, ...declared, bytesRead: conn.bytesRead }, `broker: ${refusal.reason === 'too-large' ? 'packet over the size limit' : 'malformed packet length'}; closed before reading it`);
      this.#close(pending);
      return null; // the parser never sees the chunk
    };
    return conn;
  }

  /** The client on `conn` got CONNACK 0: it no longer counts as unauthenticated; larger packets are allowed. */
  authenticated(conn: Peer): void {
    const pending = this.#connections.get(keyOf(conn));
    if (pending === undefined || pending.authenticated) return;
    pending.authenticated = true;
    if (pending.timer) clearTimeout(pending.timer);
    pending.timer = null;
    pending.meter.limit = this.limits.maxPacketBytes;
    this.#release(pending);
  }

  #release(pending: Pending): void {
    if (!pending.counted) return; // counted out once, by login or by close
    pending.counted = false;
    this.#unauthenticated--;
    const left = (this.#unauthenticatedByAddress.get(pending.address) ?? 1) - 1;
    if (left > 0) this.#unauthenticatedByAddress.set(pending.address, left);
    else this.#unauthenticatedByAddress.delete(pending.address);
  }

  #close(pending: Pending): void {
    for (const s of pending.streams) s.destroy();
  }
}
