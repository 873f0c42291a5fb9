// Suite "pi-budget": the built gateway (dist/implant-scan-gateway.mjs, the systemd unit's V8 flags)
// under the limits of a Raspberry Pi Zero 2 W, beside a bare node under the same limits, and both
// again without limits, in the same run:
// - one core: `taskset -c 0` (the Zero's cores are slower still: this is the budget's shape, not
//   its speed);
// - memory: a memory cgroup nested in this process's own (v1 memory.limit_in_bytes + memsw, or v2
//   memory.max + memory.swap.max = 0) of 256 MB, what a 512 MB Zero leaves the gateway after the
//   GPU's 64 MB, Raspberry Pi OS Lite (~100 MB) and the page cache's share. Where no cgroup can be
//   made, the table says so and only the V8 heap flags bound it.
// Figures: spawn → READY=1 (NOTIFY_SOCKET) against `node -e 0` spawn → exit; a 100-scan burst
// written into a socat pty until aedes (in this process, not limited: it is the hospital's) has
// all 100, against a bare mqtt.js client in a limited node publishing 100 payloads of the same
// size QoS 1; the gateway's VmRSS after the burst against an idle node with the same flags.

import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmdirSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import pino from 'pino';
import { allowAllForLocalDemoAcl } from '../gateway/broker/acl.ts';
import { localDemoAuthenticator } from '../gateway/broker/auth.ts';
import { startBroker, type RunningBroker } from '../gateway/broker/server.ts';
import { plugScanner, waitFor } from '../gateway/serial/test-pty.ts';
import { startGatewayChild, watchScans } from '../packaging/gateway-child.ts';
import type { Suite } from './suite.ts';
import { renderTable } from './table.ts';

const BUNDLE = resolve('dist/implant-scan-gateway.mjs');
/** The V8 limits of packaging/systemd/implant-scan-gateway.service. */
const UNIT_FLAGS = ['--max-semi-space-size=2', '--max-old-space-size=64'];
const MEMORY_MB = 256;
const BURST = 100;
const STOP_GRACE_MS = 30_000;
const scanText = (i: number): string => `]d201073999900010921729013110LOT${i}\x1d21SN${i}`;

/** A memory cgroup of MEMORY_MB without swap, nested in this process's own; null where none can be made. */
function memoryCgroup(name: string): { dir: string; kind: string; peakMB(): number; remove(): void } | null {
  const lines = readFileSync('/proc/self/cgroup', 'utf8').split('\n');
  const v1 = lines.find((l) => /^\d+:memory:/.test(l))?.split(':')[2];
  const v2 = lines.find((l) => l.startsWith('0::'))?.slice(3);
  const attempts = [
    v1 !== undefined && { dir: join('/sys/fs/cgroup/memory', v1, name), kind: 'cgroup v1', limit: ['memory.limit_in_bytes', 'memory.memsw.limit_in_bytes'], peak: 'memory.max_usage_in_bytes', swap: null },
    v2 !== undefined && existsSync('/sys/fs/cgroup/cgroup.controllers') && { dir: join('/sys/fs/cgroup', v2, name), kind: 'cgroup v2', limit: ['memory.max'], peak: 'memory.peak', swap: 'memory.swap.max' },
  ].filter((a) => a !== false);
  for (const a of attempts) {
    try {
      mkdirSync(a.dir);
      for (const f of a.limit.filter((f) => f === a.limit[0] || existsSync(join(a.dir, f)))) writeFileSync(join(a.dir, f), `${MEMORY_MB * 1024 * 1024}`);
      if (a.swap && existsSync(join(a.dir, a.swap))) writeFileSync(join(a.dir, a.swap), '0');
      return {
        dir: a.dir,
        kind: a.kind,
        peakMB: () => (existsSync(join(a.dir, a.peak)) ? Number(readFileSync(join(a.dir, a.peak), 'utf8')) / 2 ** 20 : Number.NaN),
        remove: () => rmdirSync(a.dir),
      };
    } catch {
      if (existsSync(a.dir)) rmdirSync(a.dir);
    }
  }
  return null;
}

interface Limits {
  label: string;
  /** Runs node (with the unit's flags) inside the limits; cgroup null: no memory cap. */
  prefix(cgroup: string | null): string[];
  cgroup: boolean;
}

