// `implant-scan provision <step>`: hospital IT's tool for the site PKI and the fleet's bundles.
// Every step that changes the fleet works on the CA directory's ledger (provisioning/ledger.ts),
// one step at a time (a lock), and writes the ACL and CRL from it. `provision <step> --help` is
// that step's own help. Exit codes: 0 done, 1 failed, 2 usage, 3 (status) something needs action.
//   implant-scan provision ca --site sahlgrenska --out /var/lib/implant-scan-ca
//   implant-scan provision fleet --ca /var/lib/implant-scan-ca --site sahlgrenska --fleet theatres.csv \
//     --broker-url mqtts://broker.sahlgrenska.local:8883 --broker-dns broker.sahlgrenska.local \
//     --uplink uplink-sahlgrenska --out ./bundles
//   implant-scan provision crl --ca /var/lib/implant-scan-ca --bundles ./bundles   (daily, by its timer)
//   implant-scan provision status --ca /var/lib/implant-scan-ca                    (exit 3: act now)
//   implant-scan provision renew --ca … --bundles … --all --within 30d
//   implant-scan provision revoke|retire --ca … --bundles … --id gw-or7
//   implant-scan provision csr … (on the gateway), then sign … (at the CA)

import { existsSync } from 'node:fs';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { withLock } from '../provisioning/atomic-file.ts';
import { DEFAULT_CRL_DAYS, issueCrl, writeAcl } from '../provisioning/broker-policy.ts';
import { provisionFleet, readFleetCsv } from '../provisioning/fleet.ts';
import { encryptPrivateKeyPem } from '../provisioning/keys.ts';
import { Ledger } from '../provisioning/ledger.ts';
import { createKeyAndCsr, createSiteCa, importCa, issueFromCsr, type LoadedCa } from '../provisioning/pki.ts';
import { DEFAULT_GRACE_DAYS, dueForRenewal, renewDevice } from '../provisioning/renew.ts';
import { DEFAULT_WARN_DAYS, fleetStatus } from '../provisioning/status.ts';
import { x509 } from '../protocol/x509.ts';
import { commandLine } from './args.ts';

/** Where a CA key's passphrase may come from: a file (--ca-passphrase-file) or this variable; never the command line. */
export const PASSPHRASE_ENV = 'IMPLANT_SCAN_CA_PASSPHRASE';

const CA_KEY_HELP = `  --ca-passphrase-file FILE   the CA key's passphrase (or the ${PASSPHRASE_ENV} environment
                              variable) when the key is encrypted; never on the command line`;
const RELOAD = 'copy it to the broker (/etc/mosquitto/implant-scan/) and reload Mosquitto (SIGHUP: systemctl reload)';
// A reload makes Mosquitto check new connections against the new CRL/ACL only: a revoked device
// already connected stays connected until Mosquitto restarts (persistence keeps everyone's session).
const RESTART = 'copy it to the broker (/etc/mosquitto/implant-scan/) and RESTART Mosquitto (systemctl restart implant-scan-mosquitto): a reload only refuses new connections, the restart also cuts the one the device has open; the other devices reconnect by themselves and keep their sessions';

/** The options of the steps that act on one recorded device (revoke, retire). */
const DEVICE_OPTIONS = { ca: { type: 'string' }, bundles: { type: 'string' }, id: { type: 'string' }, 'crl-out': { type: 'string', multiple: true }, 'ca-passphrase-file': { type: 'string' } } as const;

