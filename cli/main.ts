// `implant-scan <command> [options]`: one CLI for every part. Each command lives in its own file
// and is loaded only when asked for (build.mjs splits the bundle at these imports), so
// `implant-scan parse` never loads the MQTT stack.
//
// Failures end here: whatever a command throws is printed as `implant-scan <command>: <message>`
// and the exit code is 1; the stack only with --log-level debug (or trace), when bin/ has turned
// source maps on so that it names the TypeScript lines.

import pkg from '../package.json' with { type: 'json' };
import { describeFailure } from './failure.ts';

interface Command {
  summary: string;
  load: () => Promise<{ run(argv: string[]): Promise<number> }>;
}

const commands: Record<string, Command> = {
  demo: { summary: 'the whole chain on this machine (npm start)', load: () => import('./demo.ts') },
  parse: { summary: 'parse scans from stdin, one JSON line each', load: () => import('./parse.ts') },
  gateway: { summary: 'run the theatre gateway daemon', load: () => import('./gateway.ts') },
  uplink: { summary: "run a hospital's uplink: broker → national service, receipts back", load: () => import('./uplink.ts') },
  national: { summary: 'run the national service (ingest + registry API)', load: () => import('./national.ts') },
  broker: { summary: 'run the embedded MQTT broker (aedes)', load: () => import('./broker.ts') },
  provision: { summary: 'site PKI, per-gateway bundles, broker ACL, revocation (hospital IT)', load: () => import('./provision.ts') },
  sim: { summary: 'a simulated scanner on a real pseudo-terminal (prints its device path)', load: () => import('./sim.ts') },
};

function usage(): string {
  const width = Math.max(...Object.keys(commands).map((n) => n.length));
  const lines = Object.entries(commands).map(([name, c]) => `  ${name.padEnd(width)}  ${c.summary}`);
  return `usage: implant-scan <command> [options]\n\ncommands:\n${lines.join('\n')}\n\n'implant-scan <command> --help' for a command's options; 'implant-scan --version' for the version.\n`;
}

const [name, ...rest] = process.argv.slice(2);
const command = name === undefined ? undefined : commands[name];
const fail = (e: unknown): void => {
  process.stderr.write(describeFailure(`implant-scan ${name}`, e, rest));
  process.exitCode = 1;
};

if (name === '--version' || name === '-v') {
  process.stdout.write(`${pkg.version}\n`);
} else if (command === undefined) {
  const help = name === undefined || name === '--help' || name === '-h';
  (help ? process.stdout : process.stderr).write((help ? '' : `implant-scan: unknown command '${name}'\n`) + usage());
  process.exitCode = help ? 0 : 2;
} else {
  // An error thrown later by a listener or a timer of a running command ends it the same way.
  process.on('uncaughtException', (e) => {
    fail(e);
    process.exit();
  });
  try {
    const mod = await command.load();
    process.exitCode = await mod.run(rest);
  } catch (e) {
    // Parts a failed command had already started (a listener, a broker) would keep it alive.
    fail(e);
    process.exit();
  }
}
