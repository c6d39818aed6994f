import fs from 'node:fs';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { findRepoRoot } from '@platform/testing';
import { collectPageErrors, launchChromium } from './support/browser';
import { startPlatform, type Platform } from './support/platform';

jest.setTimeout(60_000);

const OUTPUT_DIR = path.join(findRepoRoot(), 'test-output');

let platform: Platform;
let browser: Browser;

beforeAll(async () => {
  [platform, browser] = await Promise.all([
    startPlatform({ name: 'e2e-api-docs-browser', sessions: true, statusAggregator: true }),
    launchChromium(),
  ]);
  fs.mkdirSync(OUTPUT_DIR, { recursive: true });
}, 90_000);

afterAll(async () => {
  await browser?.close();
  await platform?.stop();
}, 30_000);

describe('the interactive API docs at /api/docs, in a real browser', () => {
  it('render every documented operation from local assets under the page CSP, with no console errors', async () => {
    const doc = (await (await fetch(`${platform.gateway.url}/api/docs/openapi.json`)).json()) as {
      paths: Record<string, Record<string, unknown>>;
    };
    const methods = new Set(['get', 'post', 'put', 'patch', 'delete']);
    const documented = Object.values(doc.paths).reduce((n, item) => n + Object.keys(item).filter((m) => methods.has(m)).length, 0);

    const page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
    const errors: string[] = [];
    const foreign: string[] = [];
    collectPageErrors(page, errors);
    page.on('request', (r) => {
      if (!r.url().startsWith(platform.gateway.url) && !r.url().startsWith('data:')) foreign.push(r.url());
    });
    try {
      await page.goto(`${platform.gateway.url}/api/docs`);
      // Swagger UI renders one block per operation once it has fetched and parsed the merged document.
      await page.waitForFunction(`document.querySelectorAll('.opblock').length >= ${documented}`, undefined, { timeout: 30_000 });
      // An operation with several tags is shown under each: count distinct method + path pairs.
      const rendered = await page.$$eval(
        '.opblock',
        (blocks) =>
          new Set(
            blocks.map(
              (b) => `${b.querySelector('.opblock-summary-method')?.textContent} ${b.querySelector('.opblock-summary-path')?.getAttribute('data-path')}`,
            ),
          ).size,
      );
      const title = await page.locator('.info .title').first().textContent();

      const screenshot = path.join(OUTPUT_DIR, 'api-docs.png');
      await page.screenshot({ path: screenshot });
      expect(documented).toBeGreaterThan(40);
      expect(rendered).toBe(documented);
      expect(title).toBeTruthy();
      expect(foreign).toEqual([]);
      expect(errors).toEqual([]);
    } finally {
      await page.close();
    }
  });
});