const PI: Limits = {
  label: `Pi budget (1 core, ${MEMORY_MB} MB)`,
  // The shell joins the cgroup, then becomes taskset, then node: the pid stays the gateway's.
  prefix: (cgroup) => [...(cgroup ? ['sh', '-c', 'echo $$ > "$0/cgroup.procs" && exec "$@"', cgroup] : []), 'taskset', '-c', '0', process.execPath, ...UNIT_FLAGS],
  cgroup: true,
};
const HOST: Limits = { label: 'this machine', prefix: () => [process.execPath, ...UNIT_FLAGS], cgroup: false };

function spawnToExit(command: string[]): Promise<{ ms: number; stdout: string }> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(command[0]!, command.slice(1), { stdio: ['ignore', 'pipe', 'inherit'] });
    let stdout = '';
    child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
    child.once('error', reject);
    child.once('close', (code) => (code === 0 ? resolve({ ms: performance.now() - t0, stdout }) : reject(new Error(`${command.join(' ')} exited ${code}`))));
  });
}

/** VmRSS (MB) of an idle node with the unit's flags, inside the limits. */
async function idleNodeRssMB(command: string[]): Promise<number> {
  const child = spawn(command[0]!, [...command.slice(1), '-e', 'setTimeout(() => {}, 60_000)'], { stdio: 'ignore' });
  try {
    await new Promise((r) => setTimeout(r, 1000));
    return Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'))?.[1]) / 1024;
  } finally {
    child.kill('SIGTERM');
  }
}

/** A bare mqtt.js client in its own node: connects, then publishes COUNT payloads of SIZE bytes QoS 1; prints the ms from first publish to last PUBACK. */
function barePublisherScript(url: string, count: number, size: number): string {
  const mqtt = createRequire(join(process.cwd(), 'package.json')).resolve('mqtt');
  return `const { connect } = require(${JSON.stringify(mqtt)});
    const c = connect(${JSON.stringify(url)}, { clientId: 'pi-bare-' + process.pid, protocolVersion: 4, clean: true, reconnectPeriod: 0 });
    c.on('connect', async () => {
      const payload = Buffer.alloc(${size}, 7);
      const t0 = performance.now();
      await Promise.all(Array.from({ length: ${count} }, () => new Promise((ok, fail) => c.publish('bench/bare', payload, { qos: 1 }, (e) => (e ? fail(e) : ok())))));
      process.stdout.write(String(performance.now() - t0));
      c.end();
    });`;
}

interface MachineFigures {
  readyMs: number[];
  nodeExitMs: number[];
  burstMs: number;
  bareBurstMs: number;
  rssMB: number;
  idleRssMB: number;
  cgroupPeakMB: number;
  cgroup: string;
  /** How the gateway ended after the burst: 0 after SIGTERM, or SIGKILL when it had not stopped within STOP_GRACE_MS. */
  stopAfterBurst: number | string | null;
}

async function measure(limits: Limits, broker: RunningBroker, dir: string, starts: number): Promise<MachineFigures> {
  const figures: MachineFigures = { readyMs: [], nodeExitMs: [], burstMs: Number.NaN, bareBurstMs: Number.NaN, rssMB: Number.NaN, idleRssMB: Number.NaN, cgroupPeakMB: Number.NaN, cgroup: 'none', stopAfterBurst: null };
  const cgroupName = `implant-scan-pi-budget-${process.pid}`;
  for (let run = 0; run < starts; run++) {
    {
      const cgroup = limits.cgroup ? memoryCgroup(`${cgroupName}-${run}`) : null;
      if (limits.cgroup) figures.cgroup = cgroup?.kind ?? 'none could be made: only the V8 heap flags';
      const gatewayId = `gw-pi-${limits.cgroup ? 'pi' : 'host'}-${run}`;
      const scanner = await plugScanner(dir, `scanner-${gatewayId}`);
      const gateway = await startGatewayChild({ command: limits.prefix(cgroup?.dir ?? null), bundle: BUNDLE, dir, brokerUrl: broker.url, scannerPath: scanner.devicePath, gatewayId });
      try {
        figures.readyMs.push(await gateway.ready);
        figures.nodeExitMs.push((await spawnToExit([...limits.prefix(null), '-e', '0'])).ms);
        if (run === starts - 1) {
          // The last start also takes the burst: scanner open, broker connected, then 100 scans at once.
          await gateway.logged('scanner: open');
          await gateway.logged('gateway ready: accepting scans');
          await waitFor(() => gatewayId in (broker.aedes as unknown as { clients: Record<string, unknown> }).clients, 'the gateway connected', 60_000);
          const scans = watchScans(broker, gatewayId);
          const sizes: number[] = [];
          broker.aedes.on('publish', (p, c) => void (c?.id === gatewayId && p.topic.endsWith('/scan') && sizes.push(p.payload.length)));
          const t0 = performance.now();
          // Written from the thread pool: a synchronous write blocks this process (and its broker) while the pty is full.
          await scanner.write(Array.from({ length: BURST }, (_, i) => `${scanText(i)}\r`).join(''));
          await Promise.race([scans.reach(BURST), new Promise((_, reject) => setTimeout(() => reject(new Error(`the burst did not reach the broker in 120 s (${scans.events.length}/${BURST})`)), 120_000).unref())]);
          figures.burstMs = performance.now() - t0;
          scans.stop();
          figures.rssMB = gateway.rssMB();
          figures.cgroupPeakMB = cgroup?.peakMB() ?? Number.NaN;
          const bare = await spawnToExit([...limits.prefix(null), '-e', barePublisherScript(broker.url, BURST, Math.max(...sizes))]);
          figures.bareBurstMs = Number(bare.stdout);
          figures.idleRssMB = await idleNodeRssMB(limits.prefix(null));
        }
      } finally {
        const end = await gateway.stop(STOP_GRACE_MS);
        if (run === starts - 1) figures.stopAfterBurst = end;
        await scanner.unplug();
        cgroup?.remove();
      }
    }
  }
  return figures;
}

