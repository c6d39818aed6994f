import {
  DiscoveryResponseSchema,
  ErrorEnvelopeSchema,
  EndpointsResponseSchema,
  ServiceInfoResponseSchema,
  type ServiceDiscovery,
} from '@platform/contracts';
import { randomSuffix, type JsonResponse } from '@platform/testing';
import { newAccount, signUp, type Session } from './support/accounts';
import { expectEnvelope } from './support/http';
import { startPlatform, type Platform } from './support/platform';

jest.setTimeout(30_000);

const REGISTER_LIMIT = 3;
const LOGIN_LIMIT = 4;
// Windows are fixed and clock-aligned: an hour makes a window boundary inside a test run very unlikely.
const WINDOW_S = 3600;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

let platform: Platform;
let user: Session;

beforeAll(async () => {
  platform = await startPlatform({
    name: 'e2e-edge',
    rateLimits: [
      { id: 'auth-register', prefix: '/auth/register', method: 'POST', limit: REGISTER_LIMIT, window_s: WINDOW_S },
      { id: 'auth-login', prefix: '/auth/login', method: 'POST', limit: LOGIN_LIMIT, window_s: WINDOW_S },
    ],
  });
  user = await signUp(platform.api, 'edge');
}, 90_000);

afterAll(async () => {
  await platform?.stop();
}, 30_000);

describe('request ids', () => {
  it.each([
    ['a gateway route', 'GET', '/api/service-info', 200],
    ['a proxied route', 'GET', '/auth/.well-known/jwks.json', 200],
    ['an error answered by the gateway', 'GET', '/no/such/route', 404],
    ['an error answered by auth', 'POST', '/auth/login', 400],
  ] as const)('are echoed from X-Request-Id on %s', async (_what, method, path, status) => {
    const id = `e2e-${randomSuffix(8)}`;

    const res = await platform.api.request(method, path, { headers: { 'x-request-id': id }, ...(method === 'POST' ? { body: {} } : {}) });

    expect(res.status).toBe(status);
    expect(res.headers.get('x-request-id')).toBe(id);
    if (status >= 400) expect(ErrorEnvelopeSchema.parse(res.body).request_id).toBe(id);
  });

  it('are replaced by a fresh id when the one sent is not usable', async () => {
    const res = await platform.api.get('/auth/.well-known/jwks.json', { headers: { 'x-request-id': 'bad id with spaces' } });

    expect(res.headers.get('x-request-id')).toMatch(UUID);
  });

  it('are made up, one per request, when none is sent', async () => {
    const [a, b] = await Promise.all([platform.api.get('/api/service-info'), platform.api.get('/api/service-info')]);

    expect(a.headers.get('x-request-id')).toMatch(UUID);
    expect(a.headers.get('x-request-id')).not.toBe(b.headers.get('x-request-id'));
  });
});

describe('security headers', () => {
  it.each([
    ['a gateway route', '/api/service-info', 200],
    ['a proxied route', '/auth/.well-known/jwks.json', 200],
    ['an unknown route', '/no/such/route', 404],
    ['a refused token', '/auth/profile', 401],
  ])('are set on %s', async (_what, path, status) => {
    const res = await platform.api.get(path);

    expect(res.status).toBe(status);
    expect(res.headers.get('x-frame-options')).toBe('DENY');
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('strict-transport-security')).toMatch(/max-age=31536000; includeSubDomains/);
    expect(res.headers.get('x-powered-by')).toBeNull();
  });
});

describe('CORS', () => {
  const preflight = (origin: string) =>
    platform.api.request('OPTIONS', '/auth/login', {
      headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type,authorization' },
    });

  it('echoes an allowed origin with credentials, and exposes the request id', async () => {
    const res = await platform.api.get('/api/service-info', { headers: { origin: platform.corsOrigin } });

    expect(res.headers.get('access-control-allow-origin')).toBe(platform.corsOrigin);
    expect(res.headers.get('access-control-allow-credentials')).toBe('true');
    expect(res.headers.get('vary')).toMatch(/Origin/i);
    expect(res.headers.get('access-control-expose-headers')).toMatch(/X-Request-Id/i);
  });

  it('answers a preflight from an allowed origin', async () => {
    const res = await preflight(platform.corsOrigin);

    expect(res.status).toBe(204);
    expect(res.headers.get('access-control-allow-origin')).toBe(platform.corsOrigin);
    expect(res.headers.get('access-control-allow-credentials')).toBe('true');
    expect(res.headers.get('access-control-allow-methods')).toMatch(/POST/);
    expect(res.headers.get('access-control-allow-headers')).toMatch(/authorization/i);
  });

  it('grants nothing to other origins, on simple requests or preflights', async () => {
    for (const res of [await platform.api.get('/api/service-info', { headers: { origin: 'https://evil.e2e.test' } }), await preflight('https://evil.e2e.test')]) {
      expect(res.status).toBeLessThan(500);
      expect(res.headers.get('access-control-allow-origin')).toBeNull();
      expect(res.headers.get('access-control-allow-credentials')).toBeNull();
    }
  });
});

