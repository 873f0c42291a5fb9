// The theatre gateway's own bundle, dist/implant-scan-gateway.mjs (what the systemd unit runs):
// only `implant-scan gateway`, so that a Raspberry Pi compiles and keeps in memory the daemon's
// code and none of the other commands' (national service, provisioning, broker).
//   node dist/implant-scan-gateway.mjs --config /etc/implant-scan/gateway.json

import { run } from './gateway.ts';

process.exitCode = await run(process.argv.slice(2));
