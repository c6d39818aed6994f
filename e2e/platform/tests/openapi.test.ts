import {
  ApiDocsLinksResponseSchema,
  EndpointsResponseSchema,
  ErrorEnvelopeSchema,
  OpenApiDocumentSchema,
  type OpenApiDocument,
} from '@platform/contracts';
import { signIn, signUp } from './support/accounts';
import { startPlatform, type Platform } from './support/platform';
import {
  bodyOf,
  bodyVariants,
  concretePath,
  operationsOf,
  queryOf,
  queryVariants,
  validators,
  type DocOperation,
  type Json,
} from './support/openapi-variants';

jest.setTimeout(60_000);

const SERVICES = ['gateway', 'auth', 'channels', 'sessions', 'status-aggregator'];
let platform: Platform;
let doc: OpenApiDocument;
const tokens: { user: string; admin: string } = { user: '', admin: '' };

beforeAll(async () => {
  platform = await startPlatform({
    name: 'e2e-openapi',
    sessions: true,
    statusAggregator: true,
    // Hundreds of requests from one client in a few seconds: the limits are not under test here.
    gatewayEnv: { RATE_LIMIT_DEFAULT_PER_MIN: '100000' },
    // No DNS here: a webhook host is not resolved (its address checks are not what this file tests).
    sessionsEnv: { WEBHOOK_ALLOW_PRIVATE: 'true' },
  });
  const [user, admin] = await Promise.all([signUp(platform.api, 'docs'), signIn(platform.api, platform.admin)]);
  tokens.user = user.tokens.access_token;
  tokens.admin = admin.tokens.access_token;
  const res = await platform.api.get('/api/docs/openapi.json');
  expect(res.status).toBe(200);
  doc = OpenApiDocumentSchema.parse(res.body);
});

afterAll(async () => {
  await platform?.stop();
});

/** One request through the gateway; a stream is closed as soon as its status is known. */
async function send(
  o: DocOperation,
  query: Record<string, string>,
  body: unknown,
): Promise<{ status: number; code?: string }> {
  const url = new URL(concretePath(o.path, o.op), platform.gateway.url);
  for (const [k, v] of Object.entries(query)) url.searchParams.set(k, v);
  const token = o.op['x-auth'] === 'admin' ? tokens.admin : tokens.user;
  const res = await fetch(url, {
    method: o.method,
    headers: {
      authorization: `Bearer ${token}`,
      accept: 'application/json',
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    signal: AbortSignal.timeout(10_000),
  });
  if (res.headers.get('content-type')?.includes('text/event-stream')) {
    await res.body?.cancel();
    return { status: res.status };
  }
  const envelope = ErrorEnvelopeSchema.safeParse(await res.json().catch(() => undefined));
  return { status: res.status, ...(envelope.success ? { code: envelope.data.error_code } : {}) };
}

const rejectedAsInvalid = (r: { status: number; code?: string }) => r.status === 400 && r.code === 'VALIDATION_ERROR';

describe('the merged OpenAPI document', () => {
  it('is OpenAPI 3.1 and covers every running service', () => {
    expect(doc.openapi).toMatch(/^3\.1\./);
    expect(doc['x-unavailable-services']).toEqual([]);
    const ops = operationsOf(doc);
    expect(new Set(ops.map((o) => o.service))).toEqual(new Set(SERVICES));
    const ids = ops.map((o) => String(o.op.operationId));
    expect(new Set(ids).size).toBe(ids.length);
    for (const o of ops) expect(Object.keys(o.op.responses as Json).length).toBeGreaterThan(0);
    const refs = [...JSON.stringify(doc).matchAll(/"\$ref":"#\/components\/schemas\/([^"]+)"/g)].map((m) => m[1] ?? '');
    for (const ref of refs) expect(doc.components?.schemas?.[ref]).toBeDefined();
  });

  it('lists every documented service operation in /api/endpoints, which is derived from the same source', async () => {
    const { endpoints } = EndpointsResponseSchema.parse((await platform.api.get('/api/endpoints')).body);
    const listed = new Set(endpoints.map((e) => `${e.method === 'WS' ? 'GET' : e.method} ${e.path}`));
    const missing = operationsOf(doc)
      .filter((o) => !listed.has(`${o.method} ${o.path}`))
      .map((o) => `${o.method} ${o.path}`);
    expect(missing).toEqual([]);
  });

  it('serves the documentation page and every asset it references', async () => {
    const page = await fetch(new URL('/api/docs', platform.gateway.url), { headers: { accept: 'text/html' } });
    expect(page.status).toBe(200);
    expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");
    const html = await page.text();
    const assets = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1] ?? '');
    expect(assets).toEqual(
      expect.arrayContaining(['/api/docs/assets/swagger-ui-bundle.js', '/api/docs/assets/docs-init.js']),
    );
    for (const asset of assets) {
      const res = await fetch(new URL(asset, platform.gateway.url));
      expect([asset, res.status]).toEqual([asset, 200]);
      expect((await res.arrayBuffer()).byteLength).toBeGreaterThan(0);
    }
    const links = ApiDocsLinksResponseSchema.parse((await platform.api.get('/api/docs')).body);
    expect(links.services.map((s) => [s.name, s.status])).toEqual(SERVICES.slice(1).map((s) => [s, 'available']));
  });
});

