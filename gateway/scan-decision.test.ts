// A refusal carries the nurse's plain reason for the station page and the parser's precise message for the log.
import { describe, expect, it } from 'vitest';
import { parse, plainReason } from '../protocol/udi/index.ts';
import { decide } from './scan-decision.ts';

describe('decide', () => {
  it('accepts a product code', () => {
    expect(decide(parse(']d2010950600013435217290131'))).toEqual({ accept: true });
  });

  it('refuses a truncated read with the plain reason, the precise message kept apart', () => {
    const d = decide(parse(']d201095060001343'));
    expect(d).toMatchObject({ accept: false, reason: 'invalid', code: 'truncated', message: 'The barcode was read incompletely — scan again.' });
    if (d.accept) throw new Error('accepted');
    expect(d.detail).toMatch(/\(01\).*14 characters/);
  });

  it('refuses a personal identity number without echoing it', () => {
    const d = decide(parse('19121212-1212'));
    expect(d).toMatchObject({ accept: false, reason: 'personal-id', code: 'personal-id', message: plainReason('personal-id') });
    expect(JSON.stringify(d)).not.toMatch(/1212/);
  });
});
