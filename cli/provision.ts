// `implant-scan provision <step>`: hospital IT's tool for the site PKI and the fleet's bundles.
//   implant-scan provision ca --site sahlgrenska --out /root/implant-ca
//   implant-scan provision fleet --ca /root/implant-ca --site sahlgrenska --fleet theatres.csv \
//     --broker-url mqtts://broker.sahlgrenska.local:8883 --broker-dns broker.sahlgrenska.local \
//     --uplink uplink-sahlgrenska --out ./bundles
//   implant-scan provision revoke --ca /root/implant-ca --bundles ./bundles --id gw-or7
//   implant-scan provision csr --site sahlgrenska --theatre or-7 --gateway gw-or7 --out /etc/implant-scan   (on the gateway)
//   implant-scan provision sign --ca /root/implant-ca --csr gateway.csr --site … --theatre … --gateway … --out gateway.pem

import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { provisionFleet, readFleetCsv, type SerialRecord } from '../provisioning/fleet.ts';
import { createCrl, createKeyAndCsr, createSiteCa, importCa, issueFromCsr } from '../provisioning/pki.ts';
import { commandLine } from './args.ts';

const HELP = `usage: implant-scan provision <step> [options]

Hospital IT, step by step (each step prints what it wrote):
  1. ca      --site SITE --out DIR [--days 3650]
             a site CA: DIR/ca.pem and DIR/ca.key (0600; keep it offline). A hospital CA (for
             example SITHS-style machine certificates) is used instead by putting its ca.pem and
             ca.key (PKCS#8, SEC1 or PKCS#1; ECDSA or RSA ≥ 2048) in DIR.
  2. fleet   --ca DIR --site SITE --fleet theatres.csv --broker-url URL --broker-dns NAME
             [--broker-ip IP] --uplink ID [--operator ID] --out BUNDLES [--days 825]
             theatres.csv holds "theatre,gateway" lines. Writes BUNDLES/gateways/<gateway>/ (copy
             to /etc/implant-scan/ on that gateway), BUNDLES/broker/ (copy to
             /etc/mosquitto/implant-scan/ and run mosquitto -c /etc/mosquitto/implant-scan/mosquitto.conf),
             BUNDLES/uplinks/<id>/ and serials.json.
  3. revoke  --ca DIR --bundles BUNDLES --id GATEWAY_OR_UPLINK_ID
             adds the device's certificate to DIR/revoked.json and rewrites BUNDLES/broker/crl.pem:
             copy it to the broker and restart Mosquitto; that device can no longer connect.
  A key that must never leave its gateway: run "csr" on the gateway and "sign" at the CA:
     csr     --site SITE --theatre T --gateway G --out DIR      (DIR/gateway.key, DIR/gateway.csr)
     sign    --ca DIR --csr FILE --site SITE --theatre T --gateway G --out FILE.pem [--days 825]
Registry credentials for the national service: implant-scan national --new-credential ID.
`;

const OPTIONS = {
  site: { type: 'string' },
  out: { type: 'string' },
  days: { type: 'string' },
  ca: { type: 'string' },
  fleet: { type: 'string' },
  'broker-url': { type: 'string' },
  'broker-dns': { type: 'string', multiple: true },
  'broker-ip': { type: 'string', multiple: true },
  uplink: { type: 'string', multiple: true },
  operator: { type: 'string', multiple: true },
  bundles: { type: 'string' },
  id: { type: 'string' },
  theatre: { type: 'string' },
  gateway: { type: 'string' },
  csr: { type: 'string' },
} as const;

class UsageError extends Error {}

