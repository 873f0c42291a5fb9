// A hospital's fleet, from one CSV of theatres to everything each device needs, incrementally:
// a device already in the ledger keeps its key, certificate and bundle; only new rows are issued.
//   readFleetCsv('theatre,gateway\nor-7,gw-or7\n')  → [{ theatre: 'or-7', gateway: 'gw-or7' }]
//   await provisionFleet({ ca, ledger, site: 'sahlgrenska', theatres, broker: { url, dnsNames }, uplinks: ['uplink-sahlgrenska'], out })
//     → { issued: [{ kind: 'gateway', id: 'gw-or7', serialHex }], kept: ['gw-or1', …] }
//   out/gateways/gw-or7/{gateway.json, ca.pem, gateway.pem, gateway.key}   → /etc/implant-scan/ on that gateway
//   out/broker/{mosquitto.conf, acl, ca.pem, broker.pem, broker.key, crl.pem} → /etc/mosquitto/implant-scan/ (persistence: /var/lib/implant-scan-mosquitto/)
//   out/uplinks/uplink-sahlgrenska/{ca.pem, uplink.pem, uplink.key, uplink.env} → /etc/implant-scan/ on the uplink host
//   out/observers/<id>/{ca.pem, observer.pem, observer.key}   read-only watching (mosquitto_sub)
// The ACL and the CRL are written from the whole ledger (broker-policy.ts), so a revocation is
// never undone. Each certificate is in the ledger before its bundle is written: a serial is never lost.
// Each gateway.json passes the daemon's own schema (gateway/config.ts) before it is written.
// Keys are written 0600. A key made here leaves this machine with its bundle: for a key that never
// leaves its device, run `implant-scan provision csr` there and `provision sign` here instead.

import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseConfig, type GatewayConfigInput } from '../gateway/config.ts';
import { issueCrl, writeAcl } from './broker-policy.ts';
import { deviceOf, Ledger, type DeviceKind } from './ledger.ts';
import { mosquittoConf } from './mosquitto.ts';
import { issueCertificate, type CertificateIdentity, type LoadedCa } from './pki.ts';
import { checkId, ProvisioningError } from './subject.ts';
import { x509 } from '../protocol/x509.ts';

export interface Theatre {
  theatre: string;
  gateway: string;
}

export interface FleetOptions {
  ca: LoadedCa;
  /** Read and written: the fleet's record (ledger.ts). Default: out/ledger.json (the CLI keeps it beside the CA key). */
  ledger?: Ledger;
  site: string;
  theatres: readonly Theatre[];
  broker: { url: string; port?: number; bindAddress?: string; dnsNames: readonly string[]; ipAddresses?: readonly string[] };
  uplinks: readonly string[];
  operators?: readonly string[];
  observers?: readonly string[];
  /** The national service's URL, for the uplink's uplink.env. */
  nationalUrl?: string;
  out: string;
  /** Where each bundle will be installed on its device (the paths written into the configs). */
  gatewayEtc?: string;
  brokerEtc?: string;
  uplinkEtc?: string;
  validDays?: number;
  crlDays?: number;
  now?: Date;
}

export interface IssuedRecord {
  serialHex: string;
  kind: DeviceKind;
  id: string;
}

/** `theatre,gateway` per line, a header line optional, `#` comments; each id checked. */
export function readFleetCsv(text: string): Theatre[] {
  const rows: Theatre[] = [];
  const seen = new Set<string>();
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || /^theatre\s*,\s*gateway$/i.test(line)) return;
    const cells = line.split(',').map((c) => c.trim());
    if (cells.length !== 2) throw new ProvisioningError(`fleet line ${i + 1}: expected "theatre,gateway", got ${cells.length} field(s)`);
    const theatre = checkId(cells[0], `fleet line ${i + 1}: theatre`);
    const gateway = checkId(cells[1], `fleet line ${i + 1}: gateway`);
    if (seen.has(gateway)) throw new ProvisioningError(`fleet line ${i + 1}: gateway ${gateway} is listed twice`);
    seen.add(gateway);
    rows.push({ theatre, gateway });
  });
  if (rows.length === 0) throw new ProvisioningError('the fleet file lists no theatre');
  return rows;
}

