import pino from 'pino';
import { describe, expect, it } from 'vitest';
import type { Attention } from './controller.ts';
import { GatewayMetrics } from './metrics.ts';
import { announceRecovery } from './recovery-report.ts';

function announce(report: object) {
  const logs: { level: number; msg: string; findings?: Record<string, number>; files?: Record<string, string[]> }[] = [];
  const attention: [Attention['code'], string][] = [];
  const metrics = new GatewayMetrics();
  const logger = pino({ level: 'info' }, { write: (l: string) => void logs.push(JSON.parse(l)) });
  const summary = announceRecovery(report, { logger, metrics, attention: { setAttention: (code, message) => void attention.push([code, message]) } });
  return { logs, attention, metrics, summary };
}

describe('the outbox recovery report at start-up', () => {
  it('a whole journal: no warning, the counts exported, no alert', async () => {
    const { logs, attention, metrics } = announce({ segments: 2, pending: 40, tornBytes: 0, damagedSegments: [], foreignFiles: [] });
    expect(logs).toEqual([]);
    expect(attention).toEqual([]);
    const text = await metrics.text();
    expect(text).toContain('implant_scan_outbox_recovery{field="pending"} 40');
    expect(text).toContain('implant_scan_outbox_recovery_damaged 0');
  });

  it('a torn tail alone: a warning with the bytes cut, the metric and an alert', async () => {
    const { logs, attention, metrics } = announce({ segments: 1, pending: 99, tornBytes: 5, damagedSegments: [], foreignFiles: [] });
    expect(logs).toMatchObject([{ level: 40, findings: { tornBytes: 5 } }]);
    expect(attention).toEqual([['journal-damaged', expect.stringContaining('tornBytes 5')]]);
    expect(await metrics.text()).toContain('implant_scan_outbox_recovery{field="tornBytes"} 5');
  });

  it('damage, with fields the outbox adds later: an error with every count and path, each exported', async () => {
    const { logs, attention, metrics, summary } = announce({
      segments: 3,
      pending: 99,
      recordsRecovered: 49,
      tornBytes: 0,
      damagedBytes: 8,
      damagedSegments: ['0000000000000003.journal'],
      quarantined: ['/var/lib/implant-scan/outbox/0000000000000003.journal.damaged-1'],
      foreignFiles: [],
      note: 'text fields are ignored',
    });
    expect(summary.findings).toEqual({ damagedBytes: 8, damagedSegments: 1, quarantined: 1 });
    expect(logs).toMatchObject([{ level: 50, findings: summary.findings, files: { quarantined: ['/var/lib/implant-scan/outbox/0000000000000003.journal.damaged-1'] } }]);
    expect(attention).toEqual([['journal-damaged', expect.stringMatching(/damagedBytes 8.*Call IT/)]]);
    const text = await metrics.text();
    for (const line of ['{field="recordsRecovered"} 49', '{field="damagedBytes"} 8', '{field="quarantined"} 1', 'implant_scan_outbox_recovery_damaged 1']) expect(text).toContain(line);
  });
});
