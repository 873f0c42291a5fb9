// The scanner's serial port: frames in, surviving unplug/replug without a restart.
//   const source = new SerialSource({ ...config.scanner, logger });   // path, baudRate, terminators, …
//   source.on('frame', (bytes, receivedAt) => controller.handleFrame(bytes, receivedAt));
//   source.on('status', (s) => controller.setScannerStatus(s));      // 'connecting' | 'open' | 'lost'
//   source.start();   …   await source.close();
//
// Lifecycle: 'connecting' until the first open, then 'open' ⇄ 'lost'. When the port closes or
// fails (USB unplug: the read fails and serialport closes it), the unfinished line is dropped
// (counted, reported as a 'partial' framing error: never glued to the next scan) and the source
// reopens with jittered exponential backoff (default 100 ms doubling to 5 s, "equal jitter" from
// ../mqtt/backoff.ts), while fs.watch on the device's directory notices the path coming back (the
// udev symlink /dev/implant-scanner reappearing) and brings the next attempt forward to the first
// delay. Without a usable watch (the directory itself gone, e.g. /dev/serial/by-id) the retries
// alone poll, at most 5 s apart. Each status transition is logged once; failed retries only at
// debug, so a scanner left unplugged overnight writes two lines, not thousands.
//
// serialport is loaded on the first open, not at import, so that commands that never open a
// port (implant-scan parse) do not load its native addon.

import { EventEmitter } from 'node:events';
import { statSync, watch as fsWatch } from 'node:fs';
import { basename, dirname } from 'node:path';
import { backoffDelay, type BackoffPolicy, checkBackoffPolicy } from '../mqtt/backoff.ts';
import { type Clock, systemClock } from './clock.ts';
import { type FramerStats, type FramingError, RingFramer, type Terminator } from './ring-framer.ts';

export type SerialStatus = 'connecting' | 'open' | 'lost';

/** The part of serialport's SerialPort used here (tests pass a fake). */
export interface SerialPortLike {
  readonly isOpen: boolean;
  open(callback: (err: Error | null) => void): void;
  close(callback?: (err: Error | null) => void): void;
  // Events: 'data' (Buffer), 'close' (Error with disconnected=true after an unplug), 'end', 'error'.
  on(event: string, listener: (...args: any[]) => void): unknown;
  removeAllListeners(): unknown;
}

export type OpenPort = (options: { path: string; baudRate: number }) => SerialPortLike | Promise<SerialPortLike>;

/** Watches `dir`; calls onEvent with the name that changed (null if the platform does not say). */
export type WatchDir = (dir: string, onEvent: (filename: string | null) => void, onError: (err: Error) => void) => { close(): void };

/** What is logged; a pino Logger fits. Never given scan content. */
export interface SerialLogger {
  debug(obj: object, msg: string): void;
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

export interface SerialSourceOptions {
  /** A stable path, e.g. /dev/implant-scanner (hw/ udev rule). */
  path: string;
  /** Default 9600. */
  baudRate?: number;
  terminators?: readonly Terminator[];
  interCharTimeoutMs?: number;
  maxLineBytes?: number;
  partialTimeoutMs?: number;
  /** Reopen delays; default 100 ms → 5 s, ×2, with jitter. */
  backoff?: Partial<BackoffPolicy>;
  logger?: SerialLogger;
  clock?: Clock;
  /** For the jitter; returns [0, 1). */
  random?: () => number;
  /** Default: serialport's SerialPort with autoOpen false. */
  openPort?: OpenPort;
  /** Default: fs.watch; false: retries only. */
  watchDir?: WatchDir | false;
}

export interface SerialSourceStats {
  /** Successful opens (the first one included). */
  opens: number;
  /** Times an open port was lost. */
  losses: number;
  /** Open attempts that failed. */
  failedAttempts: number;
  framer: Readonly<FramerStats>;
}

interface SerialSourceEvents {
  frame: [frame: Buffer, receivedAt: number];
  status: [status: SerialStatus];
  'framing-error': [error: FramingError];
}

export const DEFAULT_SERIAL_BACKOFF: Readonly<BackoffPolicy> = Object.freeze({ initialMs: 100, maxMs: 5000, multiplier: 2 });

const noop = () => {};

const silentLogger: SerialLogger = { debug: noop, info: noop, warn: noop, error: noop };

const openSerialPort: OpenPort = async ({ path, baudRate }) => {
  const { SerialPort } = await import('serialport');
  return new SerialPort({ path, baudRate, autoOpen: false });
};

const watchWithFs: WatchDir = (dir, onEvent, onError) => {
  const watcher = fsWatch(dir, { persistent: false }, (_event, filename) => onEvent(filename === null ? null : String(filename)));
  watcher.on('error', onError);
  return watcher;
};

export class SerialSource extends EventEmitter<SerialSourceEvents> {
  readonly path: string;
  readonly framer: RingFramer;