export async function run(argv: string[]): Promise<number> {
  const [step, ...rest] = argv;
  const args = commandLine('provision', step === undefined || step.startsWith('-') ? argv : rest, OPTIONS, HELP);
  if ('exit' in args) return args.exit;
  const v = args.values;
  const need = (name: keyof typeof v): string => {
    const value = v[name];
    if (typeof value !== 'string' || value === '') throw new UsageError(`${step} needs --${name}`);
    return value;
  };
  const days = (fallback: number) => (v.days === undefined ? fallback : Number(v.days));
  const say = (line: string) => process.stdout.write(`${line}\n`);
  const loadCa = async () => importCa(await readFile(join(need('ca'), 'ca.pem'), 'utf8'), await readFile(join(need('ca'), 'ca.key'), 'utf8'));
  try {
    switch (step) {
      case 'ca': {
        const out = need('out');
        const ca = await createSiteCa({ site: need('site'), validDays: days(3650) });
        await mkdir(out, { recursive: true, mode: 0o700 });
        await writeFile(join(out, 'ca.pem'), ca.certPem);
        await writeFile(join(out, 'ca.key'), ca.keyPem, { mode: 0o600 });
        say(`wrote ${join(out, 'ca.pem')} and ${join(out, 'ca.key')} (keep the key offline)`);
        return 0;
      }
      case 'fleet': {
        const out = need('out');
        const dnsNames = v['broker-dns'] ?? [];
        if (dnsNames.length === 0) throw new UsageError('fleet needs --broker-dns (the name gateways use for the broker)');
        const { serials } = await provisionFleet({
          ca: await loadCa(),
          site: need('site'),
          theatres: readFleetCsv(await readFile(need('fleet'), 'utf8')),
          broker: { url: need('broker-url'), dnsNames, ...(v['broker-ip'] ? { ipAddresses: v['broker-ip'] } : {}) },
          uplinks: v.uplink ?? [],
          operators: v.operator ?? [],
          out,
          validDays: days(825),
        });
        for (const s of serials) say(`${s.kind} ${s.id}: certificate ${s.serialHex}`);
        say(`bundles in ${out}; serials in ${join(out, 'serials.json')}`);
        return 0;
      }
      case 'revoke': {
        const caDir = need('ca');
        const bundles = need('bundles');
        const id = need('id');
        const serials = JSON.parse(await readFile(join(bundles, 'serials.json'), 'utf8')) as SerialRecord[];
        const target = serials.find((s) => s.id === id && s.kind !== 'broker');
        if (!target) throw new UsageError(`no device ${id} in ${join(bundles, 'serials.json')}`);
        const listFile = join(caDir, 'revoked.json');
        const revoked = JSON.parse(await readFile(listFile, 'utf8').catch(() => '[]')) as { serialHex: string; revokedAt: string; id: string }[];
        if (!revoked.some((r) => r.serialHex === target.serialHex)) revoked.push({ serialHex: target.serialHex, revokedAt: new Date().toISOString(), id });
        await writeFile(listFile, `${JSON.stringify(revoked, null, 2)}\n`);
        const crl = await createCrl(await loadCa(), revoked.map((r) => ({ serialHex: r.serialHex, revokedAt: new Date(r.revokedAt) })), { nextUpdateDays: 30 });
        await writeFile(join(bundles, 'broker', 'crl.pem'), crl);
        say(`revoked ${id} (${target.serialHex}); ${revoked.length} revoked in all. Copy ${join(bundles, 'broker', 'crl.pem')} to the broker and restart Mosquitto.`);
        return 0;
      }
      case 'csr': {
        const out = need('out');
        const { keyPem, csrPem } = await createKeyAndCsr({ kind: 'gateway', site: need('site'), theatre: need('theatre'), gateway: need('gateway') });
        await mkdir(out, { recursive: true });
        await writeFile(join(out, 'gateway.key'), keyPem, { mode: 0o600 });
        await chmod(join(out, 'gateway.key'), 0o600);
        await writeFile(join(out, 'gateway.csr'), csrPem);
        say(`wrote ${join(out, 'gateway.key')} (stays here) and ${join(out, 'gateway.csr')} (take it to the CA)`);
        return 0;
      }
      case 'sign': {
        const identity = { kind: 'gateway' as const, site: need('site'), theatre: need('theatre'), gateway: need('gateway') };
        const { certPem, serialHex } = await issueFromCsr(await loadCa(), await readFile(need('csr'), 'utf8'), identity, { validDays: days(825) });
        await writeFile(need('out'), certPem);
        say(`wrote ${need('out')}: certificate ${serialHex} for ${identity.gateway}`);
        return 0;
      }
      default:
        throw new UsageError(step === undefined ? 'which step? (ca, fleet, revoke, csr, sign)' : `unknown step '${step}'`);
    }
  } catch (e) {
    process.stderr.write(`implant-scan provision: ${(e as Error).message}\n${e instanceof UsageError ? HELP : ''}`);
    return e instanceof UsageError ? 2 : 1;
  }
}
