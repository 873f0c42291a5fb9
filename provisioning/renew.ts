// Renewal: a device gets a new certificate (and, when the CA made its key, a new key) before the
// old one expires; the old serial is recorded as superseded and revoked by the first CRL issued
// after the grace period (long enough to install the new bundle).
//   await renewDevice(ca, ledger, 'gw-or7', { out: bundles, now, validDays: 825, graceDays: 14 })
//     → { serialHex, superseded: '0a1b…', files: ['bundles/gateways/gw-or7/gateway.pem', '…/gateway.key'] }
//   a device whose key was made on it (csr/sign) renews from a new CSR: { csrPem, certOut }
//   dueForRenewal(ledger, now, 30)  → the devices whose certificate ends within 30 days

import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { bundleDir, issueRecorded, writeBundle } from './fleet.ts';
import { identityOfDevice, type DeviceRecord, type Ledger } from './ledger.ts';
import { issueFromCsr, type LoadedCa } from './pki.ts';
import { ProvisioningError } from './subject.ts';
import { x509 } from '../protocol/x509.ts';

const DAY_MS = 86_400_000;

/** How long a superseded certificate stays valid when nobody says otherwise. */
export const DEFAULT_GRACE_DAYS = 14;

export interface RenewOptions {
  /** The fleet's bundles: a CA-made key and its certificate are rewritten in the device's bundle. */
  out: string;
  now: Date;
  validDays: number;
  graceDays?: number;
  /** For a device that made its own key: its new CSR, and where the certificate goes. */
  csrPem?: string;
  certOut?: string;
}

export async function renewDevice(ca: LoadedCa, ledger: Ledger, id: string, o: RenewOptions): Promise<{ serialHex: string; superseded: string | null; files: string[] }> {
  const device = ledger.device(id);
  if (!device) throw new ProvisioningError(`no device ${id} in ${ledger.path}`);
  if (device.retiredAt !== undefined) throw new ProvisioningError(`${id} was retired: it gets no new certificate`);
  const old = ledger.current(id);
  const identity = identityOfDevice(device);
  let serialHex: string;
  const files: string[] = [];
  if (device.keyOrigin === 'device') {
    if (o.csrPem === undefined || o.certOut === undefined) throw new ProvisioningError(`${id} made its own key: renew it from a new CSR (run "provision csr" on it, then renew --id ${id} --csr FILE --out FILE)`);
    const made = await issueFromCsr(ca, o.csrPem, identity, { validDays: o.validDays, now: o.now });
    ledger.recordCertificate({ serialHex: made.serialHex, id, issuedAt: o.now, notAfter: new x509.X509Certificate(made.certPem).notAfter });
    if (old) ledger.supersede(old.serialHex, o.now, o.graceDays ?? DEFAULT_GRACE_DAYS);
    await ledger.save();
    await writeFile(o.certOut, made.certPem);
    files.push(o.certOut);
    serialHex = made.serialHex;
  } else {
    const made = await issueRecorded(ca, ledger, identity, { validDays: o.validDays, now: o.now });
    if (old) ledger.supersede(old.serialHex, o.now, o.graceDays ?? DEFAULT_GRACE_DAYS);
    await ledger.save();
    const dir = bundleDir(o.out, device.kind, id);
    await writeBundle(dir, { [`${device.kind}.pem`]: made.certPem, [`${device.kind}.key`]: made.keyPem });
    files.push(join(dir, `${device.kind}.pem`), join(dir, `${device.kind}.key`));
    serialHex = made.serialHex;
  }
  return { serialHex, superseded: old?.serialHex ?? null, files };
}

/** Devices (not retired) whose current certificate ends within `withinDays` of now, or that have none. */
export function dueForRenewal(ledger: Ledger, now: Date, withinDays: number): DeviceRecord[] {
  const limit = now.getTime() + withinDays * DAY_MS;
  return ledger.devices.filter((d) => {
    if (d.retiredAt !== undefined) return false;
    const current = ledger.current(d.id);
    return current?.notAfter !== undefined && new Date(current.notAfter).getTime() <= limit;
  });
}