const STEPS = {
  ca: {
    summary: 'a site CA (or a hospital CA put in place)',
    usage: `usage: implant-scan provision ca --site SITE --out DIR [--days 3650] [--encrypt-key]

Writes DIR/ca.pem and DIR/ca.key (0600, DIR 0700). DIR is the CA directory every later step is
given with --ca; it also holds the ledger (ledger.json) of every device and certificate.
  --encrypt-key   store ca.key as encrypted PKCS#8 (AES-256); the passphrase comes from
                  --ca-passphrase-file or ${PASSPHRASE_ENV}, and every step that signs needs it
${CA_KEY_HELP}
A hospital CA (for example SITHS-style) is used instead by putting its ca.pem and ca.key (PKCS#8,
SEC1 or PKCS#1; ECDSA or RSA >= 2048; encrypted or not) in DIR.
`,
    options: { site: { type: 'string' }, out: { type: 'string' }, days: { type: 'string' }, 'encrypt-key': { type: 'boolean' }, 'ca-passphrase-file': { type: 'string' } },
  },
  fleet: {
    summary: 'bundles for the theatres, uplinks, operators and observers not yet provisioned',
    usage: `usage: implant-scan provision fleet --ca DIR --site SITE --fleet theatres.csv --broker-url URL
         --broker-dns NAME [--broker-ip IP] --uplink ID [--operator ID] [--observer ID]
         [--national URL] --out BUNDLES [--days 825] [--crl-days ${DEFAULT_CRL_DAYS}]

theatres.csv holds "theatre,gateway" lines. Only devices new to the ledger get a key and a
certificate; re-run it with more lines to add theatres: existing keys, certificates and
revocations are never touched. Writes BUNDLES/gateways/<gateway>/ (to /etc/implant-scan/ on that
gateway), BUNDLES/uplinks/<id>/ (with uplink.env), BUNDLES/observers/<id>/, and BUNDLES/broker/
(mosquitto.conf, acl, crl.pem, ca.pem, broker.pem, broker.key: to /etc/mosquitto/implant-scan/).
  --observer ID   a read-only identity (subscribe to the site's scans and states) for watching
                  with mosquitto_sub: its own client id, never the uplink's
  --national URL  the national service, written into uplink.env
${CA_KEY_HELP}
`,
    options: {
      ca: { type: 'string' },
      site: { type: 'string' },
      fleet: { type: 'string' },
      'broker-url': { type: 'string' },
      'broker-dns': { type: 'string', multiple: true },
      'broker-ip': { type: 'string', multiple: true },
      uplink: { type: 'string', multiple: true },
      operator: { type: 'string', multiple: true },
      observer: { type: 'string', multiple: true },
      national: { type: 'string' },
      out: { type: 'string' },
      days: { type: 'string' },
      'crl-days': { type: 'string' },
      'ca-passphrase-file': { type: 'string' },
    },
  },
  crl: {
    summary: 're-issue the CRL from the ledger (run daily by a timer)',
    usage: `usage: implant-scan provision crl --ca DIR [--bundles BUNDLES] [--crl-out FILE]... [--crl-days ${DEFAULT_CRL_DAYS}]

Issues a new CRL listing every revocation in the ledger, first revoking superseded certificates
whose grace period is over. The CRL is valid for --crl-days; Mosquitto refuses every device once
it has expired, so run this daily (the package's timer does) and ${RELOAD}.
Writes DIR/crl.pem, BUNDLES/broker/crl.pem (with --bundles) and each --crl-out FILE (for example
/etc/mosquitto/implant-scan/crl.pem when the CA and the broker share a host).
${CA_KEY_HELP}
`,
    options: { ca: { type: 'string' }, bundles: { type: 'string' }, 'crl-out': { type: 'string', multiple: true }, 'crl-days': { type: 'string' }, 'ca-passphrase-file': { type: 'string' } },
  },
  status: {
    summary: "every device, its certificate's end, the CRL's next update",
    usage: `usage: implant-scan provision status --ca DIR [--warn-days ${DEFAULT_WARN_DAYS}] [--crl FILE]... [--bundles BUNDLES]

Lists every device with its certificate's serial, end date and days left, the site CA's end, and
the CRL's next update (the last one issued, and each --crl FILE as deployed, for example
/etc/mosquitto/implant-scan/crl.pem). Exit 0: nothing to do. Exit 3: something needs action
within --warn-days (a certificate, the CA or a CRL ends, or has ended, or a superseded
certificate waits for "provision crl"); each is printed on stderr with the step that fixes it.
Needs no CA key.
`,
    options: { ca: { type: 'string' }, 'warn-days': { type: 'string' }, crl: { type: 'string', multiple: true }, bundles: { type: 'string' } },
  },
  renew: {
    summary: 'new certificates before the old ones end',
    usage: `usage: implant-scan provision renew --ca DIR --bundles BUNDLES (--id ID | --all --within 30d)
         [--days 825] [--grace ${DEFAULT_GRACE_DAYS}d] [--csr FILE --out FILE]

A device whose key the CA made gets a new key and certificate in its bundle (install both). The
old certificate is recorded as superseded: it stays valid for --grace, and the first "provision
crl" after that revokes it. A device that made its own key (csr/sign) renews from a new CSR:
--id ID --csr FILE --out FILE; --all lists such devices and leaves them for you.
${CA_KEY_HELP}
`,
    options: {
      ca: { type: 'string' },
      bundles: { type: 'string' },
      id: { type: 'string' },
      all: { type: 'boolean' },
      within: { type: 'string' },
      days: { type: 'string' },
      grace: { type: 'string' },
      csr: { type: 'string' },
      out: { type: 'string' },
      'ca-passphrase-file': { type: 'string' },
    },
  },
  revoke: {
    summary: "revoke a device's certificates (its ACL entry stays, for a renewal)",
    usage: `usage: implant-scan provision revoke --ca DIR --bundles BUNDLES --id ID [--crl-out FILE]...

Revokes every certificate of the device (a gateway, uplink, operator or observer id) and rewrites
BUNDLES/broker/crl.pem: ${RESTART}. From then on the device is refused ("certificate revoked"). "provision renew --id ID"
gives it a new certificate; "provision retire" removes it for good.
${CA_KEY_HELP}
`,
    options: DEVICE_OPTIONS,
  },
  retire: {
    summary: 'revoke a device and remove it from the ACL',
    usage: `usage: implant-scan provision retire --ca DIR --bundles BUNDLES --id ID [--crl-out FILE]...

Revokes every certificate of the device and removes its entry from BUNDLES/broker/acl; writes
the CRL too. Copy both to the broker and restart Mosquitto (systemctl restart
implant-scan-mosquitto; a reload would leave its open connection). Its id is never given out again.
${CA_KEY_HELP}
`,
    options: DEVICE_OPTIONS,
  },
  csr: {
    summary: 'on the gateway: a key that never leaves it, and its CSR',
    usage: `usage: implant-scan provision csr --site SITE --theatre T --gateway G --out DIR

Run on the gateway: writes DIR/gateway.key (0600, stays there) and DIR/gateway.csr (take it to
the CA and run "provision sign").
`,
    options: { site: { type: 'string' }, theatre: { type: 'string' }, gateway: { type: 'string' }, out: { type: 'string' } },
  },
  sign: {
    summary: "at the CA: certify a gateway's CSR, record it, add its ACL entry",
    usage: `usage: implant-scan provision sign --ca DIR --bundles BUNDLES --csr FILE --site SITE --theatre T
         --gateway G --out FILE.pem [--days 825] [--grace ${DEFAULT_GRACE_DAYS}d]

Certifies the CSR's key for that gateway (the CSR's subject must name it), records the
certificate in the ledger and writes the gateway's entry into BUNDLES/broker/acl (copy it to the
broker and reload Mosquitto). Signing again for the same gateway is a renewal: the earlier
certificate is superseded (revoked after --grace).
${CA_KEY_HELP}
`,
    options: {
      ca: { type: 'string' },
      bundles: { type: 'string' },
      csr: { type: 'string' },
      site: { type: 'string' },
      theatre: { type: 'string' },
      gateway: { type: 'string' },
      out: { type: 'string' },
      days: { type: 'string' },
      grace: { type: 'string' },
      'ca-passphrase-file': { type: 'string' },
    },
  },
} as const;

