// Test support: a real Mosquitto (Debian's `mosquitto` package, installed by .ci/run) on a free
// loopback port, started and stopped by the test, and a TCP proxy a test can cut to drop every
// connection abruptly (no DISCONNECT: the broker publishes the last wills).
//   const m = await startMosquitto();        // m.url, m.port; null binary → test skipped locally
//   await m.stop(); await m.start();         // a broker restart on the same port
//
// Without the binary, tests are skipped locally and fail under CI=1 (CI must run them).

import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { connect as tcpConnect, createServer, type AddressInfo, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';

export function findMosquitto(): string | null {
  const dirs = [...(process.env.PATH ?? '').split(delimiter), '/usr/sbin', '/usr/local/sbin'];
  for (const dir of dirs) {
    const candidate = join(dir, 'mosquitto');
    if (dir !== '' && existsSync(candidate)) return candidate;
  }
  return null;
}

export async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Resolves once something accepts TCP connections on the port; rejects after `timeoutMs`. */
export async function waitForPort(port: number, timeoutMs: number, child: ChildProcess): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`mosquitto exited with code ${child.exitCode} before listening`);
    const ok = await new Promise<boolean>((resolve) => {
      const s = tcpConnect({ port, host: '127.0.0.1' });
      s.once('connect', () => {
        s.destroy();
        resolve(true);
      });
      s.once('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`mosquitto did not listen on ${port} within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

export interface Mosquitto {
  url: string;
  port: number;
  /** Output of the current process, for failure messages. */
  log: string[];
  start(): Promise<void>;
  /** SIGKILL: a crash, no goodbye to anyone. */
  kill(): Promise<void>;
  stop(): Promise<void>;
  /** Stops it and removes its files. */
  dispose(): Promise<void>;
}

/**
 * Anonymous access, no persistence, MQTT 3.1.1/5 on 127.0.0.1:<free port>; or the configuration
 * `configure` writes for that port and directory (provisioning's generated mosquitto.conf).
 */
export async function startMosquitto(binary: string, configure?: (port: number, dir: string) => string | Promise<string>): Promise<Mosquitto> {
  const dir = await mkdtemp(join(tmpdir(), 'mosquitto-'));
  const port = await freePort();
  const config = join(dir, 'mosquitto.conf');
  const text = configure
    ? `${await configure(port, dir)}\nlog_dest stderr\nlog_type error\nlog_type warning\n`
    : [`listener ${port} 127.0.0.1`, 'allow_anonymous true', 'persistence false', 'log_dest stderr', 'log_type error', 'log_type warning', ''].join('\n');
  await writeFile(config, text);
  let child: ChildProcess | null = null;
  const log: string[] = [];
  const m: Mosquitto = {
    url: `mqtt://127.0.0.1:${port}`,
    port,
    log,
    async start() {
      const c = spawn(binary, ['-c', config], { stdio: ['ignore', 'ignore', 'pipe'] });
      child = c;
      c.stderr?.on('data', (d: Buffer) => log.push(d.toString()));
      try {
        await waitForPort(port, 10_000, c);
      } catch (e) {
        // Never leave a broker behind that the test can no longer reach or stop.
        c.kill('SIGKILL');
        child = null;
        throw new Error(`${(e as Error).message}\n${log.join('')}`);
      }
    },
    async kill() {
      const c = child;
      if (!c || c.exitCode !== null) return;
      const exited = once(c, 'exit');
      c.kill('SIGKILL');
      await exited;
      child = null;
    },
    async stop() {
      const c = child;
      if (!c || c.exitCode !== null) return;
      const exited = once(c, 'exit');
      c.kill('SIGTERM');
      await exited;
      child = null;
    },
    async dispose() {
      await m.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
  await m.start();
  return m;
}

/** A loopback TCP proxy to `targetPort`; `cut()` destroys every connection through it. */
export async function startCuttableProxy(targetPort: number): Promise<{ url: string; cut(): void; close(): Promise<void> }> {
  const pairs = new Set<[Socket, Socket]>();
  const server = createServer((inbound) => {
    const outbound = tcpConnect({ port: targetPort, host: '127.0.0.1' });
    const pair: [Socket, Socket] = [inbound, outbound];
    pairs.add(pair);
    const drop = (): void => {
      inbound.destroy();
      outbound.destroy();
      pairs.delete(pair);
    };
    inbound.on('error', drop).on('close', drop);
    outbound.on('error', drop).on('close', drop);
    inbound.pipe(outbound).pipe(inbound);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  const cut = (): void => {
    for (const [a, b] of pairs) {
      a.destroy();
      b.destroy();
    }
    pairs.clear();
  };
  return {
    url: `mqtt://127.0.0.1:${port}`,
    cut,
    close: async () => {
      cut();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
