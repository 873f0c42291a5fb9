// The whole chain, as `npm start` runs it, in a child process: a scan written to the demo's stdin
// goes through the simulated scanner's pseudo-terminal, the gateway, the aedes broker, the uplink
// and the national service; its order code appears on the station page, and the registry API
// answers it. A wristband personnummer goes nowhere.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildCli } from './built-cli.test-support.ts';

const ROOT = join(import.meta.dirname, '..');
// A product of the (fictional) sample catalogue the demo's national service uses.
const GTIN_SCAN = ']d201073999900010921729013110LOT-42\x1d21SER-7';

interface Ready {
  stationUrl: string;
  brokerUrl: string;
  registryUrl: string;
  registryToken: string;
  scannerDevice: string;
  dataDir: string;
}

let demo: ChildProcessWithoutNullStreams;
let ready: Ready;
let stderr = '';

beforeAll(async () => {
  demo = spawn(process.execPath, [await buildCli(), 'demo', '--log-level', 'info'], { cwd: ROOT });
  demo.stderr.on('data', (c: Buffer) => void (stderr += c.toString()));
  const lines = createInterface({ input: demo.stdout });
  ready = await new Promise<Ready>((resolve, reject) => {
    lines.once('line', (line) => (line.startsWith('ready ') ? resolve(JSON.parse(line.slice(6)) as Ready) : reject(new Error(`unexpected first line: ${line}`))));
    demo.once('exit', (code) => reject(new Error(`demo exited with ${code}:\n${stderr}`)));
  });
}, 60_000);

afterAll(async () => {
  if (demo && demo.exitCode === null) {
    const exited = new Promise((r) => demo.once('exit', r));
    demo.kill('SIGTERM');
    await exited;
  }
});

interface StationScan {
  scanId: string | null;
  status: string;
  orderCode: string | null;
  productName: string | null;
  reason: { code: string } | null;
  udi: { di: string; lot: string; serial: string } | null;
}

async function scans(): Promise<StationScan[]> {
  const res = await fetch(new URL('/api/scans', ready.stationUrl));
  expect(res.status).toBe(200);
  return (await res.json()) as StationScan[];
}

/** Polls the station page's API until `pick` finds something (a bounded wait, not a timing assertion). */
async function until<T>(pick: (s: StationScan[]) => T | undefined, what: string, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = pick(await scans());
    if (found !== undefined) return found;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; demo stderr:\n${stderr.slice(-4000)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('the demo chain, scanner to registry', () => {
  it('prints every URL in its ready line', () => {
    expect(ready).toMatchObject({ stationUrl: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+/), brokerUrl: expect.stringMatching(/^mqtt:\/\/127\.0\.0\.1:\d+/), registryUrl: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+/) });
    expect(ready.registryToken.length).toBeGreaterThanOrEqual(20);
  });

  it('a scan gets an order code on the station page, and the registry API answers it', async () => {
    demo.stdin.write(`${GTIN_SCAN}\n`);
    const scan = await until((s) => s.find((x) => x.udi?.serial === 'SER-7' && x.orderCode !== null), 'an order code');
    expect(scan).toMatchObject({ status: 'receipted', udi: { di: '07399990001092', lot: 'LOT-42' }, productName: expect.stringContaining('Höftstam') });

    const unauthorised = await fetch(new URL(`/v1/orders/${scan.orderCode}`, ready.registryUrl));
    expect(unauthorised.status).toBe(401);
    const res = await fetch(new URL(`/v1/orders/${scan.orderCode}`, ready.registryUrl), { headers: { authorization: `Bearer ${ready.registryToken}` } });
    expect(res.status).toBe(200);
    const body = JSON.stringify(await res.json());
    expect(body).toContain('07399990001092');
    expect(body).toContain('Exempel Ortopedi AB');
    expect(body).toContain('LOT-42');
    expect(body).toContain('SER-7');

    const fhir = await fetch(new URL(`/v1/orders/${scan.orderCode}`, ready.registryUrl), { headers: { authorization: `Bearer ${ready.registryToken}`, accept: 'application/fhir+json' } });
    expect(fhir.status).toBe(200);
    const bundle = (await fhir.json()) as { resourceType: string; entry: { resource: { resourceType: string; lotNumber?: string } }[] };
    expect(bundle.resourceType).toBe('Bundle');
    expect(bundle.entry[0]?.resource).toMatchObject({ resourceType: 'Device', lotNumber: 'LOT-42' });
  });

  it('refuses a wristband personnummer, and nothing of it is logged or stored anywhere', async () => {
    demo.stdin.write('19121212-1212\n');
    await until((s) => s.find((x) => x.status === 'refused' && x.reason?.code === 'personal-id'), 'the refusal');
    expect(stderr).not.toMatch(/1212121212|121212-1212/);
    const files: string[] = [];
    const walk = (dir: string) => {
      // Regular files only: the scanner's device links lead to a pseudo-terminal, whose read blocks.
      for (const e of readdirSync(dir, { withFileTypes: true })) {
        if (e.isDirectory()) walk(join(dir, e.name));
        else if (e.isFile()) files.push(join(dir, e.name));
      }
    };
    walk(ready.dataDir);
    expect(files.length).toBeGreaterThan(0);
    for (const f of files) expect(readFileSync(f).toString('latin1'), f).not.toMatch(/121212-?1212/);
  });
});
