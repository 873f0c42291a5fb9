// A child process for the crash and disk-full tests: appends scans to the outbox in DIR as fast
// as it can and says on stdout which ones are durable, so the parent knows what was promised.
//   node journal-writer.mjs DIR   →   "A s0\nA s1\nR s0\n…"  (A = appended, R = retired), and
//   "E <errno>" for each append refused. It runs until killed, or stops after 50 refusals.
import { Outbox, OutboxWriteError } from './outbox.ts';

const dir = process.argv[2]!;
const outbox = await Outbox.open({ dir, segmentBytes: 8192 });
const say = (line: string) => process.stdout.write(`${line}\n`);
let refusals = 0;
for (let i = 0; refusals < 50; i++) {
  const id = `s${i}`;
  try {
    await outbox.append(id, new Uint8Array(64).fill(i % 251));
    say(`A ${id}`);
  } catch (e) {
    refusals++;
    say(`E ${e instanceof OutboxWriteError ? e.errno : (e as Error).name}`);
    continue;
  }
  // Every third scan gets its receipt a little later, as in the gateway.
  if (i % 3 === 0 && i >= 6) {
    await outbox.retire(`s${i - 6}`);
    say(`R s${i - 6}`);
  }
}
await outbox.close();