  private readonly baudRate: number;
  private readonly backoff: BackoffPolicy;
  private readonly logger: SerialLogger;
  private readonly clock: Clock;
  private readonly random: () => number;
  private readonly openPort: OpenPort;
  private readonly watchDir: WatchDir | false;

  private current: SerialStatus = 'connecting';
  private port: SerialPortLike | null = null;
  /** The open attempt under way, if any (the flag is set and cleared synchronously). */
  private openInFlight = false;
  private opening: Promise<void> | null = null;
  private retryTimer: unknown = null;
  private retryDueAt = 0;
  private attempt = 0;
  /** The first failure of an outage has been logged; the others go to debug. */
  private outageLogged = false;
  private watcher: { close(): void } | null = null;
  /** The open device's identity (device number + inode), to notice its path naming another. */
  private device: string | null = null;
  private started = false;
  private closing: Promise<void> | null = null;
  private readonly counters = { opens: 0, losses: 0, failedAttempts: 0 };

  constructor(options: SerialSourceOptions) {
    super();
    if (!options.path) throw new RangeError('path must name the scanner device, e.g. /dev/implant-scanner');
    this.path = options.path;
    this.baudRate = options.baudRate ?? 9600;
    this.backoff = checkBackoffPolicy({ ...DEFAULT_SERIAL_BACKOFF, ...options.backoff });
    this.logger = options.logger ?? silentLogger;
    this.clock = options.clock ?? systemClock;
    this.random = options.random ?? Math.random;
    this.openPort = options.openPort ?? openSerialPort;
    this.watchDir = options.watchDir ?? watchWithFs;
    this.framer = new RingFramer({
      clock: this.clock,
      ...(options.terminators ? { terminators: options.terminators } : {}),
      ...(options.interCharTimeoutMs !== undefined ? { interCharTimeoutMs: options.interCharTimeoutMs } : {}),
      ...(options.maxLineBytes !== undefined ? { maxLineBytes: options.maxLineBytes } : {}),
      ...(options.partialTimeoutMs !== undefined ? { partialTimeoutMs: options.partialTimeoutMs } : {}),
      onFrame: this.deliver,
      onError: this.framingError,
    });
  }

  get status(): SerialStatus {
    return this.current;
  }

  get stats(): SerialSourceStats {
    return { ...this.counters, framer: this.framer.stats };
  }

  /** Starts opening the device; from then on it is kept open until close(). */
  start(): void {
    if (this.started || this.closing) return;
    this.started = true;
    this.logger.info({ path: this.path, baudRate: this.baudRate }, 'scanner: opening');
    this.attemptOpen();
  }

  /** Stops retrying, drops an unfinished line, closes the port. Final. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      this.cancelRetry();
      this.stopWatching();
      this.framer.close();
      if (this.opening) await this.opening;
      const port = this.port;
      this.port = null;
      if (port) await closePort(port);
      this.logger.info({ path: this.path }, 'scanner: closed');
    })();
    return this.closing;
  }

  private attemptOpen(): void {
    if (this.closing || this.port || this.openInFlight) return;
    this.openInFlight = true;
    this.opening = this.openOnce().finally(() => {
      this.opening = null;
    });
  }

  private async openOnce(): Promise<void> {
    let port: SerialPortLike;
    let error: Error | null;
    try {
      port = await this.openPort({ path: this.path, baudRate: this.baudRate });
      // Before open(): an 'error' without a listener would throw.
      port.on('error', (err: Error) => this.portError(port, err));
      error = await new Promise<Error | null>((resolve) => port.open(resolve));
    } catch (e) {
      this.openInFlight = false;
      this.failed(e instanceof Error ? e : new Error(String(e)));
      return;
    }
    this.openInFlight = false;
    if (error) {
      detach(port);
      this.failed(error);
      return;
    }
    if (this.closing) {
      await closePort(port);
      return;
    }
    this.port = port;
    port.on('data', (chunk: Buffer) => {
      if (this.port === port) this.framer.push(chunk, this.clock.now());
    });
    port.on('close', (err?: Error | null) => this.gone(port, err ?? null));
    port.on('end', () => this.gone(port, null));
    this.counters.opens++;
    this.attempt = 0;
    this.outageLogged = false;
    this.cancelRetry();
    this.device = deviceOf(this.path);
    // Kept watching while open: a pseudo-terminal (and some USB drivers) hung up by an unplug reads
    // as an endless EOF rather than an error, so the device leaving its path is the surer sign.
    this.watch();
    this.setStatus('open', { path: this.path }, 'scanner: open');
  }

  private failed(err: Error): void {
    this.counters.failedAttempts++;
    if (this.closing) return;
    const detail = { path: this.path, err: err.message, attempt: this.attempt + 1 };
    if (this.outageLogged) this.logger.debug(detail, 'scanner: open failed; retrying');
    else {
      this.outageLogged = true;
      this.logger.warn(detail, 'scanner: not available; retrying with backoff and watching for the device (logged once)');
    }
    this.watch();
    this.scheduleRetry();
  }

  /** The open port closed or ended: an unplug, or the driver gave up on it. */
  private gone(port: SerialPortLike, err: Error | null): void {
    if (this.port !== port) return;
    this.port = null;
    detach(port);
    if (port.isOpen) port.close(noop);
    if (this.closing) return;
    this.counters.losses++;
    const dropped = this.framer.discardPartial('unplug');
    this.outageLogged = true;
    this.setStatus('lost', { path: this.path, reason: err?.message ?? 'closed', droppedBytes: dropped }, 'scanner: lost; reopening with backoff and watching for the device');
    this.watch();
    this.scheduleRetry();
  }

