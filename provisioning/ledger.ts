// The CA's ledger: every device, every certificate ever issued to it, and what became of each
// (revoked, superseded by a renewal). The one source of truth the ACL and every CRL are written
// from; it lives beside the CA key as DIR/ledger.json and is written atomically.
//   const ledger = await Ledger.load(caDir, { bundles })   also migrates serials.json + revoked.json
//   ledger.addDevice({ kind: 'gateway', id: 'gw-or7', site, theatre: 'or-7', keyOrigin: 'ca' })
//   ledger.recordCertificate({ serialHex, id: 'gw-or7', issuedAt, notAfter }); await ledger.save()
//   ledger.revoke('gw-or7', now)          every unrevoked certificate of the device
//   ledger.supersede(serialHex, now, 14)  replaced by a renewal: revoked once 14 days have passed
//   ledger.applyDueSupersessions(now)     (the `crl` step) → the serials now revoked
//   ledger.revocations()                  → what every CRL lists

import { existsSync } from 'node:fs';
import { mkdir, readFile, rename } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { writeFileAtomic } from './atomic-file.ts';
import { identityOf, type CertificateIdentity, type Revoked } from './pki.ts';
import { x509 } from '../protocol/x509.ts';
import { ProvisioningError } from './subject.ts';

export type DeviceKind = 'gateway' | 'uplink' | 'operator' | 'observer' | 'broker';

export interface DeviceRecord {
  kind: DeviceKind;
  /** Gateway id, uplink/operator/observer id (the certificate CN), or the broker's first DNS name. */
  id: string;
  site: string;
  theatre?: string;
  dnsNames?: string[];
  ipAddresses?: string[];
  /** 'ca': the key was made on the CA host and travels in the bundle; 'device': made there (csr/sign). */
  keyOrigin: 'ca' | 'device';
  retiredAt?: string;
}

export interface CertificateRecord {
  serialHex: string;
  id: string;
  issuedAt: string;
  /** Absent only for a certificate migrated without its file. */
  notAfter?: string;
  revokedAt?: string;
  /** Set by a renewal: the certificate stays valid until revokeAfter, then the next CRL revokes it. */
  supersededAt?: string;
  revokeAfter?: string;
}

interface LedgerData {
  version: 1;
  devices: DeviceRecord[];
  certificates: CertificateRecord[];
  crl?: { number: number; thisUpdate: string; nextUpdate: string };
}

const FILE = 'ledger.json';
const DAY_MS = 86_400_000;

export class Ledger {
  private constructor(
    readonly path: string,
    private readonly data: LedgerData,
  ) {}

  /** The ledger of caDir; without one, migrated from caDir/revoked.json and bundles/serials.json (then renamed *.migrated). */
  static async load(caDir: string, options: { bundles?: string } = {}): Promise<Ledger> {
    const path = join(caDir, FILE);
    const text = await readFile(path, 'utf8').catch((e: NodeJS.ErrnoException) => (e.code === 'ENOENT' ? null : Promise.reject(e)));
    if (text !== null) {
      return new Ledger(path, parseLedger(text, path));
    }
    const ledger = new Ledger(path, { version: 1, devices: [], certificates: [] });
    const migrated = await ledger.migrate(caDir, options.bundles);
    if (migrated.length > 0) {
      await ledger.save();
      for (const old of migrated) await rename(old, `${old}.migrated`);
    }
    return ledger;
  }

  async save(): Promise<void> {
    await mkdir(dirname(this.path), { recursive: true, mode: 0o700 });
    await writeFileAtomic(this.path, `${JSON.stringify(this.data, null, 2)}\n`, 0o600);
  }

  get devices(): readonly DeviceRecord[] {
    return this.data.devices;
  }

  get certificates(): readonly CertificateRecord[] {
    return this.data.certificates;
  }

  get crl(): LedgerData['crl'] {
    return this.data.crl;
  }

  device(id: string): DeviceRecord | undefined {
    return this.data.devices.find((d) => d.id === id);
  }

  /** The broker, if the ledger has one (there is one per site). */
  broker(): DeviceRecord | undefined {
    return this.data.devices.find((d) => d.kind === 'broker' && d.retiredAt === undefined);
  }

