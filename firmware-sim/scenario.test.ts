// The scenario language: what each line becomes, errors with line numbers, and a fuzz test that
// nothing but a ScenarioError ever escapes the parser.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseScenario, runScenario, ScenarioError } from './scenario.ts';
import type { Fault, Simulator } from './simulator.ts';

const RUNS = Number(process.env.FUZZ_RUNS ?? 5_000);

function errorOf(source: string): ScenarioError {
  try {
    parseScenario(source);
  } catch (e) {
    if (e instanceof ScenarioError) return e;
    throw e;
  }
  throw new Error('no error');
}

describe('parseScenario', () => {
  it('turns each kind of line into a step, with escapes resolved', () => {
    const steps = parseScenario(
      [
        '# comment',
        '',
        'scan ]d2010950600013435217290131<GS>10AB 1',
        'scan A\\x1dB\\\\C\\t',
        '  wait 50\r',
        'raw \\xff\\x00',
        'fault double-read ]d201 X 20',
        'fault partial ]d2ABC 2',
        'fault noise ABC 3',
        'fault burst 10240',
        'fault invalid-utf8',
        'fault personal-id',
        'fault trickle A B',
        'unplug',
        'fault replug',
      ].join('\n'),
    );
    expect(steps.map(({ line: _l, ...s }) => s)).toEqual([
      { kind: 'scan', text: ']d2010950600013435217290131\x1d10AB 1' },
      { kind: 'scan', text: 'A\x1dB\\C\t' },
      { kind: 'wait', ms: 50 },
      { kind: 'raw', bytes: Buffer.from([0xff, 0x00]) },
      { kind: 'fault', fault: { kind: 'double-read', text: ']d201 X', gapMs: 20 } },
      { kind: 'fault', fault: { kind: 'partial', text: ']d2ABC', keep: 2 } },
      { kind: 'fault', fault: { kind: 'noise', text: 'ABC', flips: 3 } },
      { kind: 'fault', fault: { kind: 'burst', bytes: 10240 } },
      { kind: 'fault', fault: { kind: 'invalid-utf8' } },
      { kind: 'fault', fault: { kind: 'personal-id' } },
      { kind: 'fault', fault: { kind: 'trickle', text: 'A B' } },
      { kind: 'fault', fault: { kind: 'unplug' } },
      { kind: 'fault', fault: { kind: 'replug' } },
    ]);
    expect(steps.map((s) => s.line)).toEqual([3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15]);
  });

  it.each([
    ['scan', 1, /needs a text/],
    ['wait\nwait x', 1, /not a whole number/],
    ['# ok\nwait 5\nwiat 5', 3, /unknown step 'wiat'/],
    ['scan A\\q', 1, /bad escape/],
    ['scan A\\x1', 1, /bad escape/],
    ['fault double-read 20', 1, /needs a text/],
    ['fault explode', 1, /unknown fault 'explode'/],
    ['fault burst 99999999', 1, /over the limit/],
    ['\n\nunplug now', 3, /takes no argument/],
    ['fault invalid-utf8 x', 1, /takes no argument/],
    ['scan é€', 1, /not one byte/],
  ])('%j → error on line %i', (source, line, message) => {
    const e = errorOf(source);
    expect(e.line).toBe(line);
    expect(e.message).toMatch(message);
    expect(e.message).toMatch(new RegExp(`^scenario line ${line}: `));
  });

  it('fuzz: returns steps or throws a ScenarioError, nothing else', () => {
    const piece = fc.oneof(
      fc.constantFrom('scan ', 'raw ', 'wait ', 'fault ', 'unplug', 'replug', 'double-read ', 'partial ', 'noise ', 'burst ', 'trickle ', 'invalid-utf8', 'personal-id', '#', '\n', '\r\n', ' ', '<GS>', '\\x', '\\', '1d', '99999999999', '0', '20'),
      fc.string({ maxLength: 6 }),
      fc.string({ unit: 'grapheme', maxLength: 4 }),
    );
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 30 }).map((a) => a.join('')), (source) => {
        try {
          parseScenario(source);
        } catch (e) {
          if (!(e instanceof ScenarioError)) throw e;
          expect(e.line).toBeGreaterThanOrEqual(1);
          expect(e.line).toBeLessThanOrEqual(source.split('\n').length);
        }
      }),
      { numRuns: RUNS },
    );
  });
});

describe('runScenario', () => {
  function fakeSim(log: string[]): Simulator {
    return {
      stablePath: '/x',
      devicePath: '/dev/pts/0',
      settings: {} as Simulator['settings'],
      plugged: true,
      send: async (t) => void log.push(`send ${JSON.stringify(t)}`),
      sendAll: async (ts) => void log.push(`sendAll ${JSON.stringify(ts)}`),
      sendRaw: async (b) => void log.push(`raw ${Buffer.from(b).toString('hex')}`),
      fault: async (f: Fault) => void log.push(`fault ${f.kind}`),
      unplug: async () => void log.push('unplug'),
      replug: async () => void log.push('replug'),
      close: async () => {},
    };
  }

  it('plays the steps in order', async () => {
    const log: string[] = [];
    await runScenario(fakeSim(log), 'scan A<GS>B\nwait 7\nraw \\x0d\nunplug\nfault burst 3', { sleep: async (ms) => void log.push(`sleep ${ms}`) });
    expect(log).toEqual(['send "A\\u001dB"', 'sleep 7', 'raw 0d', 'fault unplug', 'fault burst']);
  });

  it('sends nothing when a later line is bad', async () => {
    const log: string[] = [];
    await expect(runScenario(fakeSim(log), 'scan A\nscan B\nboom')).rejects.toThrow(/line 3/);
    expect(log).toEqual([]);
  });
});
