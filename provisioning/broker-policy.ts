// What the broker enforces, written from the ledger and nothing else: the ACL (every device not
// retired) and the CRL (every revocation ever recorded, and the supersessions whose grace is over).
//   await writeAcl(ledger, [join(bundles, 'broker', 'acl')])
//   await issueCrl(ca, ledger, { now, nextUpdateDays: 30, targets: [join(bundles, 'broker', 'crl.pem')] })
//     → { nextUpdate, revoked: 3, applied: ['0a1b…'] }    (the ledger is saved before the files)

import { writeFileAtomic } from './atomic-file.ts';
import { identityOfDevice, type Ledger } from './ledger.ts';
import { mosquittoAcl, type AclIdentity } from './mosquitto.ts';
import { createCrl, type LoadedCa } from './pki.ts';

const DAY_MS = 86_400_000;

/** The CRL's validity when nobody says otherwise: the daily `provision crl` renews it long before. */
export const DEFAULT_CRL_DAYS = 30;

export async function writeAcl(ledger: Ledger, targets: readonly string[]): Promise<void> {
  const text = mosquittoAcl(ledger.clientDevices().map((d) => identityOfDevice(d) as AclIdentity));
  for (const target of targets) await writeFileAtomic(target, text, 0o644);
}

export async function issueCrl(
  ca: LoadedCa,
  ledger: Ledger,
  o: { now: Date; nextUpdateDays?: number; targets: readonly string[] },
): Promise<{ pem: string; nextUpdate: Date; revoked: number; applied: string[] }> {
  const applied = ledger.applyDueSupersessions(o.now);
  const nextUpdateDays = o.nextUpdateDays ?? DEFAULT_CRL_DAYS;
  const nextUpdate = new Date(o.now.getTime() + nextUpdateDays * DAY_MS);
  const revocations = ledger.revocations();
  const crlNumber = ledger.recordCrl(o.now, nextUpdate);
  const pem = await createCrl(ca, revocations, { now: o.now, nextUpdateDays, crlNumber });
  await ledger.save();
  for (const target of o.targets) await writeFileAtomic(target, pem, 0o644);
  return { pem, nextUpdate, revoked: revocations.length, applied };
}
