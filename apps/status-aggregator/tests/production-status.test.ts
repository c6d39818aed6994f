import { Queue } from 'bullmq';
import { ErrorEnvelopeSchema, ProductionStatusSchema, StatusMetricsResponseSchema } from '@platform/contracts';
import { bullConnection } from '@platform/queue-kit';
import { cleanupRedisPrefix, jsonRequest, testRedisUrl, type JsonClient } from '@platform/testing';
import { startStatusHarness, type StatusHarness } from './support/harness';
import type { FakeInstance } from './support/fake-instance';

jest.setTimeout(20_000);

let h: StatusHarness;
let api: JsonClient;
let channels: FakeInstance;
let queue: Queue;
beforeAll(async () => {
  h = await startStatusHarness('production-status', {
    REQUIRED_SERVICES: 'registry,channels',
    CHANNELS_COUNT_TTL_MS: '1',
  });
  api = jsonRequest(h.agg.url);
  channels = await h.instance('channels');
  queue = new Queue('agent-runs', { connection: bullConnection(testRedisUrl()), prefix: h.agg.config.QUEUE_PREFIX });
}, 30_000);
afterAll(async () => {
  await queue?.close();
  if (h) await cleanupRedisPrefix(`${h.agg.config.QUEUE_PREFIX}:`);
  await h?.close();
}, 30_000);

describe('GET /api/production-status', () => {
  it('aggregates the platform state, every service, the channels count and the queue depths', async () => {
    channels.channelsCount = 42;
    await queue.add('run', { n: 1 });
    await queue.add('run', { n: 2 });
    await queue.add('run', { n: 3 }, { delay: 60_000 });

    await h.agg.tick();
    const res = await api.get('/api/production-status');

    expect(res.status).toBe(200);
    expect(ProductionStatusSchema.strict().parse(res.body)).toEqual({
      status: 'operational',
      description: 'All systems operational',
      services: { channels: 'operational', registry: 'operational' },
      channels_count: 42,
      queues: [{ name: 'agent-runs', waiting: 2, active: 0, delayed: 1, failed: 0 }],
      timestamp: expect.any(String),
    });
    expect(channels.lastAuthorization).toMatch(/^Bearer /);
  });

  it('keeps the last channels count while channels cannot answer, and reports the outage', async () => {
    channels.mode = 'down';
    await h.agg.tick();

    const status = ProductionStatusSchema.parse((await api.get('/api/production-status')).body);

    expect(status).toMatchObject({
      status: 'major_outage',
      description: 'Major outage: channels',
      services: { channels: 'major_outage' },
      channels_count: 42,
    });
    channels.mode = 'ready';
  });
});

describe('GET /api/status/metrics', () => {
  it('is for admins only: 401 without a token, 403 for a user', async () => {
    const anonymous = await api.get('/api/status/metrics', { schema: ErrorEnvelopeSchema });
    const user = await api.get('/api/status/metrics', {
      headers: h.agg.signer.auth('user'),
      schema: ErrorEnvelopeSchema,
    });

    expect([anonymous.status, anonymous.body.error_code]).toEqual([401, 'UNAUTHORIZED']);
    expect([user.status, user.body.error_code]).toEqual([403, 'FORBIDDEN']);
  });

  it("charts each service's request rate and latency from its /metrics, leaving out the probes", async () => {
    const quiet = await h.instance('quiet');
    await h.agg.tick();
    await channels.traffic(20);
    await h.agg.tick();

    const res = await api.get('/api/status/metrics', {
      headers: h.agg.signer.auth('admin'),
      schema: StatusMetricsResponseSchema,
    });

    expect(res.status).toBe(200);
    const last = (service: string) => res.body.services.find((s) => s.service === service)?.points.at(-1);
    expect(last('channels')).toMatchObject({
      requests_per_s: expect.any(Number),
      error_ratio: 0,
      latency_p95_ms: expect.any(Number),
    });
    expect(last('channels')?.requests_per_s).toBeGreaterThan(0);
    expect(last(quiet.name)).toMatchObject({ requests_per_s: 0, error_ratio: null, latency_p95_ms: null });
  });
});
