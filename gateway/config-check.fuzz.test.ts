// fileProblems against whatever a CA, certificate or key file may hold (garbage, truncated or
// spliced PEM, a valid block among junk): it never throws, each problem is one line naming the
// field and its path, and no problem repeats the file's content.
//   FUZZ_RUNS=5000 npx vitest run gateway/config-check.fuzz     (default: a quick 200)
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createSiteCa, issueCertificate } from '../provisioning/pki.ts';
import { parseConfig } from './config.ts';
import { fileProblems } from './config-check.ts';

const RUNS = Math.min(Number(process.env.FUZZ_RUNS ?? 200), 100_000);
let dir: string;
let valid: { ca: string; cert: string; key: string };

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'implant-scan-check-fuzz-'));
  const ca = await createSiteCa({ site: 'sahlgrenska', validDays: 60 });
  const issued = await issueCertificate(ca, { kind: 'gateway', site: 'sahlgrenska', theatre: 'or-7', gateway: 'gw-or7' }, { validDays: 30 });
  valid = { ca: ca.certPem, cert: issued.certPem, key: issued.keyPem };
}, 60_000);
afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** File contents: random bytes, a valid PEM cut or spliced, or a valid block between junk. */
const content = (kind: 'ca' | 'cert' | 'key') =>
  fc.oneof(
    fc.uint8Array({ maxLength: 600 }).map((b) => Buffer.from(b)),
    fc.tuple(fc.nat(), fc.nat()).map(([a, b]) => Buffer.from(valid[kind].slice(Math.min(a, b) % valid[kind].length, Math.max(a, b) % valid[kind].length))),
    fc.tuple(fc.string({ maxLength: 80 }), fc.string({ maxLength: 80 })).map(([before, after]) => Buffer.from(`${before}\n${valid[kind]}\n${after}`)),
    fc.constant(Buffer.from(valid[kind])),
  );

it('never throws, and reports each problem on one line without the file content', async () => {
  const config = parseConfig({
    site: 's',
    theatre: 't',
    gateway: 'g',
    broker: { url: 'mqtts://127.0.0.1:1', tls: { ca: join(dir, 'ca.pem'), cert: join(dir, 'gateway.pem'), key: join(dir, 'gateway.key') } },
  });
  await fc.assert(
    fc.asyncProperty(content('ca'), content('cert'), content('key'), async (ca, cert, key) => {
      writeFileSync(join(dir, 'ca.pem'), ca);
      writeFileSync(join(dir, 'gateway.pem'), cert);
      writeFileSync(join(dir, 'gateway.key'), key);
      const problems = await fileProblems(config, { validity: true });
      for (const problem of problems) {
        expect(problem).toMatch(/^broker\.tls\.(ca|cert|key) \/\S+: [^\n]+$/);
        expect(problem.slice(problem.indexOf(': ') + 2)).not.toMatch(/BEGIN|[A-Za-z0-9+/]{40}/);
      }
      if (ca.equals(Buffer.from(valid.ca)) && cert.equals(Buffer.from(valid.cert)) && key.equals(Buffer.from(valid.key))) expect(problems).toEqual([]);
    }),
    { numRuns: RUNS },
  );
}, 600_000);
