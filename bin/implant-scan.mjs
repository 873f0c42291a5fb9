#!/usr/bin/env node
// The one CLI. The TypeScript sources are bundled by `npm ci` (prepare → build.mjs) into dist/.
// Source maps are read only when a stack will be shown (--log-level debug or trace, see
// cli/failure.ts): then the stack names TypeScript lines; otherwise start-up does not pay for them.
if (/(^|\s)--log-level(=|\s+)(debug|trace)(\s|$)/.test(process.argv.slice(2).join(' '))) process.setSourceMapsEnabled(true);
await import('../dist/implant-scan.mjs');
