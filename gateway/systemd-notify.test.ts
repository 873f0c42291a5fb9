// Against a real Unix datagram socket that answers systemd's barrier as PID 1 does (python3 is on
// every machine this runs on; Node cannot listen on Unix datagram sockets).
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterEach, describe, expect, it } from 'vitest';
import { systemdNotifier } from './systemd-notify.ts';

const RECEIVER = `
import socket, sys, os, array
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
print("listening", flush=True)
while True:
    msg, anc, flags, addr = s.recvmsg(4096, socket.CMSG_SPACE(16 * 4))
    for level, kind, data in anc:
        if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
            fds = array.array("i"); fds.frombytes(data[: len(data) - (len(data) % fds.itemsize)])
            for fd in fds: os.close(fd)   # the barrier: closing the fd tells systemd-notify we read it
    text = msg.decode()
    if text.strip() != "BARRIER=1":
        print(text.replace("\\n", "|"), flush=True)
`;

let receiver: ChildProcess | undefined;
afterEach(() => receiver?.kill());

async function listen(): Promise<{ socket: string; next: () => Promise<string> }> {
  const socket = join(await mkdtemp(join(tmpdir(), 'notify-')), 'notify.sock');
  receiver = spawn('python3', ['-c', RECEIVER, socket], { stdio: ['ignore', 'pipe', 'inherit'] });
  const lines = createInterface({ input: receiver.stdout! })[Symbol.asyncIterator]();
  const next = async () => (await lines.next()).value as string;
  expect(await next()).toBe('listening');
  return { socket, next };
}

describe('systemd notifier', () => {
  it('is a silent no-op outside systemd', async () => {
    const n = systemdNotifier({ env: {} });
    expect(n.enabled).toBe(false);
    expect(n.watchdogIntervalMs).toBeNull();
    await n.notify({ READY: '1' });
  });

  it('sends READY, STATUS and WATCHDOG to the notify socket, in order', async () => {
    const { socket, next } = await listen();
    const n = systemdNotifier({ env: { NOTIFY_SOCKET: socket, WATCHDOG_USEC: '20000000' }, pid: 4242 });
    expect(n.watchdogIntervalMs).toBe(10_000);
    await n.notify({ READY: '1', STATUS: 'accepting scans' });
    expect(await next()).toBe('MAINPID=4242|READY=1|STATUS=accepting scans');
    await n.notify({ WATCHDOG: '1' });
    expect(await next()).toBe('MAINPID=4242|WATCHDOG=1');
  });

  it('never lets a status value smuggle in another field', async () => {
    const { socket, next } = await listen();
    const n = systemdNotifier({ env: { NOTIFY_SOCKET: socket }, pid: 7 });
    await n.notify({ STATUS: 'broker down\nREADY=1' });
    expect(await next()).toBe('MAINPID=7|STATUS=broker down?READY=1');
  });

  it('ignores a watchdog meant for another process', () => {
    const n = systemdNotifier({ env: { NOTIFY_SOCKET: '/x', WATCHDOG_USEC: '1000000', WATCHDOG_PID: '1' }, pid: 2 });
    expect(n.watchdogIntervalMs).toBeNull();
  });

  it('reports a failed notification once and keeps going', async () => {
    const errors: string[] = [];
    const n = systemdNotifier({ env: { NOTIFY_SOCKET: '/nonexistent/notify.sock' }, onError: (m) => errors.push(m) });
    await n.notify({ STATUS: 'a' });
    await n.notify({ STATUS: 'b' });
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/systemd-notify STATUS failed/);
  });
});