const median = (xs: readonly number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const round = (x: number, digits = 0): number => Math.round(x * 10 ** digits) / 10 ** digits;

export const piBudgetSuite: Suite = {
  name: 'pi-budget',
  description: `the built gateway under 1 core (taskset) and ${MEMORY_MB} MB (memory cgroup) like a Pi Zero 2 W: start → READY, a ${BURST}-scan burst, RSS, each beside a bare node under the same limits`,
  async run(ctx) {
    if (!existsSync(BUNDLE)) return { notes: ['skip: dist/ is not built (node build.mjs)'], results: null };
    const missing = ['taskset', 'socat', 'python3'].filter((t) => spawnSync('sh', ['-c', `command -v ${t}`]).status !== 0);
    if (missing.length) return { notes: [`skip: needs ${missing.join(', ')}`], results: null };
    const starts = ctx.quick ? 2 : 5;
    const dir = mkdtempSync(join(tmpdir(), 'bench-pi-budget-'));
    const broker = await startBroker({ host: '127.0.0.1', port: 0, authenticate: localDemoAuthenticator, acl: allowAllForLocalDemoAcl, logger: pino({ level: 'silent' }) });
    try {
      const pi = await measure(PI, broker, dir, starts);
      const host = await measure(HOST, broker, dir, starts);
      const row = (what: string, f: (m: MachineFigures) => number, digits = 0) => [what, round(f(pi), digits), round(f(host), digits)];
      ctx.log(
        renderTable(
          ['', PI.label, HOST.label],
          [
            row(`start → READY, gateway (ms, median of ${starts})`, (m) => median(m.readyMs)),
            row('node -e 0 spawn → exit (ms, baseline)', (m) => median(m.nodeExitMs)),
            row('ratio', (m) => median(m.readyMs) / median(m.nodeExitMs), 1),
            row(`${BURST}-scan burst, pty → broker (ms)`, (m) => m.burstMs),
            row(`${BURST} QoS 1 publishes, bare mqtt.js in node (ms, baseline)`, (m) => m.bareBurstMs),
            row('ratio', (m) => m.burstMs / m.bareBurstMs, 1),
            row('RSS after the burst, gateway (MB)', (m) => m.rssMB, 1),
            row('RSS idle node, same flags (MB, baseline)', (m) => m.idleRssMB, 1),
            row('cgroup peak, gateway + page cache (MB)', (m) => m.cgroupPeakMB, 1),
          ],
        ),
      );
      const stops = [pi, host].map((m) => m.stopAfterBurst).filter((e) => e !== 0);
      const notes = [`memory cap: ${pi.cgroup}`,
        ...(stops.length ? [`after the burst, SIGTERM did not stop the gateway within ${STOP_GRACE_MS / 1000} s (pending receipts?): ended by ${stops.join(', ')}`] : []), 'one core: taskset -c 0 (this machine\'s core, faster than a Zero 2 W\'s Cortex-A53)', `V8 flags of the unit: ${UNIT_FLAGS.join(' ')}`];
      for (const n of notes) ctx.log(`note: ${n}`);
      return { notes, results: { memoryMB: MEMORY_MB, burst: BURST, pi, host } };
    } finally {
      await broker.close();
      rmSync(dir, { recursive: true, force: true });
    }
  },
};
