// sd_notify for a unit with Type=notify and WatchdogSec=:
//   const n = systemdNotifier();           // a no-op outside systemd (no NOTIFY_SOCKET)
//   await n.notify({ READY: '1', STATUS: 'accepting scans; broker offline' });
//   n.watchdogIntervalMs                   // half of WatchdogSec, or null when no watchdog is set
//
// Node cannot send on a Unix datagram socket without a native addon, so each message goes through
// systemd's own `systemd-notify` (present wherever systemd is). It waits until PID 1 has read the
// message (systemd ≥ 246 sends a barrier), so it cannot be lost to the race of a helper process
// that exits first; the unit needs NotifyAccess=all because the sender is our child.

import { execFile } from 'node:child_process';

export type NotifyFields = Partial<Record<'READY' | 'STATUS' | 'WATCHDOG' | 'STOPPING' | 'RELOADING' | 'ERRNO', string>>;

export interface SystemdNotifier {
  /** Whether a service manager listens at all. */
  readonly enabled: boolean;
  /** Half of WatchdogSec (the interval systemd recommends), or null. */
  readonly watchdogIntervalMs: number | null;
  /** Resolves once sent (or failed: a notification is never worth crashing for). */
  notify(fields: NotifyFields): Promise<void>;
}

export interface NotifierOptions {
  env?: NodeJS.ProcessEnv;
  pid?: number;
  /** Reports a failed notification, once per kind of failure. */
  onError?: (message: string) => void;
  command?: string;
}

const SAFE_VALUE = /^[\x20-\x7e]{0,200}$/;

export function systemdNotifier(options: NotifierOptions = {}): SystemdNotifier {
  const env = options.env ?? process.env;
  const pid = options.pid ?? process.pid;
  const socket = env.NOTIFY_SOCKET;
  const enabled = socket !== undefined && socket !== '';
  const watchdogPid = env.WATCHDOG_PID === undefined ? pid : Number(env.WATCHDOG_PID);
  const usec = Number(env.WATCHDOG_USEC);
  const watchdogIntervalMs = enabled && watchdogPid === pid && Number.isFinite(usec) && usec > 0 ? Math.max(1, Math.floor(usec / 2000)) : null;
  const reported = new Set<string>();
  // One message at a time, in order; a watchdog ping while another is in flight is redundant.
  let chain: Promise<void> = Promise.resolve();
  let inFlight = 0;

  const send = (fields: NotifyFields): Promise<void> =>
    new Promise((resolve) => {
      const args = [`--pid=${pid}`];
      for (const [k, v] of Object.entries(fields)) {
        // A STATUS line is ours, but never let a value carry a newline into another field.
        args.push(`${k}=${SAFE_VALUE.test(v ?? '') ? v : (v ?? '').replace(/[^\x20-\x7e]/g, '?').slice(0, 200)}`);
      }
      execFile(options.command ?? 'systemd-notify', args, { env: { ...env, NOTIFY_SOCKET: socket }, timeout: 10_000 }, (err) => {
        if (err) {
          const kind = (err as NodeJS.ErrnoException).code?.toString() ?? 'failed';
          if (!reported.has(kind)) {
            reported.add(kind);
            options.onError?.(`systemd-notify ${Object.keys(fields).join(',')} failed: ${err.message.split('\n')[0]}`);
          }
        }
        resolve();
      });
    });

  return {
    enabled,
    watchdogIntervalMs,
    notify(fields) {
      if (!enabled) return Promise.resolve();
      if (fields.WATCHDOG !== undefined && Object.keys(fields).length === 1 && inFlight > 0) return chain;
      inFlight++;
      chain = chain.then(() => send(fields)).finally(() => void inFlight--);
      return chain;
    },
  };
}
