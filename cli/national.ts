// `implant-scan national`: the reference national service (ingest for uplinks, registry API) on a
// SQLite file, until SIGINT/SIGTERM. Once listening it prints one line on stdout:
//   ready {"nationalUrl":"http://127.0.0.1:8080","registryUrl":"http://127.0.0.1:8080","tls":false,…}
// Logs are pino JSON on stderr.
//   implant-scan national --port 0 --demo-site sahlgrenska     # demo credentials in the ready line
//   implant-scan national --host 0.0.0.0 --db /var/lib/national.sqlite --registries r.json \
//       --uplinks u.json --tls-cert s.pem --tls-key s.key --tls-ca uplinks-ca.pem
//   implant-scan national --new-credential kataraktregistret     # a token and its hash, then exit

import { readFile } from 'node:fs/promises';
import type { PeerCertificate } from 'node:tls';
import pino from 'pino';
import { z } from 'zod';
import { isValidId } from '../protocol/topics.ts';
import { CREDENTIAL_ID, newCredential } from '../national/auth/credentials.ts';
import type { RegistryCredential } from '../national/auth/registry-auth.ts';
import { bearerUplinkAuthenticator, certificateUplinkAuthenticator, firstUplinkAuthenticator, type UplinkCredential } from '../national/auth/uplink-auth.ts';
import { identityFromPeerCertificate } from '../provisioning/subject.ts';
import { createNationalService } from '../national/service.ts';
import { catalogueSource, loadCatalogueFile, sampleCatalogue } from '../national/sources/catalogue.ts';
import { httpJsonSource } from '../national/sources/http-source.ts';
import type { MetadataSource } from '../national/sources/types.ts';
import { commandLine, isLoopback, readListenerTls, untilStopped } from './args.ts';

const HELP = `usage: implant-scan national [--host ADDR] [--port N] [--db FILE] [options]
       implant-scan national --new-credential ID

Runs the national service until SIGINT or SIGTERM: POST /v1/scans for hospital uplinks,
GET /v1/orders/{code} and GET /v1/access-log for registries (protocol/national-api.yaml).
Once listening it prints
  ready {"nationalUrl","registryUrl","tls",["registryToken","uplinkTokens"]}
on stdout; logs go to stderr as JSON.

  --host ADDR          address to listen on (default 127.0.0.1)
  --port N             port (default 8080, or 8443 with TLS); 0 picks a free one
  --db FILE            SQLite database (default ./national.sqlite)
  --catalogue FILE     product catalogue JSON (default: the bundled, fictional sample catalogue)
  --no-catalogue       no local catalogue
  --sources FILE       JSON list of HTTP product-data sources, asked after the catalogue:
                       [{"name","urlTemplate","fields":{"name",…},"headers"?,"timeoutMs"?,…}]
  --registries FILE    JSON list of registry credentials: [{"id","tokenSha256","revoked"?}]
  --uplinks FILE       JSON list of uplink bearer credentials: [{"id","site","tokenSha256"}]
  --demo-site SITE     (repeatable) make an uplink token for SITE and a registry token
                       ("demo-registry") and print them in the ready line; loopback only
  --new-credential ID  print {"id","token","tokenSha256"} for a credentials file, then exit
  --tls-cert FILE      the service's certificate chain (PEM); with --tls-key, serves HTTPS
  --tls-key FILE       the service's private key (PEM)
  --tls-ca FILE        ask clients for a certificate chaining to this CA (mutual TLS for uplinks)
  --tls-crl FILE       revoked client certificates (PEM)
  --gs-substitute CHAR a character the site's scanners send for FNC1 besides GS (repeatable)
  --log-level LEVEL    fatal, error, warn, info (default), debug, trace, silent
`;

export interface NationalCliIo {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  /** Aborted on SIGINT/SIGTERM: the service closes and the command returns 0. */
  signal: AbortSignal;
}

export function run(argv: string[]): Promise<number> {
  return untilStopped((signal) => runNational(argv, { stdout: process.stdout, stderr: process.stderr, signal }));
}

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