  addDevice(device: DeviceRecord): void {
    const clash = this.device(device.id);
    if (clash) throw new ProvisioningError(`${device.id} is already in the ledger (a ${clash.kind}${clash.retiredAt ? ', retired' : ''}): every device id must be unique on a site`);
    this.data.devices.push(structuredClone(device));
  }

  recordCertificate(cert: { serialHex: string; id: string; issuedAt: Date; notAfter: Date }): void {
    if (this.data.certificates.some((c) => c.serialHex === cert.serialHex)) throw new ProvisioningError(`serial ${cert.serialHex} is already in the ledger`);
    this.data.certificates.push({ serialHex: cert.serialHex, id: cert.id, issuedAt: cert.issuedAt.toISOString(), notAfter: cert.notAfter.toISOString() });
  }

  certificatesOf(id: string): CertificateRecord[] {
    return this.data.certificates.filter((c) => c.id === id);
  }

  /** The certificate the device uses now: its newest, neither revoked nor superseded. */
  current(id: string): CertificateRecord | undefined {
    return this.certificatesOf(id)
      .filter((c) => c.revokedAt === undefined && c.supersededAt === undefined)
      .at(-1);
  }

  /** Revokes every certificate of the device not yet revoked (superseded ones in their grace period too); the serials revoked. */
  revoke(id: string, now: Date): string[] {
    const device = this.device(id);
    if (!device || device.kind === 'broker') throw new ProvisioningError(`no device ${id} in ${this.path} (gateways, uplinks, operators and observers are revoked by id)`);
    const revoked = this.certificatesOf(id).filter((c) => c.revokedAt === undefined);
    for (const c of revoked) c.revokedAt = now.toISOString();
    return revoked.map((c) => c.serialHex);
  }

  /** Revokes, and the device leaves the ACL for good. */
  retire(id: string, now: Date): string[] {
    const serials = this.revoke(id, now);
    this.device(id)!.retiredAt = now.toISOString();
    return serials;
  }

  supersede(serialHex: string, now: Date, graceDays: number): void {
    const c = this.data.certificates.find((x) => x.serialHex === serialHex);
    if (!c) throw new ProvisioningError(`serial ${serialHex} is not in the ledger`);
    c.supersededAt = now.toISOString();
    c.revokeAfter = new Date(now.getTime() + graceDays * DAY_MS).toISOString();
  }

  /** Revokes every superseded certificate whose grace period is over (dated when it ended); their serials. */
  applyDueSupersessions(now: Date): string[] {
    const due = this.data.certificates.filter((c) => c.revokedAt === undefined && c.revokeAfter !== undefined && new Date(c.revokeAfter) <= now);
    for (const c of due) c.revokedAt = c.revokeAfter;
    return due.map((c) => c.serialHex);
  }

  revocations(): Revoked[] {
    return this.data.certificates.filter((c) => c.revokedAt !== undefined).map((c) => ({ serialHex: c.serialHex, revokedAt: new Date(c.revokedAt!) }));
  }

  /** A CRL number larger than every earlier one (RFC 5280: monotonically increasing). */
  recordCrl(thisUpdate: Date, nextUpdate: Date): number {
    const number = Math.max((this.data.crl?.number ?? 0) + 1, Math.floor(thisUpdate.getTime() / 1000));
    this.data.crl = { number, thisUpdate: thisUpdate.toISOString(), nextUpdate: nextUpdate.toISOString() };
    return number;
  }

  /** Devices that belong on the broker's ACL: not retired, not the broker. */
  clientDevices(): DeviceRecord[] {
    return this.data.devices.filter((d) => d.kind !== 'broker' && d.retiredAt === undefined);
  }

  // ---- migration from serials.json (bundles) and revoked.json (CA dir) ----------------------

