// The ledger's rules (revocation covers a certificate in its grace period, a due supersession is
// revoked as of its end, CRL numbers only grow), its file (atomic, one step at a time, a bad file
// refused by name), and the fleet CSV parser, each fuzzed at its boundary.
import { spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withLock, writeFileAtomic } from './atomic-file.ts';
import { readFleetCsv } from './fleet.ts';
import { Ledger, parseLedger } from './ledger.ts';
import { ProvisioningError } from './subject.ts';
import { isValidId } from '../protocol/topics.ts';

const DAY_MS = 86_400_000;
let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ledger-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function ledgerWithGateway(name: string): Promise<Ledger> {
  const ledger = await Ledger.load(join(dir, name));
  ledger.addDevice({ kind: 'gateway', id: 'gw-or7', site: 'sahlgrenska', theatre: 'or-7', keyOrigin: 'ca' });
  ledger.recordCertificate({ serialHex: '0a01', id: 'gw-or7', issuedAt: new Date(0), notAfter: new Date(100 * DAY_MS) });
  return ledger;
}

describe('the ledger', () => {
  it('a revocation also revokes a superseded certificate still in its grace period', async () => {
    const ledger = await ledgerWithGateway('grace');
    ledger.recordCertificate({ serialHex: '0a02', id: 'gw-or7', issuedAt: new Date(DAY_MS), notAfter: new Date(200 * DAY_MS) });
    ledger.supersede('0a01', new Date(DAY_MS), 14);
    expect(ledger.current('gw-or7')!.serialHex).toBe('0a02');
    expect(ledger.revoke('gw-or7', new Date(2 * DAY_MS)).sort()).toEqual(['0a01', '0a02']);
    expect(ledger.current('gw-or7')).toBeUndefined();
  });

  it('a due supersession is revoked as of the end of its grace, not before', async () => {
    const ledger = await ledgerWithGateway('due');
    ledger.supersede('0a01', new Date(DAY_MS), 14);
    expect(ledger.applyDueSupersessions(new Date(14 * DAY_MS))).toEqual([]);
    expect(ledger.applyDueSupersessions(new Date(15 * DAY_MS))).toEqual(['0a01']);
    expect(ledger.revocations()).toEqual([{ serialHex: '0a01', revokedAt: new Date(15 * DAY_MS) }]);
  });

  it('CRL numbers only grow, even when the clock goes back', async () => {
    const ledger = await ledgerWithGateway('numbers');
    const first = ledger.recordCrl(new Date(10 * DAY_MS), new Date(40 * DAY_MS));
    expect(ledger.recordCrl(new Date(DAY_MS), new Date(31 * DAY_MS))).toBe(first + 1);
  });

  it('is saved whole and read back; device ids are unique on a site', async () => {
    const ledger = await ledgerWithGateway('saved');
    await ledger.save();
    expect((await Ledger.load(join(dir, 'saved'))).certificates).toEqual(ledger.certificates);
    expect((await stat(ledger.path)).mode & 0o777).toBe(0o600);
    expect(await readdir(join(dir, 'saved'))).toEqual(['ledger.json']);
    expect(() => ledger.addDevice({ kind: 'uplink', id: 'gw-or7', site: 'sahlgrenska', keyOrigin: 'ca' })).toThrow(/already in the ledger/);
  });

  it('refuses any file that is not a ledger, by name; reads a well-formed one (fuzzed)', () => {
    const device = fc.record({ kind: fc.constantFrom('gateway', 'uplink'), id: fc.stringMatching(/^[a-z0-9-]{1,8}$/), site: fc.constant('s'), keyOrigin: fc.constant('ca') });
    const cert = fc.record({ serialHex: fc.stringMatching(/^[0-9a-f]{2,8}$/), id: fc.string({ maxLength: 4 }), issuedAt: fc.constant('2026-01-01T00:00:00.000Z') });
    const good = fc.record({ version: fc.constant(1), devices: fc.array(device, { maxLength: 3 }), certificates: fc.array(cert, { maxLength: 3 }) }).map((l) => JSON.stringify(l));
    let read = 0;
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.json(), good, fc.constant('{"version":1,"devices":[null],"certificates":[]}')), (text) => {
        try {
          expect(parseLedger(text, 'ledger.json')).toEqual(JSON.parse(text));
          read++;
        } catch (e) {
          expect(e).toBeInstanceOf(ProvisioningError);
          expect((e as Error).message).toMatch(/^ledger\.json is not a provisioning ledger/);
        }
      }),
      { numRuns: 2000 },
    );
    expect(read).toBeGreaterThan(300);
  });
});

describe('one provisioning step at a time, and atomic files', () => {
  it('a second step is refused while a live process holds the lock; a dead holder’s lock is taken over', async () => {
    const d = join(dir, 'lock');
    await mkdir(d);
    await withLock(d, async () => {
      await expect(withLock(d, async () => 'second')).rejects.toThrow(`another provisioning step (process ${process.pid})`);
    });
    const dead = spawnSync('true').pid!;
    await writeFile(join(d, '.lock'), `${dead}\n`);
    expect(await withLock(d, async () => 'ran')).toBe('ran');
    expect(await readdir(d)).toEqual([]);
  });

  it('writeFileAtomic replaces the file whole and leaves no temporary file', async () => {
    const f = join(dir, 'atomic', 'crl.pem');
    await mkdir(join(dir, 'atomic'));
    await writeFileAtomic(f, 'old');
    await writeFileAtomic(f, 'new', 0o640);
    expect(await readFile(f, 'utf8')).toBe('new');
    expect(await readdir(join(dir, 'atomic'))).toEqual(['crl.pem']);
  });
});

describe('readFleetCsv (fuzzed)', () => {
  it('any text: valid theatres and gateways, or a ProvisioningError naming the line', () => {
    const id = fc.stringMatching(/^[A-Za-z0-9_-]{1,8}$/);
    const cell = fc.oneof({ arbitrary: id, weight: 9 }, { arbitrary: fc.string({ maxLength: 6 }), weight: 1 });
    const line = fc.oneof({ arbitrary: fc.tuple(cell, cell).map(([t, g]) => `${t},${g}`), weight: 8 }, { arbitrary: fc.string({ maxLength: 12 }), weight: 1 }, { arbitrary: fc.constant('# note'), weight: 1 });
    let accepted = 0;
    fc.assert(
      fc.property(fc.array(line, { maxLength: 6 }), (lines) => {
        try {
          const rows = readFleetCsv(lines.join('\n'));
          accepted++;
          for (const r of rows) expect(isValidId(r.theatre) && isValidId(r.gateway)).toBe(true);
          expect(new Set(rows.map((r) => r.gateway)).size).toBe(rows.length);
        } catch (e) {
          expect(e).toBeInstanceOf(ProvisioningError);
        }
      }),
      { numRuns: 3000 },
    );
    expect(accepted).toBeGreaterThan(600); // the accepting branch runs on a fifth of the inputs at least
  });
});