/** Writes a bundle's files; keys 0600, everything else 0644. */
export async function writeBundle(dir: string, files: Record<string, string>): Promise<void> {
  await mkdir(dir, { recursive: true, mode: 0o750 });
  for (const [name, text] of Object.entries(files)) await writeFile(join(dir, name), text, { mode: name.endsWith('.key') ? 0o600 : 0o644 });
}

/** The bundle folder of a device, under the fleet's output. */
export function bundleDir(out: string, kind: DeviceKind, id: string): string {
  return kind === 'broker' ? join(out, 'broker') : join(out, `${kind}s`, id);
}

/** A new certificate (and key) for the identity, in the ledger (saved) before anything else is written. */
export async function issueRecorded(ca: LoadedCa, ledger: Ledger, identity: CertificateIdentity, o: { validDays: number; now: Date }): Promise<{ certPem: string; keyPem: string; serialHex: string }> {
  const made = await issueCertificate(ca, identity, { validDays: o.validDays, now: o.now });
  const cert = new x509.X509Certificate(made.certPem);
  ledger.recordCertificate({ serialHex: made.serialHex, id: deviceOf(identity).id, issuedAt: o.now, notAfter: cert.notAfter });
  await ledger.save();
  return made;
}

/** The gateway's config, checked by the daemon's own schema: refused here, not on the device. */
export function gatewayConfig(t: Theatre & { site: string }, brokerUrl: string, etc = '/etc/implant-scan'): string {
  const input: GatewayConfigInput = {
    site: t.site,
    theatre: t.theatre,
    gateway: t.gateway,
    broker: { url: brokerUrl, tls: { ca: join(etc, 'ca.pem'), cert: join(etc, 'gateway.pem'), key: join(etc, 'gateway.key') } },
  };
  parseConfig(input, `gateway ${t.gateway}`);
  return `${JSON.stringify(input, null, 2)}\n`;
}

/** What `implant-scan-uplink.service` reads (packaging/systemd): the flags `implant-scan uplink` takes. */
export function uplinkEnv(o: { site: string; brokerUrl: string; nationalUrl?: string; id: string; etc?: string }): string {
  const etc = o.etc ?? '/etc/implant-scan';
  return [
    `# implant-scan uplink ${o.id}: copy to ${etc}/uplink.env with ca.pem, uplink.pem and uplink.key (see implant-scan uplink --help).`,
    `SITE=${o.site}`,
    `BROKER=${o.brokerUrl}`,
    o.nationalUrl ? `NATIONAL=${o.nationalUrl}` : '# the national service, e.g. https://national.example/ (the service will not start without it)\nNATIONAL=',
    `UPLINK_OPTS=--tls-ca ${join(etc, 'ca.pem')} --tls-cert ${join(etc, 'uplink.pem')} --tls-key ${join(etc, 'uplink.key')}`,
    '',
  ].join('\n');
}

