// The chaos suite: the real chain (chain.ts) under seeded faults (faults.ts), and the oracle.
//   const report = await runChaos({ cli, dir, trials: 100, seed: 7 });
//   console.log(formatReport(report));   // one table: trials, accepted, delivered, lost, …
// Oracle: every scan the station page showed as accepted appears exactly once in the national
// service and its registry API answers with that scan's data; no scan appears that was not made;
// no personal identity number that was scanned is found in any file the chain wrote or any log.

import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { prng } from '../../firmware-sim/prng.ts';
import { type BrokerKind, Chain } from './chain.ts';
import { FAULTS, type Trial } from './faults.ts';
import { StationObserver } from './observer.ts';
import { ScanFeed } from './scan-feed.ts';

export interface ChaosOptions {
  cli: string;
  dir: string;
  trials: number;
  seed: number;
  /** Half the trials on each broker unless one is named. */
  brokers?: BrokerKind[];
  /** No new trial starts after this time (ms since the epoch); the oracle then judges what ran. */
  until?: number;
  /** How long the chain may take to deliver everything after a fault is healed. */
  recoveryTimeoutMs?: number;
  log?: (line: string) => void;
}

export interface ChaosReport {
  trials: number;
  byFault: Record<string, number>;
  sent: number;
  accepted: number;
  refused: number;
  personalScanned: number;
  delivered: number;
  lost: string[];
  duplicated: string[];
  invented: string[];
  destroyedByDamage: number;
  registryMismatches: string[];
  leaks: string[];
  unrecovered: string[];
  longestRecoveryMs: number;
  longestRecoveryFault: string;
  peakRssMb: Record<string, number>;
}

const LIBFAKETIME = ['/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1', '/usr/lib/aarch64-linux-gnu/faketime/libfaketime.so.1'].find((p) => existsSync(p)) ?? null;

/** A tmpfs of its own for the gateway's data, so that "disk full" fills only it (root only). */
function smallDisk(dir: string): string | null {
  if (process.getuid?.() !== 0) return null;
  const mount = join(dir, 'gateway-fs');
  mkdirSync(mount, { recursive: true });
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=24m,mode=0700', 'chaos', mount], { stdio: 'ignore' });
    return mount;
  } catch {
    return null;
  }
}

export async function runChaos(options: ChaosOptions): Promise<ChaosReport> {
  const log = options.log ?? (() => {});
  const brokers = options.brokers ?? (['aedes', 'mosquitto'] as BrokerKind[]);
  const rng = prng(options.seed);
  const report: ChaosReport = {
    trials: 0,
    byFault: {},
    sent: 0,
    accepted: 0,
    refused: 0,
    personalScanned: 0,
    delivered: 0,
    lost: [],
    duplicated: [],
    invented: [],
    destroyedByDamage: 0,
    registryMismatches: [],
    leaks: [],
    unrecovered: [],
    longestRecoveryMs: 0,
    longestRecoveryFault: '',
    peakRssMb: {},
  };
  const perBroker = Math.ceil(options.trials / brokers.length);
  for (const [b, broker] of brokers.entries()) {
    const trials = Math.min(perBroker, options.trials - report.trials);
    if (trials <= 0) break;
    const dir = join(options.dir, `${broker}-${b}`);
    mkdirSync(dir, { recursive: true });
    const disk = smallDisk(dir);
    try {
      const clockFile = LIBFAKETIME ? join(dir, 'gateway-clock') : null;
      if (clockFile) writeFileSync(clockFile, '+0');
      const chain = await Chain.start({
        cli: options.cli,
        dir,
        broker,
        ...(disk ? { gatewayDataDir: join(disk, 'data') } : {}),
        ...(clockFile ? { gatewayEnv: { LD_PRELOAD: LIBFAKETIME!, FAKETIME_TIMESTAMP_FILE: clockFile, FAKETIME_NO_CACHE: '1', FAKETIME_DONT_FAKE_MONOTONIC: '1' } } : {}),
      });
      const observer = new StationObserver(chain.stationUrl);
      observer.start();
      const feed = new ScanFeed(chain, rng, options.seed * 10 + b);
      const trial: Trial = { chain, rng, feed, smallDisk: disk !== null, clockFile, destroyed: new Set() };
      const db = () => new Database(chain.nationalDb, { readonly: true, fileMustExist: true });
      try {
        for (let i = 0; i < trials && Date.now() < (options.until ?? Infinity); i++) {
          const choices = FAULTS.filter((f) => f.available(trial));
          const fault = choices[rng.int(0, choices.length - 1)]!;
          report.byFault[fault.name] = (report.byFault[fault.name] ?? 0) + 1;
          const began = Date.now();
          await fault.run(trial);
          const healed = Date.now();
          const done = await converge(chain.nationalDb, observer, trial.destroyed, options.recoveryTimeoutMs ?? 120_000);
          const took = Date.now() - healed;
          if (took > report.longestRecoveryMs) {
            report.longestRecoveryMs = took;
            report.longestRecoveryFault = fault.name;
          }
          if (!done) {
            report.unrecovered.push(`${broker} trial ${i + 1} (${fault.name})`);
            log(`trial ${i + 1} (${fault.name}): not delivered within the timeout`);
          }
          report.trials++;
          log(`${broker} trial ${i + 1} ${fault.name}: fault ${healed - began} ms, recovery ${took} ms`);
          if ((i + 1) % 10 === 0) log(`${broker}: ${i + 1}/${trials} trials, ${observer.accepted.size} accepted`);
        }
        const conn = db();
        try {
          judge(report, conn, observer, feed, trial.destroyed);
        } finally {
          conn.close();
        }
        await checkRegistry(report, chain, observer);
        report.sent += feed.sent.size;
        report.accepted += observer.accepted.size;
        report.refused += observer.refused;
        report.personalScanned += feed.personal.length;
      } finally {
        await observer.close();
        await chain.close();
        for (const part of chain.parts) report.peakRssMb[part.name] = Math.max(report.peakRssMb[part.name] ?? 0, Math.round(part.peakRssKb / 1024));
      }
      report.leaks.push(...findPersonalData([dir], feed.personal));
    } finally {
      if (disk) execFileSync('umount', ['-l', disk], { stdio: 'ignore' });
    }
  }
  return report;
}

