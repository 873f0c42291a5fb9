// The station page in a real headless Chromium (playwright-core, the system's /usr/bin/chromium), with its real CSP:
//   npx vitest run gateway/station/page.browser.test.ts
// Skipped, with a message, where /usr/bin/chromium is not installed.
import { existsSync } from 'node:fs';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { GatewayMetrics } from '../metrics.ts';
import { FakeSource, scan } from './fake-source.test-support.ts';
import { startStationServer, type StationServer } from './server.ts';

const CHROMIUM = '/usr/bin/chromium';
const hasChromium = existsSync(CHROMIUM);
if (!hasChromium) console.warn(`page.browser.test.ts skipped: ${CHROMIUM} not found (install Debian's chromium package to run it)`);

const HOSTILE = '<img src=x onerror="window.__pwned=1">';

describe.skipIf(!hasChromium)(`station page in Chromium (${CHROMIUM})`, () => {
  let browser: Browser;
  let source: FakeSource;
  let station: StationServer;
  let page: Page;
  let problems: string[]; // console errors, page errors, dialogs

  beforeAll(async () => {
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
  }, 30_000);

  afterAll(async () => {
    await browser?.close();
  });

  beforeEach(async () => {
    source = new FakeSource();
    station = await startStationServer({ source, metrics: new GatewayMetrics(), port: 0 });
    page = await browser.newPage();
    problems = [];
    page.on('console', (m) => {
      if (m.type() === 'error') problems.push(`console: ${m.text()}`);
    });
    page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
    page.on('dialog', (d) => {
      problems.push(`dialog: ${d.message()}`);
      void d.dismiss();
    });
    await page.addInitScript(() => {
      const w = window as unknown as { __csp: string[] };
      w.__csp = [];
      document.addEventListener('securitypolicyviolation', (e) => w.__csp.push(`${e.violatedDirective} ${e.blockedURI}`));
    });
  });

  afterEach(async () => {
    await page?.close();
    await station?.close();
  });

  const cspViolations = (): Promise<string[]> => page.evaluate(() => (window as unknown as { __csp: string[] }).__csp);
  const row = (text: string) => page.locator('#scans tr', { hasText: text });
  async function open(): Promise<void> {
    await page.goto(station.url);
    await page.locator('#link', { hasText: 'live' }).waitFor({ timeout: 5000 });
  }

  it('loads with no console errors and no CSP violations, showing the snapshot and the status', async () => {
    source.scanLog.add(scan({ productName: 'Hip stem 12', udi: { di: '05060123456789', lot: 'L-OLD', serial: 'S1', expiry: '2027-03-31', manufactured: null } }));
    source.scanLog.add(scan({ udi: { di: '05060000000007', lot: 'L-NEW', serial: 'S2', expiry: null, manufactured: null } }));
    source.setStatus({ broker: 'online', outbox: 2 });
    await open();

    expect(await page.locator('#scans tr').allTextContents()).toEqual([expect.stringContaining('L-NEW'), expect.stringContaining('L-OLD')]);
    expect(await row('L-OLD').locator('td').allTextContents()).toEqual([expect.stringMatching(/\d\d.\d\d.\d\d/), 'Hip stem 12', 'L-OLD', 'S1', '2027-03-31', 'stored', '']);
    expect(await row('L-NEW').locator('td').nth(1).textContent()).toBe('05060000000007'); // no product name: the DI
    expect(await page.locator('#broker').textContent()).toBe('online');
    expect(await page.locator('#outbox').textContent()).toBe('2 waiting');
    expect(await page.locator('#case-id').textContent()).toBe('no case');

    await page.waitForTimeout(300); // let late errors (favicon, CSP reports) arrive
    expect(problems).toEqual([]);
    expect(await cspViolations()).toEqual([]);
  });

  it('shows a new scan live, then its order code when the receipt comes, in the same row', async () => {
    await open();
    const entry = source.scanLog.add(scan({ productName: 'Knee insert', udi: { di: '05060123456789', lot: 'LIVE-1', serial: 'SN-9', expiry: '2026-12-31', manufactured: null } }));
    await row('LIVE-1').waitFor({ timeout: 5000 });
    expect(await page.locator('#empty').isHidden()).toBe(true);

    source.scanLog.update(entry.scanId!, { status: 'receipted', orderCode: 'K7D2M9QX' });
    await page.locator('#scans td.code', { hasText: 'K7D2M9QX' }).waitFor({ timeout: 5000 });
    expect(await page.locator('#scans tr').count()).toBe(1);
    expect(await row('LIVE-1').locator('td').nth(5).textContent()).toBe('receipted');

    source.setStatus({ scanner: 'lost' });
    await page.locator('#scanner.bad', { hasText: 'lost' }).waitFor({ timeout: 5000 });
    expect(problems).toEqual([]);
  });

  it('shows a refused scan with its reason only', async () => {
    await open();
    source.scanLog.add(scan({ scanId: null, status: 'refused', udi: null, reason: { code: 'personal-id', message: 'That was a personal id card.' } }));
    await row('That was a personal id card.').waitFor({ timeout: 5000 });
    expect(await row('That was a personal id card.').locator('td').allTextContents()).toEqual([expect.any(String), 'That was a personal id card.']);
  });

  it('renders a hostile lot as literal text and runs none of it', async () => {
    source.scanLog.add(scan({ productName: HOSTILE, udi: { di: null, lot: HOSTILE, serial: '<script>window.__pwned=2</script>', expiry: null, manufactured: null } }));
    await open();
    source.scanLog.add(scan({ udi: { di: null, lot: `live ${HOSTILE}`, serial: null, expiry: null, manufactured: null } }));
    await row(`live ${HOSTILE}`).waitFor({ timeout: 5000 });

    expect(await row(`live ${HOSTILE}`).locator('td').nth(2).textContent()).toBe(`live ${HOSTILE}`);
    const first = await page.locator('#scans tr').nth(1).locator('td').allTextContents();
    expect(first.slice(1, 4)).toEqual([HOSTILE, HOSTILE, '<script>window.__pwned=2</script>']);
    expect(await page.locator('#scans img, #scans script').count()).toBe(0);
    await page.waitForTimeout(200);
    expect(await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned)).toBeUndefined();
    expect(problems).toEqual([]);
    expect(await cspViolations()).toEqual([]);
  });

  it('starts and ends a case from the buttons; there is nowhere to type a case id', async () => {
    await open();
    expect(await page.locator('input, textarea, [contenteditable]').count()).toBe(0);
    await page.getByRole('button', { name: 'Start case' }).click();
    await vi.waitFor(() => expect(source.calls).toEqual([['start', undefined]])); // the gateway makes the id
    await page.locator('#case-id', { hasText: 'case-auto' }).waitFor({ timeout: 5000 });

    await page.getByRole('button', { name: 'End case' }).click();
    await vi.waitFor(() => expect(source.calls).toEqual([['start', undefined], ['end']]));
    await page.locator('#case-id', { hasText: 'no case' }).waitFor({ timeout: 5000 });
    expect(problems).toEqual([]);
  });

  it('tells the nurse when the gateway refuses to start a case', async () => {
    source.refuseCaseIds = true;
    await open();
    await page.getByRole('button', { name: 'Start case' }).click();
    await page.locator('#message', { hasText: 'Case ids are made by the gateway' }).waitFor({ timeout: 5000 });
  });

  it('shows what staff must act on (disk full, a damaged journal) as an alert, and hides it when cleared', async () => {
    await open();
    expect(await page.locator('#attention').isHidden()).toBe(true);
    source.setStatus({ attention: [{ code: 'disk-full', message: 'The gateway disk is full: new scans are refused.' }] });
    await page.getByRole('alert').filter({ hasText: 'disk is full' }).waitFor({ timeout: 5000 });
    source.setStatus({ attention: [] });
    await page.locator('#attention').waitFor({ state: 'hidden', timeout: 5000 });
    source.setStatus({ attention: [{ code: 'journal-damaged', message: 'At start-up the scan journal was damaged.' }] });
    await page.getByRole('alert').getByRole('button', { name: 'Seen' }).click(); // staff have seen it
    await vi.waitFor(() => expect(source.calls).toEqual([['dismiss', 'journal-damaged']]));
    await page.locator('#attention').waitFor({ state: 'hidden', timeout: 5000 });
    expect(problems).toEqual([]);
    expect(await cspViolations()).toEqual([]);
  });
});