export async function provisionFleet(o: FleetOptions): Promise<{ issued: IssuedRecord[]; kept: string[] }> {
  const site = checkId(o.site, 'site');
  const validDays = o.validDays ?? 825;
  const now = o.now ?? new Date();
  const gatewayEtc = o.gatewayEtc ?? '/etc/implant-scan';
  const brokerEtc = o.brokerEtc ?? '/etc/mosquitto/implant-scan';
  const { ca } = o;
  const ledger = o.ledger ?? (await Ledger.load(o.out));
  const issued: IssuedRecord[] = [];
  const kept: string[] = [];

  /** Issues for a device new to the ledger; one it already has is kept as it is. */
  const add = async (identity: CertificateIdentity, files: (made: { certPem: string; keyPem: string }) => Record<string, string>): Promise<void> => {
    const device = deviceOf(identity);
    const known = ledger.device(device.id);
    if (known) {
      if (known.retiredAt !== undefined) throw new ProvisioningError(`${device.id} was retired on ${known.retiredAt.slice(0, 10)}: give the new device a new id`);
      if (known.kind !== device.kind || known.theatre !== device.theatre) throw new ProvisioningError(`${device.id} is already a ${known.kind}${known.theatre ? ` of theatre ${known.theatre}` : ''}: ids are unique on a site`);
      kept.push(device.id);
      return;
    }
    const dir = bundleDir(o.out, device.kind, device.id);
    if (device.kind !== 'broker' && existsSync(dir)) throw new ProvisioningError(`${dir} exists but ${device.id} is not in the ledger: move it away (or give the CA's ledger) before provisioning it again`);
    ledger.addDevice({ ...device, keyOrigin: 'ca' });
    const made = await issueRecorded(ca, ledger, identity, { validDays, now });
    await writeBundle(dir, files(made));
    issued.push({ serialHex: made.serialHex, kind: device.kind, id: device.id });
  };

  for (const t of o.theatres) {
    const config = gatewayConfig({ ...t, site }, o.broker.url, gatewayEtc);
    await add({ kind: 'gateway', site, theatre: t.theatre, gateway: t.gateway }, (m) => ({ 'gateway.json': config, 'ca.pem': ca.certPem, 'gateway.pem': m.certPem, 'gateway.key': m.keyPem }));
  }
  for (const id of o.uplinks) {
    const env = uplinkEnv({ site, brokerUrl: o.broker.url, id, ...(o.nationalUrl ? { nationalUrl: o.nationalUrl } : {}), ...(o.uplinkEtc ? { etc: o.uplinkEtc } : {}) });
    await add({ kind: 'uplink', site, id: checkId(id, 'uplink id') }, (m) => ({ 'ca.pem': ca.certPem, 'uplink.pem': m.certPem, 'uplink.key': m.keyPem, 'uplink.env': env }));
  }
  for (const [kind, ids] of [['operator', o.operators ?? []], ['observer', o.observers ?? []]] as const) {
    for (const id of ids) await add({ kind, site, id: checkId(id, `${kind} id`) }, (m) => ({ 'ca.pem': ca.certPem, [`${kind}.pem`]: m.certPem, [`${kind}.key`]: m.keyPem }));
  }
  const brokerIdentity = { kind: 'broker' as const, site, dnsNames: o.broker.dnsNames, ...(o.broker.ipAddresses ? { ipAddresses: o.broker.ipAddresses } : {}) };
  if (!ledger.broker()) await add(brokerIdentity, (m) => ({ 'broker.pem': m.certPem, 'broker.key': m.keyPem }));
  else kept.push(ledger.broker()!.id);

  const brokerOut = join(o.out, 'broker');
  const port = o.broker.port ?? (Number(new URL(o.broker.url).port) || 8883);
  await writeBundle(brokerOut, {
    'mosquitto.conf': mosquittoConf({
      port,
      ...(o.broker.bindAddress ? { bindAddress: o.broker.bindAddress } : {}),
      tls: { caFile: join(brokerEtc, 'ca.pem'), certFile: join(brokerEtc, 'broker.pem'), keyFile: join(brokerEtc, 'broker.key'), crlFile: join(brokerEtc, 'crl.pem') },
      aclFile: join(brokerEtc, 'acl'),
      // Its own state directory, not the stock mosquitto service's database.
      persistenceDir: '/var/lib/implant-scan-mosquitto/',
    }),
    'ca.pem': ca.certPem,
  });
  await writeAcl(ledger, [join(brokerOut, 'acl')]);
  await issueCrl(ca, ledger, { now, ...(o.crlDays ? { nextUpdateDays: o.crlDays } : {}), targets: [join(brokerOut, 'crl.pem')] });
  return { issued, kept };
}