/** Waits until every accepted scan (but those a fault destroyed) is in the national database. */
async function converge(dbFile: string, observer: StationObserver, destroyed: Set<string>, timeoutMs: number): Promise<boolean> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (existsSync(dbFile)) {
      const conn = new Database(dbFile, { readonly: true, fileMustExist: true });
      try {
        const have = new Set((conn.prepare('SELECT scan_id FROM scans').all() as { scan_id: string }[]).map((r) => r.scan_id));
        if ([...observer.accepted.values()].every((id) => have.has(id) || destroyed.has(id))) return true;
      } catch {
        // the service is creating its schema
      } finally {
        conn.close();
      }
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return false;
}

function judge(report: ChaosReport, conn: Database.Database, observer: StationObserver, feed: ScanFeed, destroyed: Set<string>): void {
  const rows = conn.prepare('SELECT scan_id, serial FROM scans').all() as { scan_id: string; serial: string | null }[];
  const bySerial = new Map<string, number>();
  for (const r of rows) {
    if (r.serial === null || !feed.sent.has(r.serial)) {
      report.invented.push(r.serial ?? `(no serial) ${r.scan_id}`);
      continue;
    }
    bySerial.set(r.serial, (bySerial.get(r.serial) ?? 0) + 1);
  }
  report.delivered += bySerial.size;
  for (const [serial, n] of bySerial) if (n > 1) report.duplicated.push(`${serial} ×${n}`);
  for (const [serial, scanId] of observer.accepted) {
    if (bySerial.has(serial)) continue;
    if (destroyed.has(scanId)) report.destroyedByDamage++;
    else report.lost.push(serial);
  }
}

/** Every delivered scan, looked up as a registry would: its order code answers with its serial. */
async function checkRegistry(report: ChaosReport, chain: Chain, observer: StationObserver): Promise<void> {
  const conn = new Database(chain.nationalDb, { readonly: true, fileMustExist: true });
  const rows = conn.prepare('SELECT order_code, serial FROM scans').all() as { order_code: string; serial: string }[];
  conn.close();
  const accepted = new Set(observer.accepted.keys());
  for (const row of rows) {
    if (!accepted.has(row.serial)) continue;
    const res = await fetch(`${chain.registryUrl}/v1/orders/${row.order_code}`, { headers: { Authorization: `Bearer ${chain.registryToken}` } });
    const body = await res.text();
    if (res.status !== 200 || !body.includes(row.serial)) report.registryMismatches.push(`${row.order_code}: ${res.status}`);
  }
}

/** Every file under the folders (journals, databases, logs), searched for each personal number's
 * ten digits, with or without a separator between date and number. */
export function findPersonalData(dirs: string[], personal: string[]): string[] {
  const patterns = personal.map((ten) => new RegExp(`${ten.slice(0, 2)}-?${ten.slice(2, 4)}-?${ten.slice(4, 6)}[^0-9]{0,2}${ten.slice(6)}`));
  const found: string[] = [];
  for (const root of dirs) {
    for (const entry of readdirSync(root, { withFileTypes: true, recursive: true })) {
      if (!entry.isFile()) continue;
      const file = join(entry.parentPath, entry.name);
      if (statSync(file).size > 64 << 20) continue;
      const text = readFileSync(file).toString('latin1');
      for (const [i, p] of patterns.entries()) if (p.test(text)) found.push(`${file} holds personal number #${i + 1}`);
    }
  }
  return found;
}

export function formatReport(r: ChaosReport): string {
  const rows: [string, string][] = [
    ['fault trials', `${r.trials} (${Object.entries(r.byFault).map(([k, v]) => `${k} ${v}`).join(', ')})`],
    ['product scans made', String(r.sent)],
    ['accepted (good read)', String(r.accepted)],
    ['delivered to the registry', String(r.delivered)],
    ['lost', String(r.lost.length)],
    ['duplicated', String(r.duplicated.length)],
    ['invented', String(r.invented.length)],
    ['destroyed by journal damage (records hit)', String(r.destroyedByDamage)],
    ['registry answers wrong', String(r.registryMismatches.length)],
    ['personal numbers scanned / refused signals', `${r.personalScanned} / ${r.refused}`],
    ['personal numbers found in files or logs', String(r.leaks.length)],
    ['trials not recovered in time', String(r.unrecovered.length)],
    ['longest recovery', `${(r.longestRecoveryMs / 1000).toFixed(1)} s (${r.longestRecoveryFault})`],
    ['peak RSS', Object.entries(r.peakRssMb).map(([k, v]) => `${k} ${v} MB`).join(', ')],
  ];
  const width = Math.max(...rows.map(([k]) => k.length));
  return rows.map(([k, v]) => `${k.padEnd(width)}  ${v}`).join('\n');
}
