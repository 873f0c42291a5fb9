// The package's postinst and postrm (packaging/debian/) run for real: adduser, chown, debconf,
// deb-systemd-helper, dpkg-statoverride, in a private mount namespace whose /etc, units, debconf
// database, systemd state and dpkg admin directory are scratch copies, so the machine running the
// test keeps its own users and files.
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..');
const namespaces = process.getuid?.() === 0 && spawnSync('unshare', ['--mount', '--fork', 'true']).status === 0;
if (!namespaces) console.warn('packaging/maintainer-scripts.test.ts: needs root and unshare --mount; skipped');

// Runs in the namespace: what dpkg would have done before the scripts, then the given steps.
const SETUP = `set -e
S=$1; REPO=$2
# dpkg has unpacked the units before postinst runs.
cp -a /lib/systemd/system "$S/units" && cp "$REPO"/packaging/systemd/* "$S/units/" && mount --bind "$S/units" /lib/systemd/system
cp -a /etc "$S/etc" && mount --bind "$S/etc" /etc
cp -a /var/cache/debconf "$S/debconf" && mount --bind "$S/debconf" /var/cache/debconf
mkdir -p /var/lib/systemd && cp -a /var/lib/systemd "$S/systemd" && mount --bind "$S/systemd" /var/lib/systemd
# dpkg's database (dpkg-statoverride) as dpkg passes it to maintainer scripts: a copy.
mkdir "$S/dpkg" && cp /var/lib/dpkg/statoverride "$S/dpkg/" && export DPKG_ADMINDIR="$S/dpkg"
rm -rf /etc/implant-scan /etc/mosquitto/implant-scan
mkdir -p /etc/implant-scan /etc/mosquitto/implant-scan
# A bundle copied by hand, as provisioning writes it (keys 0600) and cp leaves it (root).
for f in gateway.key gateway.json ca.pem gateway.pem; do echo x > /etc/implant-scan/$f; chmod 0600 /etc/implant-scan/$f; done
echo x > /etc/implant-scan/gateway.json.example; chmod 0644 /etc/implant-scan/gateway.json.example
for f in broker.key mosquitto.conf; do echo x > /etc/mosquitto/implant-scan/$f; chmod 0600 /etc/mosquitto/implant-scan/$f; done
export DEBIAN_FRONTEND=noninteractive DPKG_MAINTSCRIPT_PACKAGE=implant-scan
script() { name=$1; shift; DPKG_MAINTSCRIPT_NAME=$name sh "$S/info/implant-scan.$name" "$@"; }
modes() { stat -c '%n %U:%G %a' /etc/implant-scan /etc/implant-scan/* /etc/mosquitto/implant-scan /etc/mosquitto/implant-scan/*; }
`;

describe.skipIf(!namespaces)('maintainer scripts, run as dpkg runs them', () => {
  let scratch: string;
  beforeAll(() => {
    scratch = mkdtempSync(join(tmpdir(), 'implant-scan-maintscripts-'));
  });
  afterAll(() => {
    if (scratch) rmSync(scratch, { recursive: true, force: true });
  });

  function inNamespace(steps: string): { status: number | null; stdout: string; stderr: string } {
    const dir = mkdtempSync(join(scratch, 'run-'));
    mkdirSync(join(dir, 'info'));
    // Named as in /var/lib/dpkg/info: debconf loads implant-scan.templates beside the script.
    for (const f of ['postinst', 'postrm', 'templates']) copyFileSync(join(root, 'packaging/debian', f), join(dir, 'info', `implant-scan.${f}`));
    const result = spawnSync('unshare', ['--mount', '--fork', 'sh', '-c', `${SETUP}\n${steps}`, 'sh', dir, root], { encoding: 'utf8', timeout: 120_000 });
    return { status: result.status, stdout: result.stdout, stderr: result.stderr };
  }

  it('configure: creates the user in dialout and gives the copied bundles the owners and modes the services need (twice: an upgrade too)', () => {
    const run = inNamespace('script postinst configure\nscript postinst configure 0.0.9\nmodes\necho "groups: $(id -nG implant-scan)"');
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    expect(run.stdout.split('\n').filter(Boolean)).toEqual([
      '/etc/implant-scan root:implant-scan 750',
      '/etc/implant-scan/ca.pem root:implant-scan 640',
      '/etc/implant-scan/gateway.json root:implant-scan 640',
      '/etc/implant-scan/gateway.json.example root:root 644',
      '/etc/implant-scan/gateway.key root:implant-scan 640',
      '/etc/implant-scan/gateway.pem root:implant-scan 640',
      '/etc/mosquitto/implant-scan root:mosquitto 750',
      '/etc/mosquitto/implant-scan/broker.key root:mosquitto 640',
      '/etc/mosquitto/implant-scan/mosquitto.conf root:mosquitto 640',
      'groups: implant-scan dialout',
    ]);
  });

  it('configure: a dpkg-statoverride on the key wins', () => {
    const run = inNamespace('script postinst configure\ndpkg-statoverride --update --add root root 0600 /etc/implant-scan/gateway.key\nscript postinst configure 0.1.0\nstat -c "%U:%G %a" /etc/implant-scan/gateway.key');
    expect(run.status).toBe(0);
    expect(run.stdout.trim().split('\n').at(-1)).toBe('root:root 600');
  });

  it('purge without an answer (non-interactive) keeps the keys and says so', () => {
    const run = inNamespace('script postinst configure\nscript postrm purge\nls /etc/implant-scan /etc/mosquitto/implant-scan');
    expect(run.status).toBe(0);
    expect(run.stderr).toContain('implant-scan: kept /etc/implant-scan and /etc/mosquitto/implant-scan');
    expect(run.stdout).toContain('gateway.key');
    expect(run.stdout).toContain('broker.key');
  });

  it('purge answered "delete" removes both folders, keys included', () => {
    const run = inNamespace(
      'script postinst configure\necho "implant-scan implant-scan/purge-keys boolean true" | debconf-set-selections\nscript postrm purge\nls -d /etc/implant-scan /etc/mosquitto/implant-scan 2>&1 || true',
    );
    expect(run.status).toBe(0);
    expect(run.stdout).toContain("cannot access '/etc/implant-scan'");
    expect(run.stdout).toContain("cannot access '/etc/mosquitto/implant-scan'");
  });
});