const sha256 = z.string().regex(/^[0-9a-f]{64}$/, 'must be 64 lowercase hex digits');
const credentialId = z.string().regex(CREDENTIAL_ID, `must match ${CREDENTIAL_ID.source}`);
const registriesFile = z.array(z.object({ id: credentialId, tokenSha256: sha256, revoked: z.boolean().optional() }).strict());
const uplinksFile = z.array(z.object({ id: credentialId, site: z.string().refine(isValidId, 'must match [A-Za-z0-9_-]{1,64}'), tokenSha256: sha256 }).strict());
const sourcesFile = z.array(
  z
    .object({
      name: z.string(),
      urlTemplate: z.string(),
      headers: z.record(z.string(), z.string()).optional(),
      fields: z.object({ name: z.string(), manufacturer: z.string().optional(), modelName: z.string().optional(), modelNumber: z.string().optional(), deviceClass: z.string().optional(), deviceType: z.string().optional() }).strict(),
      timeoutMs: z.number().int().positive().optional(),
      attempts: z.number().int().min(1).max(10).optional(),
      retryBaseMs: z.number().int().nonnegative().optional(),
      retryMaxMs: z.number().int().nonnegative().optional(),
      cacheTtlMs: z.number().int().nonnegative().optional(),
      notFoundTtlMs: z.number().int().nonnegative().optional(),
      cacheSize: z.number().int().positive().optional(),
      breakerThreshold: z.number().int().positive().optional(),
      breakerCooldownMs: z.number().int().positive().optional(),
      maxResponseBytes: z.number().int().positive().optional(),
    })
    .strict(),
);