  private async migrate(caDir: string, bundles: string | undefined): Promise<string[]> {
    const used: string[] = [];
    const serialsFile = bundles === undefined ? null : join(bundles, 'serials.json');
    if (serialsFile !== null && existsSync(serialsFile)) {
      used.push(serialsFile);
      const serials = JSON.parse(await readFile(serialsFile, 'utf8')) as { serialHex: string; kind: string; id: string }[];
      for (const s of serials) await this.migrateSerial(bundles!, s);
    }
    const revokedFile = join(caDir, 'revoked.json');
    if (existsSync(revokedFile)) {
      used.push(revokedFile);
      for (const r of JSON.parse(await readFile(revokedFile, 'utf8')) as { serialHex: string; revokedAt: string; id: string }[]) {
        const known = this.data.certificates.find((c) => c.serialHex === r.serialHex);
        // A serial serials.json lost (an earlier fleet run overwrote it) is kept revoked all the same.
        if (known) known.revokedAt = r.revokedAt;
        else this.data.certificates.push({ serialHex: r.serialHex, id: r.id, issuedAt: r.revokedAt, revokedAt: r.revokedAt });
      }
    }
    return used;
  }

  private async migrateSerial(bundles: string, s: { serialHex: string; kind: string; id: string }): Promise<void> {
    const file = s.kind === 'broker' ? join(bundles, 'broker', 'broker.pem') : join(bundles, `${s.kind}s`, s.id, `${s.kind}.pem`);
    const pem = await readFile(file, 'utf8').catch(() => null);
    const cert = pem === null ? null : new x509.X509Certificate(pem);
    const identity = pem === null ? null : identityOf(pem);
    if (cert !== null && identity !== null && cert.serialNumber === s.serialHex) {
      if (!this.device(s.id)) this.data.devices.push({ ...deviceOf(identity), keyOrigin: 'ca' });
      this.data.certificates.push({ serialHex: s.serialHex, id: s.id, issuedAt: cert.notBefore.toISOString(), notAfter: cert.notAfter.toISOString() });
    } else {
      this.data.certificates.push({ serialHex: s.serialHex, id: s.id, issuedAt: new Date(0).toISOString() });
    }
  }
}

/** The ledger's JSON, its shape checked (a hand-edited or truncated file is refused by name, not half-read). */
export function parseLedger(text: string, path: string): LedgerData {
  const refuse = (why: string) => new ProvisioningError(`${path} is not a provisioning ledger (version 1): ${why}`);
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    throw refuse('not JSON');
  }
  const d = data as Partial<LedgerData> | null;
  if (d === null || typeof d !== 'object' || d.version !== 1 || !Array.isArray(d.devices) || !Array.isArray(d.certificates)) throw refuse('no version 1, devices and certificates');
  for (const x of d.devices) {
    if (x === null || typeof x !== 'object' || typeof x.id !== 'string' || typeof x.kind !== 'string' || typeof x.site !== 'string') throw refuse('a device without kind, id or site');
  }
  for (const c of d.certificates) {
    if (c === null || typeof c !== 'object' || typeof c.serialHex !== 'string' || !/^[0-9a-f]+$/.test(c.serialHex) || typeof c.id !== 'string') throw refuse('a certificate without a hex serial or an id');
  }
  return d as LedgerData;
}

/** The ledger's device fields for an identity (keyOrigin aside). */
export function deviceOf(identity: CertificateIdentity): Omit<DeviceRecord, 'keyOrigin'> {
  switch (identity.kind) {
    case 'gateway':
      return { kind: 'gateway', id: identity.gateway, site: identity.site, theatre: identity.theatre };
    case 'uplink':
    case 'operator':
    case 'observer':
      return { kind: identity.kind, id: identity.id, site: identity.site };
    case 'broker':
      return { kind: 'broker', id: identity.dnsNames[0]!, site: identity.site, dnsNames: [...identity.dnsNames], ipAddresses: [...(identity.ipAddresses ?? [])] };
  }
}

/** The identity a device's certificates are issued for. */
export function identityOfDevice(d: DeviceRecord): CertificateIdentity {
  switch (d.kind) {
    case 'gateway':
      return { kind: 'gateway', site: d.site, theatre: d.theatre!, gateway: d.id };
    case 'broker':
      return { kind: 'broker', site: d.site, dnsNames: d.dnsNames ?? [d.id], ipAddresses: d.ipAddresses ?? [] };
    default:
      return { kind: d.kind, site: d.site, id: d.id };
  }
}
