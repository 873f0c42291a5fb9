// Distinct, valid ScanEvents for the benchmarks that feed the national service: GS1 scans of a
// product in the sample catalogue, each with its own scan id, sequence, lot and serial, and the
// parser's own result (the national service re-validates and would count a mismatch).
//   benchScans(1000, 'bench-hospital') → ScanEvent[]

import { parse } from '../protocol/udi/index.ts';
import type { ScanEvent } from '../protocol/wire.ts';

export function benchScans(n: number, site: string, from = 0): ScanEvent[] {
  const out: ScanEvent[] = [];
  for (let i = from; i < from + n; i++) {
    const text = `]d201073999900010921729013110L${i}\x1d21S${i}`;
    const r = parse(text);
    out.push({
      scanId: `019b76da-a800-7a3e-9c41-${i.toString(16).padStart(12, '0')}`,
      gatewayId: 'gw-bench',
      site,
      theatre: 'or-1',
      caseId: 'case-bench',
      sequence: BigInt(i + 1),
      scannedAtMs: Date.now(),
      historical: false,
      raw: Buffer.from(text, 'latin1'),
      symbology: r.symbology,
      parse: { ok: r.ok, scheme: r.scheme, elements: r.elements, udi: r.udi, errors: r.errors },
    });
  }
  return out;
}
