// Suite "broker": what a client that never logs in can cost the embedded broker
// (gateway/broker/connection-guard.ts, login-queue.ts), each against a baseline in the same run.
// The brokers run as child processes, so that their RSS is theirs alone:
//   ours      `implant-scan broker --credentials …` (the built CLI, bin/implant-scan.mjs)
//   baseline  bare aedes 1.x on a net server, no guard (what the broker was before)
// 1. Pre-auth memory: 4 sockets each declare a 64 MiB CONNECT and stream 64 MiB of zeros; the
//    broker's peak RSS growth over its idle RSS (target ≤ 32 MiB).
// 2. Login flood: 1,000 CONNECTs with a wrong password from 127.0.0.2, all sent, then a gateway
//    logs in from 127.0.0.1: time to its CONNACK (target ≤ 2 s), against the same login on the
//    same broker with no flood.

import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { connect as tcpConnect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from 'mqtt';
import { USERS, testCredentials, wrongPasswordFlood } from '../gateway/broker/test-support.ts';
import type { Suite, SuiteContext, SuiteReport } from './suite.ts';
import { formatBytes, renderTable } from './table.ts';

const MIB = 1024 * 1024;
const ATTACK_SOCKETS = 4;
const ATTACK_BYTES = 64 * MIB;
const TARGET_RSS_GROWTH = 32 * MIB;
const FLOOD = 1000;
const TARGET_LOGIN_MS = 2000;

const BARE_AEDES = `
import { Aedes } from 'aedes';
import { createServer } from 'node:net';
const aedes = new Aedes();
await aedes.listen();
const server = createServer((s) => aedes.handle(s));
server.listen(0, '127.0.0.1', () => console.log('ready ' + JSON.stringify({ brokerUrl: 'mqtt://127.0.0.1:' + server.address().port })));
`;

interface Child {
  process: ChildProcess;
  url: string;
}

function startChild(args: string[]): Promise<Child> {
  const child = spawn(process.execPath, args, { cwd: process.cwd(), stdio: ['ignore', 'pipe', 'ignore'] });
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const line = out.split('\n').find((l) => l.startsWith('ready '));
      if (line) resolve({ process: child, url: (JSON.parse(line.slice(6)) as { brokerUrl: string }).brokerUrl });
    });
    child.once('exit', (code) => reject(new Error(`broker exited (${code}) before its ready line`)));
  });
}

async function stopChild(c: Child): Promise<void> {
  const exited = new Promise((resolve) => c.process.once('exit', resolve));
  c.process.kill('SIGTERM');
  await exited;
}

async function rssOf(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)![1]) * 1024;
}

function tcp(url: string): Promise<Socket> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const s = tcpConnect({ host: hostname, port: Number(port) }, () => resolve(s));
    s.once('error', reject);
  });
}

/** One socket: a CONNECT header declaring `bytes`, then that many zeros; resolves when sent or closed. */
async function oversizedConnect(url: string, bytes: number): Promise<void> {
  const s = await tcp(url);
  s.on('error', () => undefined);
  const varint: number[] = [];
  for (let n = bytes; ; ) {
    const b = n % 128;
    n = Math.floor(n / 128);
    varint.push(n > 0 ? b | 0x80 : b);
    if (n === 0) break;
  }
  s.write(Buffer.from([0x10, ...varint]));
  const chunk = Buffer.alloc(256 * 1024);
  let sent = 0;
  await new Promise<void>((resolve) => {
    s.once('close', () => resolve());
    const pump = (): void => {
      while (sent < bytes && !s.destroyed) {
        sent += chunk.length;
        if (!s.write(chunk)) return void s.once('drain', pump);
      }
      if (sent >= bytes) s.end(resolve);
    };
    pump();
  });
  s.destroy();
}

async function preAuthMemory(broker: Child): Promise<{ idle: number; peak: number; growth: number }> {
  const pid = broker.process.pid!;
  await new Promise((r) => setTimeout(r, 500));
  const idle = await rssOf(pid);
  let peak = idle;
  const sampler = setInterval(() => void rssOf(pid).then((r) => (peak = Math.max(peak, r)), () => undefined), 20);
  await Promise.all(Array.from({ length: ATTACK_SOCKETS }, () => oversizedConnect(broker.url, ATTACK_BYTES)));
  await new Promise((r) => setTimeout(r, 300));
  peak = Math.max(peak, await rssOf(pid));
  clearInterval(sampler);
  return { idle, peak, growth: peak - idle };
}

