// `provision status`: every device, its certificate's end, the CRL's next update, and what needs
// doing now. A certificate or CRL ending within warnDays (default 14), or already ended, and a
// supersession whose grace is over but not yet in a CRL, are problems.
//   const report = fleetStatus(ledger, { now, warnDays: 14 })
//   report.rows      → [{ kind: 'gateway', id: 'gw-or7', theatre: 'or-7', serialHex, notAfter, daysLeft: 812, state: 'valid' }]
//   report.crl       → { nextUpdate, daysLeft } | null
//   report.problems  → ['gw-or3: certificate ends in 9 days (2027-01-01): provision renew --id gw-or3']
// Given the CA certificate's end and CRL files as deployed (`--crl /etc/mosquitto/implant-scan/crl.pem`),
// those are checked too: a CRL the timer wrote but nobody copied to the broker still expires there.

import type { Ledger } from './ledger.ts';

const DAY_MS = 86_400_000;

export const DEFAULT_WARN_DAYS = 14;

export interface StatusRow {
  kind: string;
  id: string;
  theatre?: string;
  serialHex: string | null;
  notAfter: string | null;
  daysLeft: number | null;
  state: 'valid' | 'expiring' | 'expired' | 'revoked' | 'retired';
}

export interface FleetStatus {
  rows: StatusRow[];
  crl: { nextUpdate: string; daysLeft: number } | null;
  problems: string[];
}

const daysBetween = (now: Date, then: Date) => Math.floor((then.getTime() - now.getTime()) / DAY_MS);

export function fleetStatus(ledger: Ledger, o: { now: Date; warnDays?: number; caNotAfter?: Date; crlFiles?: ReadonlyArray<{ path: string; nextUpdate: Date }> }): FleetStatus {
  const warn = o.warnDays ?? DEFAULT_WARN_DAYS;
  const problems: string[] = [];
  const rows = ledger.devices.map((d): StatusRow => {
    const current = ledger.current(d.id);
    const base = { kind: d.kind, id: d.id, ...(d.theatre ? { theatre: d.theatre } : {}) };
    if (d.retiredAt !== undefined) return { ...base, serialHex: null, notAfter: null, daysLeft: null, state: 'retired' };
    if (!current) return { ...base, serialHex: null, notAfter: null, daysLeft: null, state: 'revoked' };
    const notAfter = current.notAfter ?? null;
    const daysLeft = notAfter === null ? null : daysBetween(o.now, new Date(notAfter));
    const state = daysLeft === null ? 'valid' : new Date(notAfter!) <= o.now ? 'expired' : daysLeft < warn ? 'expiring' : 'valid';
    if (state === 'expired') problems.push(`${d.id}: certificate expired on ${notAfter!.slice(0, 10)}: provision renew --id ${d.id}`);
    if (state === 'expiring') problems.push(`${d.id}: certificate ends in ${daysLeft} days (${notAfter!.slice(0, 10)}): provision renew --id ${d.id}`);
    return { ...base, serialHex: current.serialHex, notAfter, daysLeft, state };
  });
  const crl = ledger.crl ? { nextUpdate: ledger.crl.nextUpdate, daysLeft: daysBetween(o.now, new Date(ledger.crl.nextUpdate)) } : null;
  if (crl === null) problems.push('no CRL has been issued: provision crl');
  else if (new Date(crl.nextUpdate) <= o.now) problems.push(`the CRL expired on ${crl.nextUpdate.slice(0, 10)}: the broker refuses every device until provision crl runs`);
  else if (crl.daysLeft < warn) problems.push(`the CRL's next update is in ${crl.daysLeft} days (${crl.nextUpdate.slice(0, 10)}): provision crl (is its daily timer running?)`);
  for (const f of o.crlFiles ?? []) {
    const left = daysBetween(o.now, f.nextUpdate);
    if (f.nextUpdate <= o.now) problems.push(`${f.path} expired on ${f.nextUpdate.toISOString().slice(0, 10)}: copy the current CRL there and reload Mosquitto`);
    else if (left < warn) problems.push(`${f.path}: next update in ${left} days: copy the current CRL there and reload Mosquitto`);
  }
  if (o.caNotAfter !== undefined && daysBetween(o.now, o.caNotAfter) < warn) problems.push(`the site CA certificate ends on ${o.caNotAfter.toISOString().slice(0, 10)}: every certificate ends with it; plan a new CA`);
  const due = ledger.certificates.filter((c) => c.revokedAt === undefined && c.revokeAfter !== undefined && new Date(c.revokeAfter) <= o.now);
  for (const c of due) problems.push(`${c.id}: superseded certificate ${c.serialHex} is past its grace period and not yet revoked: provision crl`);
  return { rows, crl, problems };
}
