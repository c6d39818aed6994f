import request from 'supertest';
import { HealthResponseSchema, ReadyResponseSchema } from '@platform/contracts';
import { Lifecycle, closeRedis, createRedis } from '@platform/service-kit';
import { freePort } from '@platform/testing';
import { createApp } from '../src/app';
import { bearer, buildRegistry, instanceBody, quietLogger } from './support';

const registry = buildRegistry('registry-ops');
const api = registry.app;

afterAll(() => registry.close());

describe('registry: operations endpoints', () => {
  it('answers /health without a credential', async () => {
    const res = await request(api).get('/health').expect(200);
    expect(HealthResponseSchema.parse(res.body)).toMatchObject({ status: 'ok', service: 'registry', instance_id: registry.config.INSTANCE_ID });
  });

  it('is ready while Redis answers', async () => {
    const res = await request(api).get('/ready').expect(200);
    expect(ReadyResponseSchema.parse(res.body)).toMatchObject({ status: 'ready', checks: [{ name: 'redis', ok: true }] });
  });

  it('is not ready (503) while Redis is unreachable', async () => {
    const logger = quietLogger();
    // No reconnects: a reconnecting ioredis client leaves a 2 s socket timer behind after disconnect.
    const deadRedis = createRedis(`redis://127.0.0.1:${await freePort()}`, logger, { retryStrategy: () => null });
    const app = createApp({ config: registry.config, logger, redis: deadRedis, lifecycle: new Lifecycle() });
    try {
      const res = await request(app).get('/ready').expect(503);
      expect(ReadyResponseSchema.parse(res.body)).toMatchObject({ status: 'not_ready', checks: [{ name: 'redis', ok: false }] });
    } finally {
      await closeRedis(deadRedis);
    }
  });

  it('is not ready once shutdown has begun', async () => {
    const lifecycle = new Lifecycle();
    const app = createApp({ config: registry.config, logger: quietLogger(), redis: registry.redis, lifecycle });
    lifecycle.stopAccepting();
    const res = await request(app).get('/ready').expect(503);
    expect(ReadyResponseSchema.parse(res.body).checks).toContainEqual(expect.objectContaining({ name: 'shutdown', ok: false }));
  });

  it('exposes Prometheus metrics counting requests by route template, not raw path', async () => {
    const body = instanceBody('metered');
    await request(api).post('/registry/instances').set(bearer()).send(body).expect(201);
    await request(api).put(`/registry/instances/metered/${body.instance_id}/heartbeat`).set(bearer()).expect(204);
    const res = await request(api).get('/metrics').expect(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain/);
    expect(res.text).toContain('# TYPE http_requests_total counter');
    expect(res.text).toMatch(/http_requests_total\{[^}]*route="\/registry\/instances\/:name\/:instance_id\/heartbeat"[^}]*status="204"/);
    expect(res.text).not.toContain(body.instance_id);
  });

  it('echoes a sane request id and replaces an unsafe one', async () => {
    const kept = await request(api).get('/health').set('x-request-id', 'probe-0001-abcd').expect(200);
    expect(kept.headers['x-request-id']).toBe('probe-0001-abcd');
    const replaced = await request(api).get('/health').set('x-request-id', 'bad id\twith spaces').expect(200);
    expect(replaced.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });
});
