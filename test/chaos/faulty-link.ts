// A TCP proxy on loopback that the chaos suite puts between the uplink and the national service, to
// break the link the ways a hospital's network does:
//   const link = await FaultyLink.open(nationalPort);   // uplink → http://127.0.0.1:<link.port>
//   link.set('cut');      // every open connection reset, new ones accepted and reset at once
//   link.set('stall');    // connections accepted, nothing forwarded either way (a black hole)
//   link.set('http-503'); // every request answered 503 by "a load balancer" in front of the service
//   link.set('slow');     // forwarded, each chunk held back 200–700 ms
//   link.set('pass');     // healed: stalled connections are reset, new ones go straight through

import { createServer, type Server, type Socket, connect } from 'node:net';

export type LinkMode = 'pass' | 'cut' | 'stall' | 'http-503' | 'slow';

const SERVICE_UNAVAILABLE = 'HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/problem+json\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}';

export class FaultyLink {
  private mode: LinkMode = 'pass';
  private readonly pairs = new Set<{ client: Socket; upstream: Socket | null; mode: LinkMode }>();
  connections = 0;

  private constructor(
    private readonly server: Server,
    readonly port: number,
    private readonly targetPort: () => number,
  ) {}

  /** `targetPort` is read on every new connection: a restarted service may come back elsewhere. */
  static async open(targetPort: number | (() => number)): Promise<FaultyLink> {
    const target = typeof targetPort === 'number' ? () => targetPort : targetPort;
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    if (address === null || typeof address === 'string') throw new Error('no port');
    const link = new FaultyLink(server, address.port, target);
    server.on('connection', (s) => link.accept(s));
    return link;
  }

  get current(): LinkMode {
    return this.mode;
  }

  set(mode: LinkMode): void {
    this.mode = mode;
    // What was open when the link broke breaks with it; what hung in a stall is reset when it heals.
    for (const pair of this.pairs) {
      if (mode === 'cut' || (mode === 'pass' && pair.mode !== 'pass' && pair.mode !== 'slow') || (mode !== 'pass' && pair.mode === 'pass')) {
        pair.client.resetAndDestroy();
        pair.upstream?.destroy();
        this.pairs.delete(pair);
      }
    }
  }

  async close(): Promise<void> {
    this.set('cut');
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private accept(client: Socket): void {
    this.connections++;
    client.on('error', () => {});
    const mode = this.mode;
    if (mode === 'cut') return void client.resetAndDestroy();
    const pair = { client, upstream: null as Socket | null, mode };
    this.pairs.add(pair);
    client.on('close', () => {
      pair.upstream?.destroy();
      this.pairs.delete(pair);
    });
    if (mode === 'stall') return void client.pause();
    if (mode === 'http-503') {
      client.once('data', () => client.end(SERVICE_UNAVAILABLE));
      return;
    }
    const upstream = connect(this.targetPort(), '127.0.0.1');
    pair.upstream = upstream;
    upstream.on('error', () => client.resetAndDestroy());
    upstream.on('close', () => client.destroy());
    if (mode === 'slow') {
      // Each direction keeps its order: a chunk leaves no earlier than the one before it.
      const later = (to: Socket) => {
        let notBefore = 0;
        return (chunk: Buffer) => {
          notBefore = Math.max(notBefore, Date.now() + 200 + Math.floor(Math.random() * 500));
          setTimeout(() => to.destroyed || to.write(chunk), notBefore - Date.now());
        };
      };
      client.on('data', later(upstream));
      upstream.on('data', later(client));
    } else {
      client.pipe(upstream);
      upstream.pipe(client);
    }
  }
}
