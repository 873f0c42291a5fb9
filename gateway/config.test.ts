import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, configHash, loadConfig, parseConfig } from './config.ts';

const minimal = { site: 'sahlgrenska', theatre: 'or-7', gateway: 'gw-or7' };

function problems(value: unknown): string[] {
  try {
    parseConfig(value);
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return (e as ConfigError).problems;
  }
  throw new Error('expected a ConfigError');
}

describe('gateway configuration', () => {
  it('fills every default from three ids', () => {
    const c = parseConfig(minimal);
    expect(c.scanner.path).toBe('/dev/implant-scanner');
    expect(c.scanner.terminators).toEqual(['CR', 'LF', 'CRLF']);
    expect(c.broker.url).toBe('mqtt://127.0.0.1:1883');
    expect(c.outbox.capacityBytes).toBe(256 << 20);
    expect(c.station).toEqual({ host: '127.0.0.1', port: 8080 });
    expect(c.indicator).toEqual({ driver: 'none' });
  });

  it('names the field and the fix', () => {
    expect(problems({ ...minimal, gateway: 'gw/7' })).toEqual([expect.stringMatching(/^gateway: .*letters, digits/)]);
    expect(problems({ ...minimal, scanner: { baudRate: 9601 } })).toEqual([expect.stringMatching(/^scanner\.baudRate: must be one of 1200, .*115200/)]);
    expect(problems({ ...minimal, broker: { url: 'http://x' } })).toEqual([expect.stringMatching(/^broker\.url: must be an MQTT URL/)]);
    expect(problems({ ...minimal, scaner: {} })).toEqual([expect.stringMatching(/^\(top level\): unknown field "scaner": remove it or check its spelling/)]);
    expect(problems({ site: 'x', theatre: 'y' })).toEqual([expect.stringMatching(/^gateway: is required/)]);
  });

  it('reports every problem at once, not one per restart', () => {
    expect(problems({ site: '', theatre: '', gateway: '' })).toHaveLength(3);
  });

  it('reads a file and names it in the error', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'cfg-'));
    const good = join(dir, 'good.json');
    const bad = join(dir, 'bad.json');
    await writeFile(good, JSON.stringify(minimal));
    await writeFile(bad, '{ "site": ');
    expect((await loadConfig(good)).site).toBe('sahlgrenska');
    await expect(loadConfig(bad)).rejects.toThrow(/bad\.json: .*not valid JSON/s);
    await expect(loadConfig(join(dir, 'missing.json'))).rejects.toThrow(/cannot read the file: ENOENT/);
  });

  it('hashes the effective configuration', () => {
    expect(configHash(parseConfig(minimal))).toMatch(/^[0-9a-f]{16}$/);
    expect(configHash(parseConfig(minimal))).toBe(configHash(parseConfig({ ...minimal, scanner: { baudRate: 9600 } })));
    expect(configHash(parseConfig(minimal))).not.toBe(configHash(parseConfig({ ...minimal, theatre: 'or-8' })));
  });
});