async function readJson<T>(path: string, schema: z.ZodType<T>, what: string): Promise<T> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    throw new Error(`cannot read ${what} ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    throw new Error(`${what} ${path} is not JSON`);
  }
  const r = schema.safeParse(doc);
  if (!r.success) {
    const issue = r.error.issues[0];
    throw new Error(`${what} ${path}: ${issue ? `${issue.path.join('.') || '(top)'}: ${issue.message}` : 'invalid'}`);
  }
  return r.data;
}

export async function runNational(argv: string[], io: NationalCliIo): Promise<number> {
  const fail = (message: string, code = 2): number => {
    io.stderr.write(`implant-scan national: ${message}\n`);
    return code;
  };
  const args = commandLine(
    'national',
    argv,
    {
      host: { type: 'string' },
      port: { type: 'string' },
      db: { type: 'string' },
      catalogue: { type: 'string' },
      'no-catalogue': { type: 'boolean' },
      sources: { type: 'string' },
      registries: { type: 'string' },
      uplinks: { type: 'string' },
      'demo-site': { type: 'string', multiple: true },
      'new-credential': { type: 'string' },
      'tls-cert': { type: 'string' },
      'tls-key': { type: 'string' },
      'tls-ca': { type: 'string' },
      'tls-crl': { type: 'string' },
      'gs-substitute': { type: 'string', multiple: true },
      'log-level': { type: 'string' },
    },
    HELP,
    io,
  );
  if ('exit' in args) return args.exit;
  const { values } = args;
  if (values['new-credential'] !== undefined) {
    const id = values['new-credential'];
    if (!CREDENTIAL_ID.test(id)) return fail(`--new-credential takes an id matching ${CREDENTIAL_ID.source}`);
    io.stdout.write(`${JSON.stringify({ id, ...newCredential(id) })}\n`);
    return 0;
  }

  const host = values.host ?? '127.0.0.1';
  const tlsOn = values['tls-cert'] !== undefined;
  let port = tlsOn ? 8443 : 8080;
  if (values.port !== undefined) {
    port = Number(values.port);
    if (!/^[0-9]{1,5}$/.test(values.port) || port > 65535) return fail(`--port takes 0 … 65535, not "${values.port}"`);
  }
  const level = values['log-level'] ?? 'info';
  if (!(LOG_LEVELS as readonly string[]).includes(level)) return fail(`--log-level takes one of ${LOG_LEVELS.join(', ')}`);
  if ((values['tls-cert'] === undefined) !== (values['tls-key'] === undefined)) return fail('--tls-cert and --tls-key go together');
  if (!tlsOn && (values['tls-ca'] !== undefined || values['tls-crl'] !== undefined)) return fail('--tls-ca and --tls-crl need --tls-cert and --tls-key');
  if (values.catalogue !== undefined && values['no-catalogue']) return fail('--catalogue and --no-catalogue exclude each other');
  const demoSites = values['demo-site'] ?? [];
  const badSite = demoSites.find((s) => !isValidId(s));
  if (badSite !== undefined) return fail(`--demo-site takes an id matching [A-Za-z0-9_-]{1,64}, not "${badSite}"`);
  if (demoSites.length > 0 && !isLoopback(host)) return fail(`refusing demo credentials on ${host}: use --registries and --uplinks, or listen on 127.0.0.1`);
  const gsSubstitutes = values['gs-substitute'] ?? [];
  if (gsSubstitutes.some((s) => s.length !== 1)) return fail('--gs-substitute takes one character');

  const logger = pino({ level, base: { component: 'national' } }, io.stderr);
  try {
    const registries: RegistryCredential[] = values.registries ? await readJson(values.registries, registriesFile, 'registries file') : [];
    const uplinks: UplinkCredential[] = values.uplinks ? await readJson(values.uplinks, uplinksFile, 'uplinks file') : [];
    const sources: MetadataSource[] = [];
    if (!values['no-catalogue']) {
      sources.push(values.catalogue ? catalogueSource(await loadCatalogueFile(values.catalogue), 'catalogue') : catalogueSource(sampleCatalogue, 'sample-catalogue'));
    }
    if (values.sources) for (const s of await readJson(values.sources, sourcesFile, 'sources file')) sources.push(httpJsonSource(s));

    const demo: { registryToken?: string; uplinkTokens?: Record<string, string> } = {};
    if (demoSites.length > 0) {
      const registry = newCredential('demo-registry');
      registries.push({ id: 'demo-registry', tokenSha256: registry.tokenSha256 });
      demo.registryToken = registry.token;
      demo.uplinkTokens = {};
      for (const site of new Set(demoSites)) {
        const id = `demo-uplink-${site.toLowerCase().replace(/[^a-z0-9-]/g, '-')}`.slice(0, 64);
        const c = newCredential(id);
        uplinks.push({ id, site, tokenSha256: c.tokenSha256 });
        demo.uplinkTokens[site] = c.token;
      }
    }
    if (registries.length === 0 && uplinks.length === 0 && values['tls-ca'] === undefined) {
      logger.warn('no registry or uplink credentials: every request will be refused (see --registries, --uplinks, --demo-site)');
    }

    const tls = await readListenerTls(values);

    const svc = await createNationalService({
      db: values.db ?? './national.sqlite',
      sources,
      registries,
      // With --tls-ca an uplink is its client certificate (as `implant-scan provision` issues it);
      // a bearer token from --uplinks also still works.
      authenticateUplink: tls?.ca
        ? firstUplinkAuthenticator(certificateUplinkAuthenticator(uplinkOfCertificate), bearerUplinkAuthenticator(uplinks))
        : bearerUplinkAuthenticator(uplinks),
      host,
      port,
      logger,
      gsSubstitutes,
      ...(tls === undefined ? {} : { tls }),
    });
    io.stdout.write(`ready ${JSON.stringify({ nationalUrl: svc.url, registryUrl: svc.url, tls: tls !== undefined, ...demo })}\n`);
    if (!io.signal.aborted) await new Promise((resolve) => io.signal.addEventListener('abort', resolve, { once: true }));
    await svc.close();
    return 0;
  } catch (e) {
    return fail((e as Error).message, 1);
  }
}

/** An uplink's certificate (O = site, OU = uplink, CN = id); any other kind is no uplink. */
function uplinkOfCertificate(certificate: PeerCertificate): { site: string; id: string } | null {
  const identity = identityFromPeerCertificate(certificate);
  return identity?.kind === 'uplink' ? { site: identity.site, id: identity.id } : null;
}