describe('discovery', () => {
  const AUTH_ENDPOINTS = [
    'POST /auth/register',
    'POST /auth/login',
    'POST /auth/refresh',
    'POST /auth/logout',
    'GET /auth/profile',
    'PUT /auth/profile',
    'GET /auth/.well-known/jwks.json',
    'POST /auth/service-token',
    'GET /users',
    'GET /users/{id}',
    'PUT /users/{id}',
    'DELETE /users/{id}',
  ];
  const serviceOf = (res: JsonResponse, name: string): ServiceDiscovery | undefined =>
    DiscoveryResponseSchema.parse(res.body).services.find((s) => s.service_name === name);

  it("lists auth's endpoints in the seeds' shape", async () => {
    const res = await platform.api.get('/api/discovery');

    expect(res.status).toBe(200);
    expect(Object.keys(res.body as object).sort()).toEqual(['gateway', 'services', 'timestamp']);
    const auth = serviceOf(res, 'auth');
    expect(auth).toMatchObject({ service_name: 'auth', health_check: '/health', instances: 1, version: expect.any(String) });
    expect(auth?.endpoints.map((e) => `${e.method} ${e.path}`).sort()).toEqual([...AUTH_ENDPOINTS].sort());
    const raw = (res.body as { services: Array<{ service_name: string; endpoints: object[] }> }).services.find((s) => s.service_name === 'auth');
    for (const e of raw?.endpoints ?? []) expect(Object.keys(e).sort()).toEqual(['description', 'method', 'path', 'tags']);
  });

  it('lists the gateway itself beside the services', async () => {
    const gateway = serviceOf(await platform.api.get('/api/discovery'), 'gateway');

    expect(gateway?.endpoints.map((e) => e.path)).toEqual(expect.arrayContaining(['/api/discovery', '/api/health']));
  });

  it('flattens every endpoint with its service in /api/endpoints', async () => {
    const { endpoints } = EndpointsResponseSchema.parse((await platform.api.get('/api/endpoints')).body);

    expect(endpoints).toContainEqual(expect.objectContaining({ service: 'auth', method: 'POST', path: '/auth/login' }));
  });

  it('describes the routing table in /api/service-info', async () => {
    const info = ServiceInfoResponseSchema.parse((await platform.api.get('/api/service-info')).body);

    expect(info.routes).toEqual(
      expect.arrayContaining([
        { prefix: '/auth', service: 'auth', public: true },
        { prefix: '/users', service: 'auth', public: false },
      ]),
    );
  });
});

describe('rate limits', () => {
  it('answer 429 RATE_LIMITED with Retry-After once a client used up its registrations', async () => {
    const first = await platform.api.post('/auth/register', newAccount('burst'));
    expect(first.status).toBe(201);
    const remaining = Number(first.headers.get('ratelimit-remaining'));
    expect(remaining).toBeLessThan(REGISTER_LIMIT);

    const answers = [];
    for (let i = 0; i <= remaining; i++) answers.push(await platform.api.post('/auth/register', newAccount('burst')));

    expect(answers.map((r) => r.status)).toEqual([...Array(remaining).fill(201), 429]);
    const limited = answers[answers.length - 1]!;
    expect(expectEnvelope(limited, 429, 'RATE_LIMITED').details).toMatchObject({ limit: REGISTER_LIMIT, window_s: WINDOW_S });
    const retryAfter = Number(limited.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(WINDOW_S);
    expect(limited.headers.get('ratelimit-limit')).toBe(String(REGISTER_LIMIT));
    expect(limited.headers.get('ratelimit-remaining')).toBe('0');
  });

  it('give a client no fresh allowance on public routes for sending a bearer token', async () => {
    expect((await platform.api.post('/auth/register', newAccount('anon'))).status).toBe(429);

    const res = await user.as.post('/auth/register', newAccount('authed'));

    expectEnvelope(res, 429, 'RATE_LIMITED');
  });

  it('count logins per client IP, token or not, and a login path spelled in another case against the same limit', async () => {
    const first = await user.as.post('/auth/login', user.credentials);
    expect(first.status).toBe(200);
    const remaining = Number(first.headers.get('ratelimit-remaining'));
    expect(first.headers.get('ratelimit-limit')).toBe(String(LOGIN_LIMIT));

    const statuses = [];
    for (let i = 0; i < remaining; i++) statuses.push((await platform.api.post('/auth/login', user.credentials)).status);
    const differentCase = await user.as.post('/auth/LOGIN', user.credentials);

    expect(statuses).toEqual(Array(remaining).fill(200));
    expectEnvelope(differentCase, 429, 'RATE_LIMITED');
  });

  it('leave other routes alone', async () => {
    expect((await platform.api.get('/api/service-info')).status).toBe(200);
    expect((await user.as.get('/auth/profile')).status).toBe(200);
  });
});
