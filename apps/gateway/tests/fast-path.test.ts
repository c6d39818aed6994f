import http from 'node:http';
import { ErrorEnvelopeSchema } from '@platform/contracts';
import { securityHeaders } from '../src/middleware/edge-response';
import { startGateway, type GatewayHarness } from './harness';

let h: GatewayHarness;
const url = (p: string) => `${h.gateway.url}${p}`;
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

beforeAll(async () => {
  h = await startGateway({
    RATE_LIMITS: JSON.stringify([{ id: 'echo-burst', prefix: '/echo/burst', limit: 40, window_s: 60 }]),
  });
});
afterAll(async () => {
  await h.close();
});

/** A GET with exactly these headers (fetch would add and normalise some). */
function rawGet(path: string, headers: Record<string, string>): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port: h.gateway.port, path, headers, agent: false }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('proxied requests outside Express', () => {
  it('carry the same security headers as the routes Express serves, and are counted in the metrics', async () => {
    const proxied = await fetch(url('/echo/headers'), { headers: bearer(h.token()) });
    const own = await fetch(url('/api/endpoints'));
    expect(proxied.status).toBe(200);
    expect(own.status).toBe(200);
    const names = securityHeaders().map(([name]) => name.toLowerCase());
    expect(names).toEqual(expect.arrayContaining(['strict-transport-security', 'x-frame-options', 'x-content-type-options']));
    for (const name of names) expect([name, proxied.headers.get(name)]).toEqual([name, own.headers.get(name)]);
    const metrics = await (await fetch(url('/metrics'))).text();
    expect(metrics).toMatch(/http_requests_total\{[^}]*route="\/echo\/\*"[^}]*status="200"[^}]*\} [1-9]/);
  });

  it('counts every request of a concurrent burst exactly once against the client limit', async () => {
    const token = h.token();
    const burst = await Promise.all(Array.from({ length: 30 }, () => fetch(url('/echo/burst'), { headers: bearer(token) })));
    expect(burst.map((r) => r.status)).toEqual(Array(30).fill(200));
    const remaining = burst.map((r) => Number(r.headers.get('ratelimit-remaining'))).sort((a, b) => a - b);
    expect(remaining).toEqual(Array.from({ length: 30 }, (_, i) => 10 + i));
    const more = await Promise.all(Array.from({ length: 15 }, () => fetch(url('/echo/burst'), { headers: bearer(token) })));
    expect(more.filter((r) => r.status === 200)).toHaveLength(10);
    const refused = more.filter((r) => r.status === 429);
    expect(refused).toHaveLength(5);
    expect(ErrorEnvelopeSchema.parse(await refused[0]!.json()).error_code).toBe('RATE_LIMITED');
    expect(refused[0]!.headers.get('retry-after')).toMatch(/^\d+$/);
  });

  it('serves a public path even with an invalid token, as the Express path does', async () => {
    const res = await fetch(url('/echo/public'), { headers: bearer('not.a.token') });
    expect(res.status).toBe(200);
    expect(res.headers.get('ratelimit-limit')).not.toBeNull();
  });

  it('answers an invalid token on a protected path with a 401 envelope carrying the request id and CORS headers', async () => {
    const res = await fetch(url('/echo/private'), { headers: { ...bearer('not.a.token'), origin: 'https://app.example.com', 'x-request-id': 'fast-path-401-0001' } });
    expect(res.status).toBe(401);
    expect(res.headers.get('x-request-id')).toBe('fast-path-401-0001');
    expect(res.headers.get('access-control-allow-origin')).toBe('https://app.example.com');
    expect(ErrorEnvelopeSchema.parse(await res.json())).toMatchObject({ error_code: 'UNAUTHORIZED', request_id: 'fast-path-401-0001' });
  });

  it('drops hop-by-hop headers on the way up and appends X-Forwarded-*', async () => {
    const res = await rawGet('/echo/hops', {
      ...bearer(h.token()),
      connection: 'keep-alive, x-hop-secret',
      'x-hop-secret': 'for the gateway only',
      'x-forwarded-for': '203.0.113.7',
      host: 'api.example.com:8443',
    });
    expect(res.status).toBe(200);
    const seen = h.upstream.seenHeaders.at(-1)!;
    expect(seen['x-hop-secret']).toBeUndefined();
    expect(seen['x-forwarded-for']).toBe('203.0.113.7,127.0.0.1');
    expect(seen).toMatchObject({ host: 'api.example.com:8443', 'x-forwarded-host': 'api.example.com:8443', 'x-forwarded-port': '8443', 'x-forwarded-proto': 'http' });
    // The client sees the gateway's own keep-alive (65 s), not the upstream's (Node's default 5 s).
    expect(res.headers['keep-alive']).toBe('timeout=65');
  });

  it('still refuses dot segments on a routed prefix', async () => {
    const res = await rawGet('/echo/%2e%2e/internal/x', bearer(h.token()));
    expect(res.status).toBe(400);
    expect(ErrorEnvelopeSchema.parse(JSON.parse(res.body)).error_code).toBe('VALIDATION_ERROR');
  });
});
