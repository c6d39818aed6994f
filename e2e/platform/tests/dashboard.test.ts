import fs from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { DiscoveryResponseSchema } from '@platform/contracts';
import { findRepoRoot } from '@platform/testing';
import { collectPageErrors, launchChromium } from './support/browser';
import { startPlatform, type Platform } from './support/platform';

jest.setTimeout(60_000);

/** The aggregator polls every 300 ms here, so a stopped service must show as down well within this. */
const OUTAGE_BOUND_MS = 10_000;
const OUTPUT_DIR = path.join(findRepoRoot(), 'test-output');
const PHONE = { width: 390, height: 844 };

let platform: Platform;
let browser: Browser;
let page: Page;
const consoleErrors: string[] = [];

beforeAll(async () => {
  [platform, browser] = await Promise.all([
    startPlatform({
      name: 'e2e-dashboard',
      channels: true,
      statusAggregator: true,
      statusAggregatorEnv: {
        POLL_INTERVAL_MS: '300',
        // Healthy probes under Chromium's load stay far from both bounds; a stopped service is refused at once.
        PROBE_TIMEOUT_MS: '3000',
        SLOW_PROBE_MS: '2000',
        BREAKER_RESET_MS: '1000',
        CHANNELS_COUNT_TTL_MS: '1000',
      },
    }),
    launchChromium(),
  ]);
  page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
  collectPageErrors(page, consoleErrors);
  fs.mkdirSync(OUTPUT_DIR, { recursive: true });
}, 90_000);

afterAll(async () => {
  await browser?.close();
  await platform?.stop();
}, 30_000);

const card = (service: string, state?: string) =>
  `.card[data-service="${service}"]${state ? `[data-state="${state}"]` : ''}`;

describe('the dashboard in a real browser, through the gateway', () => {
  it('loads without console errors and shows a card for every registered service', async () => {
    const discovery = DiscoveryResponseSchema.parse((await platform.api.get('/api/discovery')).body);
    const expected = [...new Set(['registry', ...discovery.services.map((s) => s.service_name)])].sort();

    await page.goto(`${platform.gateway.url}/dashboard`);
    await page.waitForSelector(card('channels', 'operational'));
    // Browser-side code as strings: this project type-checks without lib.dom.
    await page.waitForFunction(`document.querySelectorAll('.card[data-service]').length >= ${expected.length}`);
    await page.waitForFunction(`document.getElementById('conn').textContent === 'Live'`);

    const shown = await page.$$eval('.card[data-service]', (els) =>
      els.map((e) => e.getAttribute('data-service')).sort(),
    );
    expect(expected).toEqual(expect.arrayContaining(['auth', 'channels', 'gateway', 'registry', 'status-aggregator']));
    expect(shown).toEqual(expected);
    await page.waitForFunction(`document.getElementById('banner').textContent.includes('All systems operational')`);
    expect(consoleErrors).toEqual([]);
  });

  it('signs an admin in through the login form and adds instance details and traffic charts', async () => {
    expect(await page.textContent('#charts')).toContain('Sign in as an admin');

    await page.fill('#login-email', platform.admin.email);
    await page.fill('#login-password', platform.admin.password);
    await page.click('#login-submit');

    await page.waitForSelector('#signed-in:not([hidden])');
    await page.waitForSelector(`${card('channels')} .instances li.health-up`);
    await page.waitForSelector('#charts figure.chart svg polyline', { timeout: 15_000 });
    expect(await page.$$eval('#charts figure.chart', (els) => els.length)).toBe(2);
    expect(consoleErrors).toEqual([]);
  });

  it('turns the channels card to an outage within the bound when channels stops, and back when it restarts', async () => {
    const stopped = Date.now();
    await platform.channels!.stop();
    await page.waitForSelector(card('channels', 'major_outage'), { timeout: OUTAGE_BOUND_MS });
    const toOutage = Date.now() - stopped;

    await page.waitForSelector('#incidents .incident.open[data-incident]');
    expect(await page.getAttribute('#banner p', 'data-state')).toBe('major_outage');
    expect(await page.textContent(card('channels'))).toContain('Major outage');
    const screenshot = path.join(OUTPUT_DIR, 'dashboard.png');
    await page.screenshot({ path: screenshot, fullPage: true });

    const restarted = Date.now();
    await platform.channels!.restart();
    await page.waitForSelector(card('channels', 'operational'), { timeout: OUTAGE_BOUND_MS + 10_000 });
    const toRecovery = Date.now() - restarted;
    await page.waitForSelector('#incidents .incident.resolved');

    console.log(
      `dashboard: channels showed an outage ${toOutage} ms after it was stopped (bound ${OUTAGE_BOUND_MS} ms), ` +
        `and operational ${toRecovery} ms after the restart began; screenshot: ${screenshot}`,
    );
    expect(toOutage).toBeLessThan(OUTAGE_BOUND_MS);
    expect(fs.statSync(screenshot).size).toBeGreaterThan(10_000);
    expect(consoleErrors).toEqual([]);
  });

  it('is readable on a phone: one column of cards and nothing wider than the screen', async () => {
    const phone = await browser.newPage({ viewport: PHONE, isMobile: true, hasTouch: true });
    try {
      collectPageErrors(phone, consoleErrors, 'phone ');
      await phone.goto(`${platform.gateway.url}/dashboard`);
      await phone.waitForSelector(card('channels', 'operational'));

      const layout = (await phone.evaluate(`({
        scrollWidth: document.documentElement.scrollWidth,
        columns: new Set([...document.querySelectorAll('.card')].map((c) => Math.round(c.getBoundingClientRect().left))).size,
      })`)) as { scrollWidth: number; columns: number };

      // Against the device width: a mobile browser widens its layout viewport to fit content that overflows.
      expect(layout.scrollWidth).toBeLessThanOrEqual(PHONE.width);
      expect(layout.columns).toBe(1);
      await phone.screenshot({ path: path.join(OUTPUT_DIR, 'dashboard-phone.png'), fullPage: true });
      expect(consoleErrors).toEqual([]);
    } finally {
      await phone.close();
    }
  });
});
