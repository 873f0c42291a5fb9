// The theatre gateway's own bundle, dist/implant-scan-gateway.mjs (what the systemd unit runs):
// only `implant-scan gateway`, so that a Raspberry Pi compiles and keeps in memory the daemon's
// code and none of the other commands' (national service, provisioning, broker).
//   node dist/implant-scan-gateway.mjs --config /etc/implant-scan/gateway.json
//   node dist/implant-scan-gateway.mjs --version     # the package's version

import pkg from '../package.json' with { type: 'json' };
import { run } from './gateway.ts';

if (process.argv[2] === '--version') process.stdout.write(`${pkg.version}\n`);
else process.exitCode = await run(process.argv.slice(2));