describe('documented request schemas', () => {
  const checked = () => operationsOf(doc).filter((o) => o.service !== 'gateway' && (bodyOf(o.op) || queryOf(o.op)));

  it('accept the documented example, and so does the service', async () => {
    const v = validators(doc);
    const problems: string[] = [];
    for (const o of checked()) {
      const body = bodyOf(o.op);
      const query = queryOf(o.op);
      if (body && body.example === undefined) problems.push(`${o.method} ${o.path}: no body example`);
      if (body && !v.body(body.schema)(structuredClone(body.example)))
        problems.push(`${o.method} ${o.path}: the doc rejects its own body example`);
      if (query && !v.query(query.schema)({ ...query.example }))
        problems.push(`${o.method} ${o.path}: the doc rejects its own query example`);
      const res = await send(o, query?.example ?? {}, body?.example);
      if (res.status === 400 || res.status >= 500)
        problems.push(`${o.method} ${o.path}: the service answered ${res.status} ${res.code ?? ''} to the example`);
    }
    expect(checked().length).toBeGreaterThan(15);
    expect(problems).toEqual([]);
  });

  it('reject every input the services reject as invalid', async () => {
    const v = validators(doc);
    const misses: string[] = [];
    let rejectedByServices = 0;
    for (const o of checked()) {
      const body = bodyOf(o.op);
      const query = queryOf(o.op);
      const cases = [
        ...(body
          ? bodyVariants(body.schema, body.example).map((b) => ({
              label: `body ${b.label}`,
              query: query?.example ?? {},
              body: b.value,
            }))
          : []),
        ...(query
          ? queryVariants(query.schema, query.example).map((q) => ({
              label: `query ${q.label}`,
              query: q.value as Record<string, string>,
              body: body?.example,
            }))
          : []),
      ];
      for (let i = 0; i < cases.length; i += 8) {
        await Promise.all(
          cases.slice(i, i + 8).map(async (c) => {
            if (!rejectedAsInvalid(await send(o, c.query, c.body))) return;
            rejectedByServices++;
            const docAccepts =
              (body ? v.body(body.schema)(structuredClone(c.body)) : true) &&
              (query ? v.query(query.schema)({ ...c.query }) : true);
            if (docAccepts) misses.push(`${o.method} ${o.path}: ${c.label}`);
          }),
        );
      }
    }
    expect(rejectedByServices).toBeGreaterThan(100);
    expect(misses).toEqual([]);
  });
});
