// What the theatre nurse sees, recorded for the chaos oracle: the station page's server-sent events
// (GET /events), followed across gateway restarts. A scan counts as accepted once the page shows it
// with a good-read status ('stored' or later: fsynced in the outbox); a refused scan only counts.
//   const seen = new StationObserver(stationUrl); seen.start();
//   seen.accepted.get('C1T4N2')   // → scanId, once the page showed that serial stored
//   await seen.close();

interface ApiScan {
  scanId: string | null;
  status: string;
  udi: { serial?: string | null } | null;
}

const GOOD_READ = new Set(['stored', 'sent', 'receipted', 'rejected']);

export class StationObserver {
  /** serial → scanId of every scan the page showed as accepted. */
  readonly accepted = new Map<string, string>();
  /** scanIds the national service rejected (it should reject none of the suite's scans). */
  readonly rejected = new Set<string>();
  refused = 0;
  private readonly seenRefusals = new Set<string>();
  private abort = new AbortController();
  private running: Promise<void> | null = null;

  constructor(private readonly stationUrl: string) {}

  start(): void {
    this.running = this.loop();
  }

  async close(): Promise<void> {
    this.abort.abort();
    await this.running;
  }

  private record(scan: ApiScan): void {
    if (scan.status === 'refused') {
      // Refused entries carry no id; scannedAt + reason tell repeats in a snapshot apart.
      const key = JSON.stringify(scan);
      if (!this.seenRefusals.has(key)) {
        this.seenRefusals.add(key);
        this.refused++;
      }
      return;
    }
    const serial = scan.udi?.serial;
    if (scan.scanId && serial && GOOD_READ.has(scan.status)) this.accepted.set(serial, scan.scanId);
    if (scan.scanId && scan.status === 'rejected') this.rejected.add(scan.scanId);
  }

  private async loop(): Promise<void> {
    const { signal } = this.abort;
    while (!signal.aborted) {
      try {
        const res = await fetch(`${this.stationUrl}/events`, { signal });
        if (!res.ok || !res.body) throw new Error(String(res.status));
        const decoder = new TextDecoder();
        let buffer = '';
        for await (const chunk of res.body) {
          buffer += decoder.decode(chunk as Uint8Array, { stream: true });
          let end: number;
          while ((end = buffer.indexOf('\n\n')) >= 0) {
            this.onEvent(buffer.slice(0, end));
            buffer = buffer.slice(end + 2);
          }
        }
      } catch {
        // the gateway is down or restarting: try again shortly
      }
      if (!signal.aborted) await new Promise((r) => setTimeout(r, 100));
    }
  }

  private onEvent(block: string): void {
    let event = 'message';
    let data = '';
    for (const line of block.split('\n')) {
      if (line.startsWith('event: ')) event = line.slice(7);
      else if (line.startsWith('data: ')) data += line.slice(6);
    }
    if (!data) return;
    const value = JSON.parse(data) as { scans?: ApiScan[] } & ApiScan;
    if (event === 'snapshot') for (const scan of value.scans ?? []) this.record(scan);
    else if (event === 'scan') this.record(value);
  }
}
