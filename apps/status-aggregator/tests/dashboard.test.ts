import http from 'node:http';
import { jsonRequest, type JsonClient } from '@platform/testing';
import { ErrorEnvelopeSchema } from '@platform/contracts';
import { startStatusHarness, type StatusHarness } from './support/harness';

jest.setTimeout(20_000);

let h: StatusHarness;
let web: JsonClient;
beforeAll(async () => {
  h = await startStatusHarness('dashboard', { REQUIRED_SERVICES: 'registry' });
  web = jsonRequest(h.agg.url);
}, 30_000);
afterAll(() => h?.close(), 30_000);

/** The status of a plain GET (fetch would add `cache-control: no-cache` to a conditional request). */
const statusOf = (url: string, headers: Record<string, string>) =>
  new Promise<number>((resolve, reject) => {
    http.get(url, { headers, agent: false }, (res) => resolve(res.resume().statusCode ?? 0)).on('error', reject);
  });

describe('GET /dashboard', () => {
  it('serves the page, which loads only its own script and stylesheet, under a strict CSP', async () => {
    const res = await web.get('/dashboard', { headers: { accept: 'text/html' } });

    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(res.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(res.headers.get('content-security-policy')).toContain("style-src 'self'");
    expect(res.text).toContain('<script src="/dashboard/app.js" defer></script>');
    expect(res.text).toContain('<link rel="stylesheet" href="/dashboard/app.css" />');
    expect(res.text).not.toMatch(/https?:\/\//);
    expect((await web.get('/dashboard/')).status).toBe(200);
  });

  it('serves the bundled script and the stylesheet, and answers 304 to a matching If-None-Match', async () => {
    const js = await web.get('/dashboard/app.js');
    const css = await web.get('/dashboard/app.css');

    expect([js.status, js.headers.get('content-type')]).toEqual([200, 'text/javascript; charset=utf-8']);
    expect(js.text).toContain('/api/status/stream');
    expect(js.text).not.toMatch(/\brequire\(|from\s*["']@platform/);
    expect([css.status, css.headers.get('content-type')]).toEqual([200, 'text/css; charset=utf-8']);
    expect(await statusOf(`${h.agg.url}/dashboard/app.js`, { 'if-none-match': js.headers.get('etag') ?? '' })).toBe(
      304,
    );
    expect(await statusOf(`${h.agg.url}/dashboard/app.js`, { 'if-none-match': '"stale"' })).toBe(200);
  });

  it('answers 404 in the error envelope for any other file', async () => {
    for (const path of ['/dashboard/secrets.json', '/dashboard/index.html', '/dashboard/main.ts']) {
      const res = await web.get(path, { schema: ErrorEnvelopeSchema });
      expect({ path, status: res.status, code: res.body.error_code }).toEqual({ path, status: 404, code: 'NOT_FOUND' });
    }
  });
});
