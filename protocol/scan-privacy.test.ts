import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SCAN_EVENT } from './fixtures/samples.ts';
import { isValidCaseId } from './case-id.ts';
import { personalDataIn } from './scan-privacy.ts';

const bytes = (s: string) => Uint8Array.from(s, (c) => c.charCodeAt(0));

describe('case ids', () => {
  it.each(['case-0042', 'c1', 'K7Q4M9PX', 'case-mh3k2x1q', 'A'.repeat(32)])('accepts the code %s', (id) => expect(isValidCaseId(id)).toBe(true));
  it.each([
    ['a personnummer', '19121212-1212'],
    ['a personnummer with other separators', '1912-12-12-1212'],
    ['a name with a space', 'Anna Svensson'],
    ['an underscore', 'anna_svensson'],
    ['a leading hyphen', '-case'],
    ['33 characters', 'A'.repeat(33)],
    ['empty', ''],
  ])('refuses %s', (_name, id) => expect(isValidCaseId(id)).toBe(false));
});

describe('personalDataIn', () => {
  it('passes a clean event', () => expect(personalDataIn(SCAN_EVENT)).toBeNull());

  it.each([
    ['in the raw serial', { raw: bytes(']d20109506000134352' + '2119121212_1212') }],
    ['in the gateway id', { gatewayId: '121212-1212' }],
    ['in the theatre', { theatre: '1212121212' }],
    ['only in the claimed parse (raw clean)', { parse: { ...SCAN_EVENT.parse, udi: { ...SCAN_EVENT.parse.udi, serial: '121212.1212' } } }],
    ['in a claimed element value', { parse: { ...SCAN_EVENT.parse, elements: [{ ai: '21', value: '19121212 1212' }] } }],
  ])('finds a personnummer %s', (_name, over) => expect(personalDataIn({ ...SCAN_EVENT, ...over })).toBe('personal-id'));

  it('reads a claimed date-time value as a date, as the parser does', () => {
    const parse = { ...SCAN_EVENT.parse, elements: [...SCAN_EVENT.parse.elements, { ai: '7003', value: '2903061658' }] };
    expect(personalDataIn({ ...SCAN_EVENT, parse })).toBeNull();
  });

  it('refuses a case id that is not a code', () => {
    expect(personalDataIn({ ...SCAN_EVENT, caseId: 'free_text' })).toBe('invalid-case-id');
    expect(personalDataIn({ ...SCAN_EVENT, caseId: '19121212_1212' })).toBe('personal-id');
  });

  it('never throws, whatever the bytes and texts', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 1, maxLength: 200 }), fc.string({ maxLength: 40 }), (raw, caseId) => {
        expect([null, 'personal-id', 'invalid-case-id']).toContain(personalDataIn({ ...SCAN_EVENT, raw, caseId }));
      }),
      { numRuns: 2000 },
    );
  });
});
