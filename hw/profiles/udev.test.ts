// The udev rules and the profiles must not drift: every profile vendor has a rule, every rule a profile.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { PROFILES } from './index.ts';

const RULES = new URL('../udev/99-implant-scanner.rules', import.meta.url);

interface Rule {
  line: number;
  match: Map<string, string>;
  assign: Map<string, string>;
}

/** Just enough of udev's syntax: KEY=="v" matches, KEY="v" / KEY+="v" assignments, # comments. */
function parseRules(text: string): Rule[] {
  const rules: Rule[] = [];
  text.split('\n').forEach((raw, i) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const rule: Rule = { line: i + 1, match: new Map(), assign: new Map() };
    const pair = /\s*([A-Za-z]+(?:\{[^}]+\})?)\s*(==|!=|\+=|:=|=)\s*"([^"]*)"\s*(,|$)/y;
    let m: RegExpExecArray | null;
    while ((m = pair.exec(line)) !== null) {
      const [, key = '', op, value = ''] = m;
      (op === '==' ? rule.match : rule.assign).set(op === '+=' ? `${key}+` : key, value);
      if (pair.lastIndex >= line.length) break;
    }
    if (pair.lastIndex < line.length) throw new Error(`line ${i + 1}: cannot parse: ${line}`);
    rules.push(rule);
  });
  return rules;
}

describe('hw/udev/99-implant-scanner.rules', () => {
  const rules = parseRules(readFileSync(RULES, 'utf8'));

  it('parses', () => {
    expect(rules.length).toBeGreaterThan(0);
  });

  it('every rule is a tty rule giving /dev/implant-scanner to dialout, 0660', () => {
    for (const r of rules) {
      expect(r.match.get('SUBSYSTEM'), `line ${r.line}`).toBe('tty');
      expect(r.match.get('ATTRS{idVendor}'), `line ${r.line}`).toMatch(/^[0-9a-f]{4}$/);
      expect(r.assign.get('SYMLINK+'), `line ${r.line}`).toBe('implant-scanner');
      expect(r.assign.get('GROUP'), `line ${r.line}`).toBe('dialout');
      expect(r.assign.get('MODE'), `line ${r.line}`).toBe('0660');
    }
  });

  it('each profile vendor id has a rule, and each rule a profile', () => {
    const ruleVendors = rules.map((r) => r.match.get('ATTRS{idVendor}')).sort();
    expect(ruleVendors).toEqual(PROFILES.map((p) => p.vendorId).sort());
  });

  it('the parser sees a missing vendor (so the check can fail)', () => {
    const text = readFileSync(RULES, 'utf8').replace(/^.*"05f9".*$/m, '');
    const vendors = parseRules(text).map((r) => r.match.get('ATTRS{idVendor}'));
    expect(vendors).not.toContain('05f9');
    expect(() => parseRules('SUBSYSTEM=="tty", garbage')).toThrow(/line 1/);
  });
});
