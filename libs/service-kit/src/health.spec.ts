import request from 'supertest';
import { HealthResponseSchema, ReadyResponseSchema } from '@platform/contracts';
import { createServiceApp } from './create-app';
import type { ReadinessCheck } from './health';
import { Lifecycle } from './lifecycle';
import { createLogger } from './logger';
import { createMetrics } from './metrics';

function appWith(checks: ReadinessCheck[], lifecycle = new Lifecycle()) {
  return createServiceApp({
    service: 'kit-test',
    version: '9.9.9',
    instanceId: 'kit-test-1',
    logger: createLogger({ service: 'kit-test', level: 'error', pretty: false }),
    checks,
    isAccepting: lifecycle.isAccepting,
    routes: () => undefined,
  });
}

const ok = (name: string): ReadinessCheck => ({ name, check: async () => undefined });
const never = () => new Promise<void>(() => undefined);

describe('health and readiness', () => {
  it('answers /health with the service identity, whatever its dependencies', async () => {
    const res = await request(appWith([{ name: 'db', check: () => Promise.reject(new Error('down')) }])).get('/health').expect(200);
    expect(HealthResponseSchema.parse(res.body)).toMatchObject({ status: 'ok', service: 'kit-test', version: '9.9.9', instance_id: 'kit-test-1' });
  });

  it('on a public edge names neither its instance in /health nor the errors of failing checks in /ready', async () => {
    const app = createServiceApp({
      service: 'kit-edge',
      version: '9.9.9',
      instanceId: 'kit-edge-1',
      logger: createLogger({ service: 'kit-edge', level: 'error', pretty: false }),
      checks: [{ name: 'redis', check: () => Promise.reject(new Error('connect ECONNREFUSED 10.1.2.3:6379')) }],
      publicOps: true,
      routes: () => undefined,
    });
    const health = await request(app).get('/health').expect(200);
    const ready = await request(app).get('/ready').expect(503);
    expect(HealthResponseSchema.parse(health.body).instance_id).toBeUndefined();
    expect(ReadyResponseSchema.parse(ready.body).checks).toEqual([{ name: 'redis', ok: false, latency_ms: expect.any(Number) }]);
    expect(JSON.stringify([health.body, ready.body])).not.toMatch(/kit-edge-1|10\.1\.2\.3/);
  });

  it('adds healthDetails fields to /health without touching the identity fields', async () => {
    const app = createServiceApp({
      service: 'kit-test',
      version: '9.9.9',
      instanceId: 'kit-test-1',
      logger: createLogger({ service: 'kit-test', level: 'error', pretty: false }),
      healthDetails: async () => ({ platform: { status: 'unknown' } }),
      routes: () => undefined,
    });
    const res = await request(app).get('/health').expect(200);
    expect(res.body).toMatchObject({ status: 'ok', service: 'kit-test', platform: { status: 'unknown' } });
  });

  it('is ready (200) when every check passes, reporting each one', async () => {
    const res = await request(appWith([ok('db'), ok('redis')])).get('/ready').expect(200);
    const body = ReadyResponseSchema.parse(res.body);
    expect(body.status).toBe('ready');
    expect(body.checks.map((c) => [c.name, c.ok])).toEqual([['db', true], ['redis', true]]);
  });

  it('is not ready (503) when one check fails, naming it and its error', async () => {
    const app = appWith([ok('db'), { name: 'redis', check: () => Promise.reject(new Error('ECONNREFUSED 127.0.0.1:6379')) }]);
    const res = await request(app).get('/ready').expect(503);
    expect(ReadyResponseSchema.parse(res.body)).toMatchObject({
      status: 'not_ready',
      checks: [
        { name: 'db', ok: true },
        { name: 'redis', ok: false, error: 'ECONNREFUSED 127.0.0.1:6379' },
      ],
    });
  });

  it('is not ready (503) when a check hangs past its timeout, and answers promptly', async () => {
    const started = Date.now();
    const res = await request(appWith([{ name: 'slow-db', check: never, timeoutMs: 100 }])).get('/ready').expect(503);
    expect(Date.now() - started).toBeLessThan(1000);
    expect(ReadyResponseSchema.parse(res.body).checks).toEqual([
      { name: 'slow-db', ok: false, latency_ms: expect.any(Number), error: 'timed out after 100 ms' },
    ]);
  });

  it('is not ready (503) once shutdown has begun, so load balancers stop sending traffic', async () => {
    const lifecycle = new Lifecycle();
    const app = appWith([ok('db')], lifecycle);
    await request(app).get('/ready').expect(200);
    lifecycle.stopAccepting();
    const res = await request(app).get('/ready').expect(503);
    expect(ReadyResponseSchema.parse(res.body).checks).toContainEqual({ name: 'shutdown', ok: false, latency_ms: 0, error: 'shutting down' });
  });
});

describe('/metrics', () => {
  const logger = createLogger({ service: 'kit-test', level: 'error', pretty: false });

  it('answers what `collect` gathers when the metrics say so (a cluster worker: every worker summed)', async () => {
    const metrics = { ...createMetrics('kit-test', { collectDefaults: false }), collect: async () => 'every_worker_total 7\n' };
    const res = await request(createServiceApp({ service: 'kit-test', version: '1', instanceId: 'i', logger, metrics, routes: () => undefined })).get('/metrics').expect(200);
    expect(res.text).toBe('every_worker_total 7\n');
  });

  it('answers 503 in the error envelope, with Retry-After, when they cannot be gathered', async () => {
    const metrics = { ...createMetrics('kit-test', { collectDefaults: false }), collect: () => Promise.reject(new Error('primary did not answer')) };
    const res = await request(createServiceApp({ service: 'kit-test', version: '1', instanceId: 'i', logger, metrics, routes: () => undefined })).get('/metrics').expect(503);
    expect(res.headers['retry-after']).toBe('1');
    expect(res.body).toMatchObject({ error_code: 'SERVICE_UNAVAILABLE' });
  });
});
