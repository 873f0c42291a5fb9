// A StationSource for the station tests: a real ScanLog, plus a status and case calls it records.
//   const source = new FakeSource();  source.scanLog.add(scan({ udi: { …, lot: 'L1' } }));
//   source.setStatus({ broker: 'online' });  source.calls → [['start', 'case-7'], ['end']]
import { EventEmitter } from 'node:events';
import type { Attention, Status } from '../controller.ts';
import { ScanLog, type StationScan } from '../scan-log.ts';
import type { StationSource } from './server.ts';

export class FakeSource extends EventEmitter<{ status: [Status] }> implements StationSource {
  readonly scanLog = new ScanLog();
  readonly calls: Array<['start', string | undefined] | ['end'] | ['dismiss', string]> = [];
  /** startCase throws as the controller does for an id it did not make. */
  refuseCaseIds = false;
  private status: Status = { scanner: 'open', broker: 'offline', outbox: 0, caseId: null, attention: [] };

  currentStatus(): Status {
    return { ...this.status };
  }

  setStatus(patch: Partial<Status>): void {
    this.status = { ...this.status, ...patch };
    this.emit('status', this.currentStatus());
  }

  startCase(caseId?: string): string {
    if (this.refuseCaseIds) throw Object.assign(new Error('refused'), { code: 'case-id-refused' });
    this.calls.push(['start', caseId]);
    const id = caseId ?? 'case-auto';
    this.setStatus({ caseId: id });
    return id;
  }

  clearAttention(code: Attention['code']): void {
    this.calls.push(['dismiss', code]);
    this.setStatus({ attention: this.status.attention.filter((a) => a.code !== code) });
  }

  endCase(): void {
    this.calls.push(['end']);
    this.setStatus({ caseId: null });
  }
}

let n = 0;
/** A stored scan made now, with a fresh scanId unless given. */
export function scan(patch: Partial<StationScan> = {}): StationScan {
  n += 1;
  return {
    scanId: `scan-${n}`,
    status: 'stored',
    scannedAt: new Date().toISOString(),
    caseId: null,
    scheme: 'gs1',
    udi: { di: '05060123456789', lot: `LOT${n}`, serial: `SN${n}`, expiry: '2027-03-31', manufactured: null },
    orderCode: null,
    caseCode: null,
    productName: null,
    reason: null,
    ...patch,
  };
}
