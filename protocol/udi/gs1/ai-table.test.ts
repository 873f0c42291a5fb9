import { describe, expect, it } from 'vitest';
import { aiEntry, matchAi, matchesAiPattern } from './ai-table.ts';
import { AI_ENTRIES } from './ai-table.generated.ts';

describe('aiEntry', () => {
  it('finds every AI of the table, and nothing else', () => {
    for (const e of AI_ENTRIES) expect(aiEntry(e.ai)).toBe(e);
    expect(aiEntry('17')?.title).toBe('USE BY or EXPIRY');
    for (const ai of ['', '1', '04', '18', '3106', '99x', '0100', '7042']) expect(aiEntry(ai)).toBeUndefined();
  });
});

describe('matchAi', () => {
  it('matches each AI at the start of its element string, whatever follows', () => {
    for (const e of AI_ENTRIES) {
      expect(matchAi(`${e.ai}123456`, 0)).toBe(e);
      expect(matchAi(`xx${e.ai}`, 2)).toBe(e);
    }
  });

  it('uses the length that the first two digits fix', () => {
    expect(matchAi('0109506000134352', 0)?.ai).toBe('01');
    expect(matchAi('3103000750', 0)?.ai).toBe('3103');
    expect(matchAi('71012345', 0)?.ai).toBe('710');
    expect(matchAi('70030000', 0)?.ai).toBe('7003');
    expect(matchAi('8030abc', 0)?.ai).toBe('8030');
  });

  it('finds no AI in unknown codes, non-digits or data that ends too soon', () => {
    for (const [data, pos] of [['04123', 0], ['18', 0], ['3106123456', 0], ['7042', 0], ['a1', 0], ['1a', 0], ['310', 0], ['31', 0], ['0', 0], ['', 0], ['01', 1], ['01', 2], ['01', 5], ['01', -1], ['٠١', 0]] as const) {
      expect(matchAi(data, pos)).toBeUndefined();
    }
  });

  it('holds to the table being prefix-free: no AI is the start of another', () => {
    const ais = AI_ENTRIES.map((e) => e.ai);
    for (const a of ais) for (const b of ais) if (a !== b) expect(b.startsWith(a)).toBe(false);
  });
});

describe('matchesAiPattern', () => {
  it('reads "n" as any digit and everything else literally', () => {
    expect(matchesAiPattern('31nn', '3103')).toBe(true);
    expect(matchesAiPattern('31nn', '3199')).toBe(true);
    expect(matchesAiPattern('394n', '3941')).toBe(true);
    expect(matchesAiPattern('01', '01')).toBe(true);
    expect(matchesAiPattern('31nn', '3203')).toBe(false);
    expect(matchesAiPattern('31nn', '310')).toBe(false);
    expect(matchesAiPattern('394n', '394a')).toBe(false);
    expect(matchesAiPattern('394n', '39400')).toBe(false);
    expect(matchesAiPattern('01', '02')).toBe(false);
    expect(matchesAiPattern('01', '0')).toBe(false);
  });
});