  private portError(port: SerialPortLike, err: Error): void {
    if (this.port === port && !port.isOpen) {
      this.gone(port, err);
      return;
    }
    this.logger.debug({ path: this.path, err: err.message }, 'scanner: port error');
  }

  private setStatus(status: SerialStatus, detail: object, message: string): void {
    if (this.current === status) return;
    this.current = status;
    if (status === 'lost') this.logger.warn(detail, message);
    else this.logger.info(detail, message);
    this.emit('status', status);
  }

  private scheduleRetry(): void {
    if (this.closing || this.retryTimer !== null) return;
    const delay = backoffDelay(this.attempt, this.backoff, this.random);
    this.attempt++;
    this.retryDueAt = this.clock.now() + delay;
    this.retryTimer = this.clock.setTimeout(() => {
      this.retryTimer = null;
      this.attemptOpen();
    }, delay);
  }

  private cancelRetry(): void {
    if (this.retryTimer !== null) this.clock.clearTimeout(this.retryTimer);
    this.retryTimer = null;
  }

  /** The device's name changed in its directory: it is probably back; retry soon. */
  private deviceEvent(): void {
    if (this.closing) return;
    if (this.port) {
      const now = deviceOf(this.path);
      if (this.device !== null && now !== this.device) this.gone(this.port, new Error(now === null ? 'the device path is gone' : 'the device path now names another device'));
      return;
    }
    this.logger.debug({ path: this.path }, 'scanner: device path changed; retrying soon');
    this.attempt = 0;
    if (this.openInFlight) return; // its failure schedules from the first delay
    if (this.retryTimer !== null) {
      if (this.retryDueAt - this.clock.now() <= this.backoff.initialMs) return;
      this.cancelRetry();
    }
    this.scheduleRetry();
  }

  private watch(): void {
    if (this.watcher || this.watchDir === false || this.closing) return;
    const name = basename(this.path);
    try {
      this.watcher = this.watchDir(
        dirname(this.path),
        (filename) => {
          if (filename === null || filename === name) this.deviceEvent();
        },
        (err) => {
          // Retried at the next failed attempt; meanwhile the retries poll.
          this.logger.debug({ path: this.path, err: err.message }, 'scanner: directory watch failed');
          this.stopWatching();
        },
      );
    } catch (e) {
      this.logger.debug({ path: this.path, err: (e as Error).message }, 'scanner: cannot watch the directory; polling with the retries');
    }
  }

  private stopWatching(): void {
    const w = this.watcher;
    this.watcher = null;
    if (w) {
      try {
        w.close();
      } catch {
        // already closed
      }
    }
  }

  private readonly deliver = (frame: Buffer, receivedAt: number): void => {
    try {
      this.emit('frame', frame, receivedAt);
    } catch (e) {
      // A listener's bug must not stop the port (or lose the rest of the chunk).
      this.logger.error({ path: this.path, err: (e as Error).message }, 'scanner: a frame listener threw');
    }
  };

  private readonly framingError = (error: FramingError): void => {
    this.logger.warn({ path: this.path, ...error }, `scanner: ${error.kind} line dropped`);
    try {
      this.emit('framing-error', error);
    } catch (e) {
      this.logger.error({ path: this.path, err: (e as Error).message }, 'scanner: a framing-error listener threw');
    }
  };
}

/** No more events from this port; later errors are swallowed rather than thrown. */
function detach(port: SerialPortLike): void {
  port.removeAllListeners();
  port.on('error', noop);
}

function closePort(port: SerialPortLike): Promise<void> {
  detach(port);
  if (!port.isOpen) return Promise.resolve();
  return new Promise((resolve) => port.close(() => resolve()));
}

/** "rdev:ino" of what the path names now (following links), or null if nothing is there. */
function deviceOf(path: string): string | null {
  try {
    const st = statSync(path);
    return `${st.rdev}:${st.ino}`;
  } catch {
    return null;
  }
}
