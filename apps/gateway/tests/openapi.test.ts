import http from 'node:http';
import type { AddressInfo } from 'node:net';
import request from 'supertest';
import type { Express } from 'express';
import {
  ApiDocsLinksResponseSchema,
  OpenApiDocumentSchema,
  buildOpenApiDocument,
  type ApiOperation,
} from '@platform/contracts';
import { AccessTokenVerifier, JwksKeyStore } from '@platform/auth-middleware';
import { BreakerRegistry, ServiceClient, StaticResolver } from '@platform/service-client';
import { Lifecycle, closeRedis, createLogger, createMetrics, createRedis } from '@platform/service-kit';
import { redisPrefix, routeCoverage, testRedisUrl } from '@platform/testing';
import { createApp } from '../src/app';
import { loadGatewayConfig } from '../src/config';

const logger = createLogger({ service: 'gateway-test', level: 'error', pretty: false });
const op = (path: string): ApiOperation => ({
  method: 'GET',
  path,
  summary: path,
  tags: ['t'],
  auth: 'public',
  responses: { 200: { description: 'ok' } },
});
const channelsDoc = buildOpenApiDocument({ title: 'channels', version: '7.0.0' }, [
  op('/api/channels'),
  op('/not-routed'),
]);

/** A stand-in channels instance that serves its document until it is stopped. */
async function docServer(): Promise<{ url: string; stop: () => Promise<void> }> {
  const server = http.createServer((req, res) => {
    res
      .writeHead(req.url === '/openapi.json' ? 200 : 404, { 'content-type': 'application/json' })
      .end(JSON.stringify(channelsDoc));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { url, stop: () => new Promise((resolve) => server.close(() => resolve())) };
}

const config = loadGatewayConfig({
  REGISTRY_TOKEN: 'registry-test-token-0123456789',
  REGISTRY_URL: 'http://127.0.0.1:1',
  REDIS_PREFIX: redisPrefix('gw-docs'),
  RATE_LIMIT_ENABLED: 'false',
});
const metrics = createMetrics('gateway', { collectDefaults: false });
const breakers = new BreakerRegistry(logger, metrics.registry);
const redis = createRedis(testRedisUrl(), logger);
let channels: Awaited<ReturnType<typeof docServer>>;
let app: Express;

beforeAll(async () => {
  channels = await docServer();
  // The registry is replaced by a fixed table: channels is up, every other routed service has no instance.
  const resolver = new StaticResolver({ channels: [channels.url] });
  ({ app } = createApp({
    config,
    logger,
    redis,
    lifecycle: new Lifecycle(),
    resolver,
    breakers,
    verifier: new AccessTokenVerifier({
      keys: new JwksKeyStore({ fetchJwks: () => Promise.reject(new Error('no keys')) }),
      issuer: 'x',
      audience: 'x',
    }),
    registry: new ServiceClient({ target: 'registry', resolver: new StaticResolver({}), breakers, logger }),
    metrics,
  }));
});

afterAll(async () => {
  await channels.stop();
  breakers.shutdown();
  await closeRedis(redis);
});

describe('gateway API documentation', () => {
  it('documents every route the gateway itself mounts', async () => {
    const res = await request(app).get('/openapi.json').expect(200);
    expect(routeCoverage(app, OpenApiDocumentSchema.parse(res.body))).toEqual({ undocumented: [], unmounted: [] });
  });

  it('merges the gateway and every readable service, listing the others as unavailable', async () => {
    const res = await request(app).get('/api/docs/openapi.json').expect(200);
    const doc = OpenApiDocumentSchema.parse(res.body);
    expect(doc.openapi).toBe('3.1.0');
    expect(doc.paths['/api/channels']?.get).toMatchObject({ 'x-service': 'channels' });
    expect(doc.paths['/api/docs/openapi.json']?.get).toMatchObject({ 'x-service': 'gateway' });
    expect(doc.paths['/not-routed']).toBeUndefined();
    expect(doc['x-unavailable-services']).toEqual(['auth', 'sessions', 'status-aggregator']);
  });

  it('answers the documentation links as JSON when asked for JSON', async () => {
    const res = await request(app).get('/api/docs').set('Accept', 'application/json').expect(200);
    const links = ApiDocsLinksResponseSchema.parse(res.body);
    expect(links.openapi_url).toBe('/api/docs/openapi.json');
    expect(links.services.find((s) => s.name === 'channels')).toMatchObject({
      status: 'available',
      version: '7.0.0',
      operations: 2,
    });
    expect(links.services.find((s) => s.name === 'auth')).toMatchObject({ status: 'unavailable', version: null });
  });

  it('serves the page with a strict CSP, no inline script, and every asset it references locally', async () => {
    const res = await request(app)
      .get('/api/docs')
      .set('Accept', 'text/html')
      .expect(200)
      .expect('content-type', /html/);
    const csp = res.headers['content-security-policy'] ?? '';
    expect(csp).toContain("script-src 'self';");
    expect(csp).toContain("default-src 'none'");
    expect(csp).not.toMatch(/script-src[^;]*unsafe/);
    expect(res.text).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
    const assets = [...res.text.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1] ?? '');
    expect(assets.length).toBeGreaterThanOrEqual(5);
    for (const asset of assets) {
      expect(asset.startsWith('/api/docs/assets/')).toBe(true);
      const file = await request(app).get(asset).expect(200);
      expect(file.headers['content-type']).toMatch(/javascript|css|png/);
    }
  });

  it('serves only the files the page needs', async () => {
    await request(app).get('/api/docs/assets/index.html').expect(404);
    await request(app).get('/api/docs/assets/swagger-initializer.js').expect(404);
  });

  it.each(['constructor', '__proto__', 'toString', 'hasOwnProperty'])('answers /api/docs/assets/%s with 404, not a property of Object.prototype', async (name) => {
    const res = await request(app).get(`/api/docs/assets/${name}`).expect(404);
    expect(res.body).toMatchObject({ error_code: 'NOT_FOUND' });
  });

  it('keeps the last good copy of a service that went down', async () => {
    await request(app).get('/api/docs/openapi.json').expect(200);
    await channels.stop();
    // A document missing services is cached for 2 s only; then services are asked again.
    await new Promise((resolve) => setTimeout(resolve, 2100));
    const res = await request(app).get('/api/docs').set('Accept', 'application/json').expect(200);
    expect(ApiDocsLinksResponseSchema.parse(res.body).services.find((s) => s.name === 'channels')).toMatchObject({
      status: 'stale',
      version: '7.0.0',
    });
    const doc = OpenApiDocumentSchema.parse((await request(app).get('/api/docs/openapi.json').expect(200)).body);
    expect(doc.paths['/api/channels']?.get).toBeDefined();
    expect(doc['x-unavailable-services']).not.toContain('channels');
  });
});
