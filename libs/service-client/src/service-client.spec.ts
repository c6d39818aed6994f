import http from 'node:http';
import type { AddressInfo } from 'node:net';
import client from 'prom-client';
import { z } from 'zod';
import { UpstreamTimeoutError, UpstreamUnavailableError, createLogger, runWithContext } from '@platform/service-kit';
import { BreakerRegistry, DEFAULT_BREAKER_SETTINGS, type BreakerSettings } from './breakers';
import { StaticResolver } from './resolver';
import { ServiceClient, UpstreamResponseError, type ServiceClientOptions } from './service-client';

// Local HTTP servers stand in for the upstream service: from the client's side they are third parties.
type Handler = (req: http.IncomingMessage, res: http.ServerResponse) => void;
interface Upstream {
  url: string;
  port: number;
  hits: http.IncomingHttpHeaders[];
  close(): Promise<void>;
}

const upstreams: Upstream[] = [];
async function upstream(handler: Handler, port = 0): Promise<Upstream> {
  const hits: http.IncomingHttpHeaders[] = [];
  const server = http.createServer((req, res) => {
    hits.push(req.headers);
    handler(req, res);
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  const bound = (server.address() as AddressInfo).port;
  const u: Upstream = {
    url: `http://127.0.0.1:${bound}`,
    port: bound,
    hits,
    close: () => {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
  upstreams.push(u);
  return u;
}

const json = (status: number, body: unknown): Handler => (_req, res) => {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
};
const envelope = (code: string, error: string) => ({ error, error_code: code, request_id: 'up-1', timestamp: new Date().toISOString() });

const logger = createLogger({ service: 'client-test', level: 'error', pretty: false });
const registries: BreakerRegistry[] = [];
function clientFor(urls: string[], o: Partial<ServiceClientOptions> = {}, breaker: Partial<BreakerSettings> = {}) {
  const metrics = new client.Registry();
  const breakers = new BreakerRegistry(logger, metrics, { ...DEFAULT_BREAKER_SETTINGS, volumeThreshold: 100, ...breaker });
  registries.push(breakers);
  const svc = new ServiceClient({ target: 'echo', resolver: new StaticResolver({ echo: urls }), breakers, logger, retryBaseDelayMs: 1, ...o });
  return { svc, breakers, metrics };
}

const failure = (p: Promise<unknown>) => p.then(() => undefined, (err: unknown) => err);

afterEach(async () => {
  for (const b of registries.splice(0)) b.shutdown();
  await Promise.all(upstreams.splice(0).map((u) => u.close()));
});

describe('ServiceClient: instances and retries', () => {
  it('spreads calls over the instances in round robin', async () => {
    const servers = await Promise.all([0, 1, 2].map((n) => upstream(json(200, { n }))));
    const { svc } = clientFor(servers.map((s) => s.url));
    const seen = [];
    for (let i = 0; i < 6; i++) seen.push(((await svc.request({ method: 'GET', path: '/who' })).data as { n: number }).n);
    expect(seen).toEqual([0, 1, 2, 0, 1, 2]);
  });

  it.each([
    ['GET', undefined, 3],
    ['PUT', undefined, 3],
    ['DELETE', undefined, 3],
    ['POST', undefined, 1],
    ['PATCH', undefined, 1],
    ['POST', true, 3],
    ['GET', false, 1],
  ] as const)('sends a %s (idempotent: %s) that keeps failing with 503 %i time(s)', async (method, idempotent, expected) => {
    const up = await upstream(json(503, envelope('SERVICE_UNAVAILABLE', 'busy')));
    const { svc } = clientFor([up.url], { retries: 2 });
    const err = await failure(svc.request({ method, path: '/x', ...(idempotent === undefined ? {} : { idempotent }) }));
    expect(err).toBeInstanceOf(UpstreamUnavailableError);
    expect(up.hits).toHaveLength(expected);
  });

  it('answers with a later attempt when an idempotent call fails at first', async () => {
    let calls = 0;
    const up = await upstream((req, res) => (++calls < 3 ? json(502, {})(req, res) : json(200, { ok: true })(req, res)));
    const { svc } = clientFor([up.url], { retries: 2 });
    const res = await svc.request({ method: 'GET', path: '/x', schema: z.object({ ok: z.literal(true) }) });
    expect(res).toMatchObject({ status: 200, data: { ok: true } });
    expect(up.hits).toHaveLength(3);
  });

  it('does not retry a 4xx and hands back the upstream envelope', async () => {
    const up = await upstream(json(409, envelope('CONFLICT', 'name taken')));
    const { svc } = clientFor([up.url], { retries: 2 });
    const err = await failure(svc.request({ method: 'GET', path: '/x' }));
    expect(err).toBeInstanceOf(UpstreamResponseError);
    expect(err).toMatchObject({ code: 'CONFLICT', status: 409, message: 'name taken', upstreamStatus: 409, service: 'echo' });
    expect(up.hits).toHaveLength(1);
  });

  it('reports a refused connection as the upstream being unavailable', async () => {
    const gone = await upstream(json(200, {}));
    await gone.close();
    const { svc } = clientFor([gone.url], { retries: 1 });
    const err = await failure(svc.request({ method: 'GET', path: '/x' }));
    expect(err).toBeInstanceOf(UpstreamUnavailableError);
    expect(err).toMatchObject({ status: 503, details: { service: 'echo', reason: 'connection failed: ECONNREFUSED' } });
  });

  it('treats a 2xx body that breaks the schema as a bad gateway', async () => {
    const up = await upstream(json(200, { id: 42 }));
    const { svc } = clientFor([up.url]);
    const err = await failure(svc.request({ method: 'GET', path: '/x', schema: z.object({ id: z.string() }) }));
    expect(err).toMatchObject({ code: 'BAD_GATEWAY', status: 502 });
  });
});

describe('ServiceClient: timeouts and context', () => {
  it('turns a call that outlives its timeout into UpstreamTimeoutError (504)', async () => {
    const up = await upstream(() => undefined);
    const { svc } = clientFor([up.url], { timeoutMs: 100 });
    const started = Date.now();
    const err = await failure(svc.request({ method: 'POST', path: '/slow', body: {} }));
    expect(Date.now() - started).toBeLessThan(1000);
    expect(err).toBeInstanceOf(UpstreamTimeoutError);
    expect(err).toMatchObject({ code: 'UPSTREAM_TIMEOUT', status: 504, details: { service: 'echo', timeout_ms: 100 } });
    expect(up.hits).toHaveLength(1);
  });

  it('propagates x-request-id and traceparent from the request context, and the service token', async () => {
    const up = await upstream(json(200, {}));
    const { svc } = clientFor([up.url], { token: async () => 'svc-token' });
    const traceparent = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
    await runWithContext({ requestId: 'req-from-gateway-1', logger, traceparent }, () => svc.request({ method: 'GET', path: '/x' }));
    await svc.request({ method: 'GET', path: '/x', anonymous: true });
    expect(up.hits[0]).toMatchObject({ 'x-request-id': 'req-from-gateway-1', traceparent, authorization: 'Bearer svc-token' });
    expect(up.hits[1]?.['x-request-id']).toBeUndefined();
    expect(up.hits[1]?.authorization).toBeUndefined();
  });
});

describe('ServiceClient: circuit breaker', () => {
  it('does not open the breaker on 4xx answers', async () => {
    const up = await upstream((req, res) =>
      req.url === '/bad' ? json(400, { not: 'an envelope' })(req, res) : json(404, envelope('NOT_FOUND', 'no such thing'))(req, res),
    );
    const { svc, breakers } = clientFor([up.url], { retries: 0 }, { volumeThreshold: 2, errorThresholdPercentage: 50 });
    for (let i = 0; i < 8; i++) {
      const err = await failure(svc.request({ method: 'GET', path: i % 2 ? '/bad' : '/missing' }));
      expect(err).toMatchObject({ upstreamStatus: i % 2 ? 400 : 404 });
    }
    expect(breakers.isOpen('echo')).toBe(false);
    expect(up.hits).toHaveLength(8);
  });

  it('opens after repeated failures, then fails fast with Retry-After, and closes again once the upstream is back', async () => {
    const failing = await upstream(json(500, {}));
    const resetTimeoutMs = 1200;
    const { svc, breakers, metrics } = clientFor([failing.url], { retries: 0 }, { volumeThreshold: 3, errorThresholdPercentage: 50, resetTimeoutMs });
    for (let i = 0; i < 3; i++) expect(await failure(svc.request({ method: 'GET', path: '/x' }))).toMatchObject({ details: { reason: 'echo answered 500' } });
    expect(breakers.isOpen('echo')).toBe(true);
    expect(await metrics.getSingleMetricAsString('circuit_breaker_state')).toContain('circuit_breaker_state{target="echo"} 2');

    // Fails fast: the upstream is not called (its hits stay at 3); how fast is the benchmark's business.
    const fast = await failure(svc.request({ method: 'GET', path: '/x' }));
    expect(fast).toBeInstanceOf(UpstreamUnavailableError);
    expect(fast).toMatchObject({ details: { reason: 'circuit breaker open' } });
    // The seconds until the breaker's trial call, rounded up: 2 right after opening, 1 on a machine slow enough to
    // have spent over 200 ms since.
    expect(['1', '2']).toContain((fast as UpstreamUnavailableError).headers['Retry-After']);
    expect(failing.hits).toHaveLength(3);

    await failing.close();
    const healthy = await upstream(json(200, { back: true }), failing.port);
    await new Promise((resolve) => setTimeout(resolve, resetTimeoutMs + 50));
    expect((await svc.request({ method: 'GET', path: '/x' })).data).toEqual({ back: true });
    expect(breakers.states()).toEqual({ echo: 'closed' });
    expect(healthy.hits).toHaveLength(1);
  });
});