type Step = keyof typeof STEPS;

const HELP = `usage: implant-scan provision <step> [options]     (implant-scan provision <step> --help)

Hospital IT, on the CA host (see provisioning/README.md for the walk-through):
${Object.entries(STEPS)
  .map(([name, s]) => `  ${name.padEnd(7)} ${s.summary}`)
  .join('\n')}
Exit codes: 0 done, 1 failed, 2 usage, 3 (status) something needs action.
Registry credentials for the national service: implant-scan national --new-credential ID.
`;

class UsageError extends Error {}

function nextUpdateOf(pem: string, path: string): Date {
  const next = new x509.X509Crl(pem).nextUpdate;
  if (next === undefined) throw new Error(`${path} has no next update`);
  return next;
}

/** "30d", "30" → 30 (days). */
function parseDays(what: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const m = /^(\d+)d?$/.exec(value);
  if (!m || Number(m[1]) <= 0) throw new UsageError(`--${what} must be a number of days, like 30 or 30d (got ${JSON.stringify(value)})`);
  return Number(m[1]);
}

export interface ProvisionDeps {
  /** The PKI's clock (tests move it). */
  now?: () => Date;
}

export async function run(argv: string[], deps: ProvisionDeps = {}): Promise<number> {
  const [step, ...rest] = argv;
  if (step === undefined || step.startsWith('-') || !(step in STEPS)) {
    const args = commandLine('provision', argv, {}, HELP);
    if ('exit' in args) return args.exit;
    process.stderr.write(`implant-scan provision: ${step === undefined ? 'which step?' : `unknown step '${step}'`}\n${HELP}`);
    return 2;
  }
  const spec = STEPS[step as Step];
  const args = commandLine(`provision ${step}`, rest, spec.options, spec.usage);
  if ('exit' in args) return args.exit;
  const v = args.values as Record<string, string | string[] | boolean | undefined>;
  const now = deps.now ?? (() => new Date());
  const say = (line: string) => process.stdout.write(`${line}\n`);
  const need = (name: string): string => {
    const value = v[name];
    if (typeof value !== 'string' || value === '') throw new UsageError(`${step} needs --${name}`);
    return value;
  };
  const list = (name: string): string[] => (v[name] as string[] | undefined) ?? [];
  const passphrase = async (): Promise<string | undefined> => {
    const file = v['ca-passphrase-file'];
    if (typeof file === 'string') return (await readFile(file, 'utf8')).replace(/\r?\n$/, '');
    return process.env[PASSPHRASE_ENV] || undefined;
  };
  const loadCa = async (): Promise<LoadedCa> => {
    const dir = need('ca');
    const pass = await passphrase();
    return importCa(await readFile(join(dir, 'ca.pem'), 'utf8'), await readFile(join(dir, 'ca.key'), 'utf8'), { ...(pass ? { passphrase: pass } : {}), now: now() });
  };
  /** Under the CA directory's lock, with its ledger (migrated from serials.json/revoked.json the first time). */
  const withLedger = <T>(body: (ledger: Ledger) => Promise<T>): Promise<T> =>
    withLock(need('ca'), async () => body(await Ledger.load(need('ca'), typeof v.bundles === 'string' ? { bundles: v.bundles } : typeof v.out === 'string' && step === 'fleet' ? { bundles: v.out } : {})));
  const crlTargets = () => [join(need('ca'), 'crl.pem'), ...(typeof v.bundles === 'string' ? [join(v.bundles, 'broker', 'crl.pem')] : []), ...list('crl-out')];
  const writeCrl = async (ca: LoadedCa, ledger: Ledger, days = DEFAULT_CRL_DAYS) => {
    const crl = await issueCrl(ca, ledger, { now: now(), nextUpdateDays: days, targets: crlTargets() });
    for (const serial of crl.applied) say(`superseded certificate ${serial}: grace period over, now revoked`);
    say(`CRL: ${crl.revoked} revoked, next update ${crl.nextUpdate.toISOString()}; written to ${crlTargets().join(', ')}`);
  };

  try {
    switch (step as Step) {
      case 'ca': {
        const out = need('out');
        if (existsSync(join(out, 'ca.key'))) throw new Error(`${join(out, 'ca.key')} exists: a site has one CA (move it away yourself if you really mean to replace it)`);
        const made = await createSiteCa({ now: now(), site: need('site'), validDays: parseDays('days', v.days as string | undefined, 3650) });
        let keyPem = made.keyPem;
        if (v['encrypt-key'] === true) {
          const pass = await passphrase();
          if (!pass) throw new UsageError(`--encrypt-key needs the passphrase in --ca-passphrase-file or ${PASSPHRASE_ENV}`);
          keyPem = encryptPrivateKeyPem(keyPem, pass);
        }
        await mkdir(out, { recursive: true, mode: 0o700 });
        await chmod(out, 0o700);
        await writeFile(join(out, 'ca.pem'), made.certPem);
        await writeFile(join(out, 'ca.key'), keyPem, { mode: 0o600 });
        say(`wrote ${join(out, 'ca.pem')} and ${join(out, 'ca.key')}${v['encrypt-key'] ? ' (encrypted)' : ''}: keep ${out} on the CA host only`);
        return 0;
      }
      case 'fleet': {
        const out = need('out');
        const dnsNames = list('broker-dns');
        if (dnsNames.length === 0) throw new UsageError('fleet needs --broker-dns (the name gateways use for the broker)');
        const theatres = readFleetCsv(await readFile(need('fleet'), 'utf8'));
        const ca = await loadCa();
        const { issued, kept } = await withLedger((ledger) =>
          provisionFleet({
            ca,
            ledger,
            site: need('site'),
            theatres,
            broker: { url: need('broker-url'), dnsNames, ...(v['broker-ip'] ? { ipAddresses: list('broker-ip') } : {}) },
            uplinks: list('uplink'),
            operators: list('operator'),
            observers: list('observer'),
            ...(typeof v.national === 'string' ? { nationalUrl: v.national } : {}),
            out,
            validDays: parseDays('days', v.days as string | undefined, 825),
            crlDays: parseDays('crl-days', v['crl-days'] as string | undefined, DEFAULT_CRL_DAYS),
            now: now(),
          }),
        );
        for (const s of issued) say(`${s.kind} ${s.id}: new certificate ${s.serialHex}`);
        if (kept.length > 0) say(`already provisioned, unchanged: ${kept.join(', ')}`);
        say(`bundles in ${out}; the ledger is ${join(need('ca'), 'ledger.json')}. Copy ${join(out, 'broker')}/acl and crl.pem to the broker and reload Mosquitto.`);
        return 0;
      }
      case 'crl': {
        const ca = await loadCa();
        await withLedger((ledger) => writeCrl(ca, ledger, parseDays('crl-days', v['crl-days'] as string | undefined, DEFAULT_CRL_DAYS)));
        return 0;
      }
      case 'status': {
        const caCert = new x509.X509Certificate(await readFile(join(need('ca'), 'ca.pem'), 'utf8'));
        const crlFiles = await Promise.all(list('crl').map(async (path) => ({ path, nextUpdate: nextUpdateOf(await readFile(path, 'utf8'), path) })));
        const warnDays = parseDays('warn-days', v['warn-days'] as string | undefined, DEFAULT_WARN_DAYS);
        const report = await withLedger(async (ledger) => fleetStatus(ledger, { now: now(), warnDays, caNotAfter: caCert.notAfter, crlFiles }));
        say(`site CA: not after ${caCert.notAfter.toISOString().slice(0, 10)}`);
        say(['kind', 'id', 'theatre', 'state', 'not after', 'days', 'serial'].join('\t'));
        for (const r of report.rows) say([r.kind, r.id, r.theatre ?? '-', r.state, r.notAfter?.slice(0, 10) ?? '-', r.daysLeft ?? '-', r.serialHex ?? '-'].join('\t'));
        say(report.crl ? `CRL next update ${report.crl.nextUpdate} (${report.crl.daysLeft} days)` : 'CRL: none issued');
        for (const f of crlFiles) say(`${f.path}: next update ${f.nextUpdate.toISOString()}`);
        for (const p of report.problems) process.stderr.write(`needs action: ${p}\n`);
        return report.problems.length > 0 ? 3 : 0;
      }
      case 'renew': {
        const bundles = need('bundles');
        if ((v.id === undefined) === (v.all !== true)) throw new UsageError('renew needs --id ID or --all --within DAYS');
        const ca = await loadCa();
        const o = { out: bundles, now: now(), validDays: parseDays('days', v.days as string | undefined, 825), graceDays: parseDays('grace', v.grace as string | undefined, DEFAULT_GRACE_DAYS) };
        await withLedger(async (ledger) => {
          const ids = v.all === true ? dueForRenewal(ledger, o.now, parseDays('within', need('within'), 30)).map((d) => d.id) : [need('id')];
          if (ids.length === 0) say('nothing to renew');
          for (const id of ids) {
            const device = ledger.device(id);
            if (v.all === true && device?.keyOrigin === 'device') {
              say(`${id} made its own key: run "provision csr" on it, then renew --id ${id} --csr FILE --out FILE`);
              continue;
            }
            const csr = typeof v.csr === 'string' ? { csrPem: await readFile(v.csr, 'utf8'), certOut: need('out') } : {};
            const r = await renewDevice(ca, ledger, id, { ...o, ...csr });
            say(`${id}: new certificate ${r.serialHex}${r.superseded ? `; ${r.superseded} superseded, revoked after ${o.graceDays} days` : ''}; install ${r.files.join(', ')}`);
          }
        });
        return 0;
      }
      case 'revoke':
      case 'retire': {
        const bundles = need('bundles');
        const id = need('id');
        const ca = await loadCa();
        await withLedger(async (ledger) => {
          const serials = step === 'retire' ? ledger.retire(id, now()) : ledger.revoke(id, now());
          await ledger.save();
          say(`${step === 'retire' ? 'retired' : 'revoked'} ${id}: ${serials.length === 0 ? 'no certificate was still valid' : serials.join(', ')}`);
          if (step === 'retire') {
            await writeAcl(ledger, [join(bundles, 'broker', 'acl')]);
            say(`removed ${id} from ${join(bundles, 'broker', 'acl')}`);
          }
          await writeCrl(ca, ledger);
        });
        say(`Copy the CRL${step === 'retire' ? ' and the ACL' : ''} to the broker and restart Mosquitto (systemctl restart implant-scan-mosquitto): a reload does not cut a connection already open.`);
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
        const bundles = need('bundles');
        const identity = { kind: 'gateway' as const, site: need('site'), theatre: need('theatre'), gateway: need('gateway') };
        const csrPem = await readFile(need('csr'), 'utf8');
        const ca = await loadCa();
        const validDays = parseDays('days', v.days as string | undefined, 825);
        await withLedger(async (ledger) => {
          const known = ledger.device(identity.gateway);
          if (known && (known.keyOrigin !== 'device' || known.theatre !== identity.theatre)) {
            throw new Error(`${identity.gateway} is already in the ledger${known.keyOrigin === 'ca' ? ' with a key the CA made (renew it with provision renew)' : ` for theatre ${known.theatre}`}`);
          }
          if (known) {
            const r = await renewDevice(ca, ledger, identity.gateway, { out: bundles, now: now(), validDays, graceDays: parseDays('grace', v.grace as string | undefined, DEFAULT_GRACE_DAYS), csrPem, certOut: need('out') });
            say(`wrote ${need('out')}: certificate ${r.serialHex} for ${identity.gateway}${r.superseded ? `; ${r.superseded} superseded` : ''}`);
          } else {
            const made = await issueFromCsr(ca, csrPem, identity, { validDays, now: now() });
            ledger.addDevice({ kind: 'gateway', id: identity.gateway, site: identity.site, theatre: identity.theatre, keyOrigin: 'device' });
            ledger.recordCertificate({ serialHex: made.serialHex, id: identity.gateway, issuedAt: now(), notAfter: new x509.X509Certificate(made.certPem).notAfter });
            await ledger.save();
            await writeFile(need('out'), made.certPem);
            say(`wrote ${need('out')}: certificate ${made.serialHex} for ${identity.gateway}`);
          }
          await writeAcl(ledger, [join(bundles, 'broker', 'acl')]);
          say(`${identity.gateway} is in ${join(bundles, 'broker', 'acl')}: copy it to the broker and reload Mosquitto`);
        });
        return 0;
      }
    }
  } catch (e) {
    process.stderr.write(`implant-scan provision ${step}: ${(e as Error).message}\n${e instanceof UsageError ? spec.usage : ''}`);
    return e instanceof UsageError ? 2 : 1;
  }
}
