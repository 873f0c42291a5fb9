#!/usr/bin/env node
// The one CLI. The TypeScript sources are bundled by `npm ci` (prepare → build.mjs) into dist/.
import '../dist/implant-scan.mjs';
