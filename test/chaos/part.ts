// One process of the chain, as the chaos suite runs it: the real CLI in a child process that can be
// started, stopped politely, killed with SIGKILL at any moment and started again on the same ports
// and files, with its peak resident memory sampled while it lives.
//   const national = new Part('national', process.execPath, [cli, 'national', '--port', '9000', …], { ready: 'line' });
//   await national.start(); await national.kill(); await national.start();
//   national.peakRssKb   // the largest VmHWM seen over every life of the process

import { type ChildProcess, spawn } from 'node:child_process';
import { appendFileSync, readFileSync } from 'node:fs';

export interface PartOptions {
  /** 'line': ready once stdout prints a line starting "ready "; a function: polled until it resolves true. */
  ready: 'line' | (() => Promise<boolean>);
  env?: NodeJS.ProcessEnv;
  /** Everything the process writes on stdout and stderr is appended here (the oracle searches it). */
  logFile?: string;
  /** How long a start may take before it counts as failed (default 30 s: the machine is shared). */
  startTimeoutMs?: number;
}

const STDERR_TAIL = 8192;

export class Part {
  private child: ChildProcess | null = null;
  private sampler: NodeJS.Timeout | null = null;
  private stderrTail = '';
  /** Largest VmHWM over every life, in KiB. */
  peakRssKb = 0;
  starts = 0;
  /** The first line after "ready " of the latest start, parsed, when ready is 'line'. */
  readyInfo: Record<string, unknown> = {};

  constructor(
    readonly name: string,
    private readonly command: string,
    private readonly argv: string[],
    private readonly options: PartOptions,
  ) {}

  get running(): boolean {
    return this.child !== null && this.child.exitCode === null && this.child.signalCode === null;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** The end of what the process wrote on stderr, for a failure message. */
  get stderr(): string {
    return this.stderrTail;
  }

  async start(): Promise<void> {
    if (this.running) return;
    const child = spawn(this.command, this.argv, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...this.options.env } });
    this.child = child;
    this.starts++;
    child.stderr!.setEncoding('utf8');
    const logFile = this.options.logFile;
    child.stderr!.on('data', (d: string) => {
      this.stderrTail = (this.stderrTail + d).slice(-STDERR_TAIL);
      if (logFile) appendFileSync(logFile, d);
    });
    child.stdout!.on('data', (d: Buffer | string) => logFile && appendFileSync(logFile, d));
    const timeoutMs = this.options.startTimeoutMs ?? 30_000;
    let timer: NodeJS.Timeout | undefined;
    let onExit: (() => void) | undefined;
    const failed = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${this.name} not ready after ${timeoutMs} ms: ${this.stderrTail.slice(-2000)}`)), timeoutMs);
      onExit = () => reject(new Error(`${this.name} exited during start (${child.exitCode ?? child.signalCode}): ${this.stderrTail.slice(-2000)}`));
      child.once('exit', onExit);
    });
    const ready = this.options.ready === 'line' ? this.readyLine(child) : this.poll(this.options.ready, child);
    try {
      await Promise.race([ready, failed]);
    } catch (e) {
      child.kill('SIGKILL');
      throw e;
    } finally {
      clearTimeout(timer);
      child.off('exit', onExit!);
    }
    this.sampler = setInterval(() => this.sample(), 200);
  }

  /** SIGKILL, as a power cut or the OOM killer would: no handler runs. */
  async kill(): Promise<void> {
    await this.end('SIGKILL');
  }

  /** SIGTERM and wait: a clean stop. */
  async stop(): Promise<void> {
    await this.end('SIGTERM');
  }

  private async end(signal: NodeJS.Signals): Promise<void> {
    const child = this.child;
    if (!child || !this.running) return;
    this.sample();
    if (this.sampler) clearInterval(this.sampler);
    this.sampler = null;
    const gone = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill(signal);
    const hard = signal === 'SIGKILL' ? null : setTimeout(() => child.kill('SIGKILL'), 10_000);
    await gone;
    if (hard) clearTimeout(hard);
  }

  private sample(): void {
    const pid = this.child?.pid;
    if (!pid || !this.running) return;
    try {
      const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
      if (m) this.peakRssKb = Math.max(this.peakRssKb, Number(m[1]));
    } catch {
      // the process is just gone
    }
  }

  private readyLine(child: ChildProcess): Promise<void> {
    return new Promise((resolve) => {
      let buffered = '';
      const onData = (d: Buffer) => {
        buffered += d.toString('utf8');
        const at = buffered.indexOf('ready ');
        const end = buffered.indexOf('\n', at);
        if (at >= 0 && end > at) {
          try {
            this.readyInfo = JSON.parse(buffered.slice(at + 6, end)) as Record<string, unknown>;
          } catch {
            this.readyInfo = {};
          }
          child.stdout!.off('data', onData);
          resolve();
        }
      };
      child.stdout!.on('data', onData);
    });
  }

  private async poll(isReady: () => Promise<boolean>, child: ChildProcess): Promise<void> {
    while (child.exitCode === null && child.signalCode === null) {
      if (await isReady().catch(() => false)) return;
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}
