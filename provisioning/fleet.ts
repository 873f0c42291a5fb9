// A hospital's fleet, from one CSV of theatres to everything each device needs:
//   readFleetCsv('theatre,gateway\nor-7,gw-or7\n')  → [{ theatre: 'or-7', gateway: 'gw-or7' }]
//   await provisionFleet({ ca, site: 'sahlgrenska', theatres, broker: { url, dnsNames }, uplinks: ['uplink-sahlgrenska'], out })
//   out/gateways/gw-or7/{gateway.json, ca.pem, gateway.pem, gateway.key}   → /etc/implant-scan/ on that gateway
//   out/broker/{mosquitto.conf, acl, ca.pem, broker.pem, broker.key, crl.pem} → /etc/mosquitto/implant-scan/
//   out/uplinks/uplink-sahlgrenska/{ca.pem, uplink.pem, uplink.key}
//   out/serials.json: which serial belongs to which device (for revocation)
// Each gateway.json passes the daemon's own schema (gateway/config.ts) before it is written.
// Keys are written 0600. A key made here leaves this machine with its bundle: for a key that never
// leaves its device, run `implant-scan provision csr` there and `provision sign` here instead.

import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ClientIdentity } from '../gateway/broker/identity.ts';
import { parseConfig, type GatewayConfigInput } from '../gateway/config.ts';
import { mosquittoAcl, mosquittoConf } from './mosquitto.ts';
import { createCrl, issueCertificate, type LoadedCa } from './pki.ts';
import { checkId, ProvisioningError } from './subject.ts';

export interface Theatre {
  theatre: string;
  gateway: string;
}

export interface FleetOptions {
  ca: LoadedCa;
  site: string;
  theatres: readonly Theatre[];
  broker: { url: string; port?: number; bindAddress?: string; dnsNames: readonly string[]; ipAddresses?: readonly string[] };
  uplinks: readonly string[];
  operators?: readonly string[];
  out: string;
  /** Where each bundle will be installed on its device (the paths written into the configs). */
  gatewayEtc?: string;
  brokerEtc?: string;
  validDays?: number;
}

export interface SerialRecord {
  serialHex: string;
  kind: string;
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

async function writeBundle(dir: string, files: Record<string, string>): Promise<void> {
  await mkdir(dir, { recursive: true, mode: 0o750 });
  for (const [name, text] of Object.entries(files)) await writeFile(join(dir, name), text, { mode: name.endsWith('.key') ? 0o600 : 0o644 });
}

export async function provisionFleet(o: FleetOptions): Promise<{ serials: SerialRecord[] }> {
  const site = checkId(o.site, 'site');
  const validDays = o.validDays ?? 825;
  const gatewayEtc = o.gatewayEtc ?? '/etc/implant-scan';
  const brokerEtc = o.brokerEtc ?? '/etc/mosquitto/implant-scan';
  const serials: SerialRecord[] = [];
  const identities: ClientIdentity[] = [];

  for (const t of o.theatres) {
    const identity = { kind: 'gateway' as const, site, theatre: t.theatre, gateway: t.gateway };
    const input: GatewayConfigInput = {
      site,
      theatre: t.theatre,
      gateway: t.gateway,
      broker: { url: o.broker.url, tls: { ca: join(gatewayEtc, 'ca.pem'), cert: join(gatewayEtc, 'gateway.pem'), key: join(gatewayEtc, 'gateway.key') } },
    };
    parseConfig(input, `gateway ${t.gateway}`); // the daemon's own schema: refuse now, not on the device
    const cert = await issueCertificate(o.ca, identity, { validDays });
    await writeBundle(join(o.out, 'gateways', t.gateway), { 'gateway.json': `${JSON.stringify(input, null, 2)}\n`, 'ca.pem': o.ca.certPem, 'gateway.pem': cert.certPem, 'gateway.key': cert.keyPem });
    serials.push({ serialHex: cert.serialHex, kind: 'gateway', id: t.gateway });
    identities.push(identity);
  }
  for (const [kind, ids] of [['uplink', o.uplinks], ['operator', o.operators ?? []]] as const) {
    for (const id of ids) {
      const identity = { kind, site, id: checkId(id, `${kind} id`) };
      const cert = await issueCertificate(o.ca, identity, { validDays });
      await writeBundle(join(o.out, `${kind}s`, id), { 'ca.pem': o.ca.certPem, [`${kind}.pem`]: cert.certPem, [`${kind}.key`]: cert.keyPem });
      serials.push({ serialHex: cert.serialHex, kind, id });
      identities.push(identity);
    }
  }

  const broker = await issueCertificate(o.ca, { kind: 'broker', site, dnsNames: o.broker.dnsNames, ...(o.broker.ipAddresses ? { ipAddresses: o.broker.ipAddresses } : {}) }, { validDays });
  serials.push({ serialHex: broker.serialHex, kind: 'broker', id: o.broker.dnsNames[0] ?? 'broker' });
  const port = o.broker.port ?? (Number(new URL(o.broker.url).port) || 8883);
  await writeBundle(join(o.out, 'broker'), {
    'mosquitto.conf': mosquittoConf({
      port,
      ...(o.broker.bindAddress ? { bindAddress: o.broker.bindAddress } : {}),
      tls: { caFile: join(brokerEtc, 'ca.pem'), certFile: join(brokerEtc, 'broker.pem'), keyFile: join(brokerEtc, 'broker.key'), crlFile: join(brokerEtc, 'crl.pem') },
      aclFile: join(brokerEtc, 'acl'),
      persistenceDir: '/var/lib/mosquitto/',
    }),
    acl: mosquittoAcl(identities),
    'ca.pem': o.ca.certPem,
    'broker.pem': broker.certPem,
    'broker.key': broker.keyPem,
    'crl.pem': await createCrl(o.ca, [], { nextUpdateDays: 30 }),
  });
  await writeFile(join(o.out, 'serials.json'), `${JSON.stringify(serials, null, 2)}\n`);
  return { serials };
}
