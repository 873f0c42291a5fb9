// The scans the chaos suite makes, each one unique so the oracle can follow it to the registry:
//   feed.send(5, 20)   // five scans 0–20 ms apart through the simulated scanner; about one in
//                      // eight carries a personal identity number instead of a serial, to be refused
// A product scan is the sample catalogue's hip stem (GTIN 07399990001092) with serial C<seed>N<n>; a personal one puts a
// personnummer or samordningsnummer, with one of the separators people type, where the serial goes.

import { personalId } from '../../firmware-sim/corpus.ts';
import type { Prng } from '../../firmware-sim/prng.ts';
import type { Chain } from './chain.ts';

const PRODUCT = ']d2010739999000109217290131' + '10LOT-CHAOS\x1d21';
const SEPARATORS = ['', '-', '+', '_', '.', '/', ' ', '--'];

export class ScanFeed {
  /** Serials of product scans written to the scanner. */
  readonly sent = new Set<string>();
  /** Personal numbers written to the scanner: none may be found anywhere afterwards. */
  readonly personal: string[] = [];
  /** Writes that failed because the scanner was unplugged at that moment. */
  unsent = 0;
  private n = 0;

  constructor(
    private readonly chain: Chain,
    private readonly rng: Prng,
    private readonly seed: number,
  ) {}

  async send(count: number, gapMs = 0): Promise<void> {
    for (let i = 0; i < count; i++) {
      let text: string;
      let serial: string | null = null;
      if (this.rng.chance(0.125)) {
        const digits = personalId(this.rng).replace(/\D/g, '');
        const sep = SEPARATORS[this.rng.int(0, SEPARATORS.length - 1)]!;
        const pnr = `${digits.slice(0, -4)}${sep}${digits.slice(-4)}`;
        this.personal.push(digits.slice(-10));
        text = PRODUCT + pnr;
      } else {
        serial = `C${this.seed}N${++this.n}`;
        text = PRODUCT + serial;
      }
      try {
        await this.chain.scanner.send(text);
        if (serial) this.sent.add(serial);
      } catch {
        this.unsent++;
      }
      if (gapMs > 0) await new Promise((r) => setTimeout(r, gapMs));
    }
  }

  /** After a replug: the gateway notices the new device within its watch interval. */
  async untilScannerOpen(timeoutMs = 30_000): Promise<void> {
    const end = Date.now() + timeoutMs;
    while (Date.now() < end) {
      const status = await fetch(`${this.chain.stationUrl}/api/status`)
        .then((r) => r.json() as Promise<{ scanner?: string }>)
        .catch(() => ({ scanner: undefined }));
      if (status.scanner === 'open') return;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error('the gateway did not reopen the scanner after a replug');
  }
}
