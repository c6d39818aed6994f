import request from 'supertest';
import { OpenApiDocumentSchema, exampleProblems } from '@platform/contracts';
import { AccessTokenVerifier, JwksKeyStore } from '@platform/auth-middleware';
import { BreakerRegistry, RegistryResolver, ServiceClient } from '@platform/service-client';
import { Lifecycle, closeRedis, createMetrics, createRedis } from '@platform/service-kit';
import { cleanupRedisPrefix, redisPrefix, routeCoverage, testRedisUrl } from '@platform/testing';
import { createApp, type SessionsApp } from '../src/app';
import { loadSessionsConfig } from '../src/config';
import { createDb } from '../src/db';
import { AgentRunsQueue } from '../src/queues/agent-runs';
import { WebhooksQueue } from '../src/queues/webhooks';
import { ChannelsClient, UsersClient } from '../src/clients/platform.clients';
import { SESSIONS_OPERATIONS } from '../src/routes/endpoints';
import { memoryLogger } from './support/sessions';

// The app is wired like main.ts but never serves traffic: only its routes and its document are read.
const base = redisPrefix('sessions-openapi');
const config = loadSessionsConfig({
  NODE_ENV: 'test',
  REGISTRY_URL: 'http://127.0.0.1:1',
  REGISTRY_TOKEN: 'registry-test-token-0123456789',
  REGISTER_WITH_REGISTRY: 'false',
  DATABASE_URL: 'postgresql://nobody@127.0.0.1:1/unused',
  REDIS_URL: testRedisUrl(),
  REDIS_PREFIX: `${base}svc:`,
  QUEUE_PREFIX: `${base}bull`,
  EVENTS_STREAM: `${base}events`,
  SERVICE_CLIENT_ID: 'sessions',
  SERVICE_CLIENT_SECRET: 'sessions-secret-0123456789',
});
const { logger } = memoryLogger('sessions');
const lifecycle = new Lifecycle();
const redis = createRedis(config.REDIS_URL, logger);
const redisSub = createRedis(config.REDIS_URL, logger);
const queue = new AgentRunsQueue({
  redisUrl: config.REDIS_URL,
  prefix: config.QUEUE_PREFIX,
  attempts: 1,
  backoffMs: 10,
});
const webhooksQueue = new WebhooksQueue({
  redisUrl: config.REDIS_URL,
  prefix: config.QUEUE_PREFIX,
  attempts: 1,
  backoffMs: 10,
});
const metrics = createMetrics('sessions', { collectDefaults: false });
const breakers = new BreakerRegistry(logger, metrics.registry);
const resolver = new RegistryResolver({ registryUrl: config.REGISTRY_URL, token: config.REGISTRY_TOKEN, logger });
const client = (target: string) => new ServiceClient({ target, resolver, breakers, logger, timeoutMs: 100 });
let built: SessionsApp;

beforeAll(() => {
  built = createApp({
    config,
    logger,
    db: createDb(config.DATABASE_URL),
    redis,
    redisSub,
    queue,
    webhooksQueue,
    verifier: new AccessTokenVerifier({
      keys: new JwksKeyStore({ fetchJwks: () => Promise.reject(new Error('no keys in this test')) }),
      issuer: config.JWT_ISSUER,
      audience: config.JWT_AUDIENCE,
    }),
    users: new UsersClient(client('auth')),
    channels: new ChannelsClient(client('channels')),
    lifecycle,
    metrics,
  });
});

afterAll(async () => {
  for (const closer of lifecycle.closers()) await closer.fn();
  breakers.shutdown();
  await Promise.allSettled([queue.close(), webhooksQueue.close()]);
  await cleanupRedisPrefix(base, redis);
  await Promise.allSettled([closeRedis(redisSub), closeRedis(redis)]);
});

describe('sessions OpenAPI document', () => {
  it('documents every route the app mounts, and mounts every documented operation', async () => {
    const res = await request(built.app).get('/openapi.json').expect(200);
    const doc = OpenApiDocumentSchema.parse(res.body);
    expect(doc.info.title).toBe('sessions');
    expect(routeCoverage(built.app, doc)).toEqual({ undocumented: [], unmounted: [] });
  });

  it('documents the WebSocket on the stream path beside its server-sent events', async () => {
    const res = await request(built.app).get('/openapi.json').expect(200);
    const stream = OpenApiDocumentSchema.parse(res.body).paths['/api/v1/sessions/{id}/stream']?.get as Record<
      string,
      unknown
    >;
    expect(stream).toMatchObject({ 'x-stream': 'sse', 'x-websocket': true });
    expect(stream['x-websocket-messages']).toMatchObject({ client: expect.any(Object), server: expect.any(Object) });
  });

  it('carries examples its own schemas accept', () => {
    expect(exampleProblems(SESSIONS_OPERATIONS)).toEqual([]);
  });
});
