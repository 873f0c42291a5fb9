// The gateway bundle as a separate process, started the way a machine would run it, for the qemu
// smoke test (packaging/gateway-qemu.test.ts) and the Pi budget bench (bench/pi-budget.bench.ts):
// any command before the bundle (qemu-aarch64-static -L … node, taskset -c 0 node, …), READY=1
// received as systemd would (a NOTIFY_SOCKET datagram socket, python3), a configuration of the
// local-demo kind (a plain mqtt:// broker on this host, no TLS), and the scans the broker receives.
//   const gw = await startGatewayChild({ command: ['node'], bundle, dir, brokerUrl, scannerPath });
//   await gw.ready;  await gw.logged('scanner: open');      // READY comes before the scanner opens
//   await gw.logged('gateway ready: accepting scans');      // SIGTERM handled from here on
//   const scans = watchScans(broker, gw.gatewayId);  await scans.reach(1);
//   await gw.stop();
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AedesPublishPacket, Client } from 'aedes';
import type { RunningBroker } from '../gateway/broker/server.ts';
import { waitFor } from '../gateway/serial/test-pty.ts';
import { decodeScanEvent, type ScanEvent } from '../protocol/wire.ts';

export interface GatewayChildOptions {
  /** What runs the bundle: ['node'], or a prefix such as ['qemu-aarch64-static', '-L', sysroot, node]. */
  command: string[];
  bundle: string;
  /** Scratch folder: the config, the data directory, the notify socket. */
  dir: string;
  brokerUrl: string;
  scannerPath: string;
  gatewayId?: string;
  env?: NodeJS.ProcessEnv;
}

export interface GatewayChild {
  readonly gatewayId: string;
  readonly child: ChildProcess;
  /** Milliseconds from spawn() to READY=1; rejects when the process exits first. */
  readonly ready: Promise<number>;
  /** Its standard error so far (failures; pino logs to stdout). */
  stderr(): string;
  /** Resolves at the first pino log line (info and above) whose msg is MSG; rejects when the process exits first. */
  logged(msg: string): Promise<void>;
  /** The log lines so far, parsed. */
  logs(): { level: number; msg: string }[];
  /** The process's VmRSS in MB (the command itself: node, or qemu running it). */
  rssMB(): number;
  /** SIGTERM, then its exit code, or the signal's name when a signal ended it; with killAfterMs, SIGKILL if it has not exited by then. */
  stop(killAfterMs?: number): Promise<number | string | null>;
}

// systemd's side of NOTIFY_SOCKET: prints each datagram, and closes the file descriptors one
// carries, which is how PID 1 answers systemd-notify's BARRIER=1 (socat would keep them, and every
// systemd-notify would then wait for its timeout).
const NOTIFY_LISTENER = `
import array, os, socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
while True:
    msg, ancillary, _, _ = s.recvmsg(65536, socket.CMSG_SPACE(64 * 4))
    for level, kind, data in ancillary:
        if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
            fds = array.array('i')
            fds.frombytes(data[: len(data) - len(data) % fds.itemsize])
            for fd in fds:
                os.close(fd)
    sys.stdout.write(msg.decode('latin1') + '\\n')
    sys.stdout.flush()
`;

const exited = (child: ChildProcess): Promise<void> => (child.exitCode !== null || child.signalCode !== null ? Promise.resolve() : new Promise((r) => child.once('exit', () => r())));

export async function startGatewayChild(opts: GatewayChildOptions): Promise<GatewayChild> {
  const gatewayId = opts.gatewayId ?? 'gw-child';
  const socket = join(opts.dir, `${gatewayId}-notify.sock`);
  const listener = spawn('python3', ['-c', NOTIFY_LISTENER, socket], { stdio: ['ignore', 'pipe', 'ignore'] });
  await waitFor(() => existsSync(socket) || listener.exitCode !== null, 'the notify socket');
  const configFile = join(opts.dir, `${gatewayId}.json`);
  const config = { site: 'smoke-hospital', theatre: 'or-1', gateway: gatewayId, dataDir: join(opts.dir, `${gatewayId}-data`), scanner: { path: opts.scannerPath }, broker: { url: opts.brokerUrl }, station: { port: 0 }, indicator: { driver: 'none' }, logLevel: 'info' };
  writeFileSync(configFile, JSON.stringify(config));
  const [command, ...prefix] = opts.command;
  const t0 = performance.now();
  const child = spawn(command!, [...prefix, opts.bundle, '--config', configFile], { cwd: opts.dir, stdio: ['ignore', 'pipe', 'pipe'], env: { ...(opts.env ?? process.env), NOTIFY_SOCKET: socket } });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString('utf8')));
  const logs: { level: number; msg: string }[] = [];
  const logWaiters: { msg: string; resolve: () => void }[] = [];
  let partial = '';
  child.stdout!.on('data', (d: Buffer) => {
    const lines = (partial + d.toString('utf8')).split('\n');
    partial = lines.pop()!;
    for (const line of lines.filter(Boolean)) {
      const entry = JSON.parse(line) as { level: number; msg: string };
      logs.push(entry);
      for (const w of logWaiters.filter((w) => w.msg === entry.msg)) w.resolve();
    }
  });
  const exit = new Promise<never>((_, reject) => child.once('exit', (code, signal) => reject(new Error(`the gateway exited (${code ?? signal}): ${stderr.trim()}`))));
  exit.catch(() => {});
  const ready = new Promise<number>((resolve, reject) => {
    let text = '';
    listener.stdout!.on('data', (d: Buffer) => {
      text += d.toString('latin1');
      if (/(^|\n)READY=1/.test(text)) resolve(performance.now() - t0);
    });
    exit.catch(reject);
  });
  ready.catch(() => {}); // read by the caller; a late rejection after stop() is not an error
  return {
    gatewayId,
    child,
    ready,
    stderr: () => stderr,
    logs: () => logs,
    logged: (msg) => (logs.some((l) => l.msg === msg) ? Promise.resolve() : Promise.race([exit, new Promise<void>((resolve) => logWaiters.push({ msg, resolve }))])),
    rssMB: () => Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'))?.[1] ?? Number.NaN) / 1024,
    async stop(killAfterMs) {
      child.kill('SIGTERM');
      const kill = killAfterMs === undefined ? null : setTimeout(() => child.kill('SIGKILL'), killAfterMs);
      await exited(child);
      if (kill) clearTimeout(kill);
      listener.kill('SIGTERM');
      await exited(listener);
      return child.exitCode ?? child.signalCode;
    },
  };
}

/** The ScanEvents one gateway publishes to an in-process broker, decoded; `reach(n)` waits for n in all. */
export function watchScans(broker: RunningBroker, gatewayId: string) {
  const events: ScanEvent[] = [];
  const waiters: { count: number; resolve: () => void }[] = [];
  const on = (packet: AedesPublishPacket, client: Client | null): void => {
    if (client?.id !== gatewayId || !packet.topic.endsWith('/scan')) return;
    const decoded = decodeScanEvent(packet.payload as Buffer);
    if (!decoded.ok) throw new Error(`the gateway published a ScanEvent that does not decode: ${decoded.error.message}`);
    events.push(decoded.value);
    for (const w of waiters.filter((w) => events.length >= w.count)) {
      waiters.splice(waiters.indexOf(w), 1);
      w.resolve();
    }
  };
  broker.aedes.on('publish', on);
  return {
    events,
    reach: (count: number): Promise<void> => (events.length >= count ? Promise.resolve() : new Promise((resolve) => waiters.push({ count, resolve }))),
    stop: (): void => void broker.aedes.off('publish', on),
  };
}