/** Time from connect() to CONNACK of one real login from 127.0.0.1. */
function timedLogin(url: string): Promise<number> {
  const t0 = performance.now();
  return new Promise((resolve, reject) => {
    const c = connect(url, { protocolVersion: 4, reconnectPeriod: 0, connectTimeout: 120_000, username: USERS.gwA.username, password: USERS.gwA.password, clientId: USERS.gwA.clientId });
    c.once('connect', () => {
      const ms = performance.now() - t0;
      c.end(true);
      resolve(ms);
    });
    c.once('error', (e) => {
      c.end(true);
      reject(e);
    });
  });
}

async function loginUnderFlood(url: string, flood: number): Promise<{ quietMs: number; floodedMs: number; floodAnswered: number }> {
  const quiet: number[] = [];
  for (let i = 0; i < 5; i++) quiet.push(await timedLogin(url));
  quiet.sort((a, b) => a - b);
  const f = await wrongPasswordFlood(url, flood, '127.0.0.2');
  const floodedMs = await timedLogin(url);
  const floodAnswered = f.answered();
  for (const s of f.sockets) s.destroy();
  return { quietMs: quiet[2]!, floodedMs, floodAnswered };
}

async function run(ctx: SuiteContext): Promise<SuiteReport> {
  const dir = await mkdtemp(join(tmpdir(), 'bench-broker-'));
  const credentials = join(dir, 'credentials.json');
  await writeFile(credentials, JSON.stringify(await testCredentials()));
  const bareScript = join(process.cwd(), 'node_modules', '.bench-bare-aedes.mjs');
  await writeFile(bareScript, BARE_AEDES);
  const ours = ['bin/implant-scan.mjs', 'broker', '--port', '0', '--credentials', credentials, '--log-level', 'error'];
  const flood = ctx.quick ? 200 : FLOOD;
  try {
    const memory: Record<string, { idle: number; peak: number; growth: number }> = {};
    for (const [name, args] of [['ours', ours], ['bare aedes', [bareScript]]] as const) {
      const child = await startChild([...args]);
      try {
        memory[name] = await preAuthMemory(child);
      } finally {
        await stopChild(child);
      }
    }
    const child = await startChild(ours);
    let login: Awaited<ReturnType<typeof loginUnderFlood>>;
    try {
      login = await loginUnderFlood(child.url, flood);
    } finally {
      await stopChild(child);
    }

    ctx.log(`pre-auth memory: ${ATTACK_SOCKETS} sockets × ${formatBytes(ATTACK_BYTES)} declared CONNECT, zeros streamed`);
    ctx.log(
      renderTable(
        ['broker', 'idle RSS', 'peak RSS', 'growth', 'target'],
        Object.entries(memory).map(([name, m]) => [name, formatBytes(m.idle), formatBytes(m.peak), formatBytes(m.growth), name === 'ours' ? `≤ ${formatBytes(TARGET_RSS_GROWTH)}` : '']),
      ),
    );
    ctx.log(`\nlogin flood: ${flood} wrong-password CONNECTs from 127.0.0.2, then one login from 127.0.0.1`);
    ctx.log(
      renderTable(
        ['case', 'CONNACK ms', 'ratio flooded ÷ quiet', 'flood answered by then', 'target'],
        [
          ['quiet (median of 5)', Math.round(login.quietMs), null, null, ''],
          ['under the flood', Math.round(login.floodedMs), Math.round((login.floodedMs / login.quietMs) * 10) / 10, login.floodAnswered, `≤ ${TARGET_LOGIN_MS} ms`],
        ],
      ),
    );
    return {
      notes: [
        'Brokers run as child processes (RSS from /proc/<pid>/status, sampled every 20 ms); ours is the built CLI with a credentials file, the baseline bare aedes with no guard.',
        'The flood uses 127.0.0.2 as its source address (loopback); the login 127.0.0.1.',
      ],
      results: { preAuthMemory: memory, targetRssGrowthBytes: TARGET_RSS_GROWTH, loginFlood: { flood, ...login, targetMs: TARGET_LOGIN_MS } },
    };
  } finally {
    await rm(bareScript, { force: true });
    await rm(dir, { recursive: true, force: true });
  }
}

export const brokerSuite: Suite = {
  name: 'broker',
  description: 'pre-auth memory under 4 × 64 MiB CONNECTs (vs bare aedes) and a login during a 1,000-CONNECT wrong-password flood (vs no flood)',
  run,
};
