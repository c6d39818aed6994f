import path from 'node:path';
import request from 'supertest';
import type { Express } from 'express';
import { OpenApiDocumentSchema, exampleProblems } from '@platform/contracts';
import { BreakerRegistry, ServiceClient, StaticResolver } from '@platform/service-client';
import { Lifecycle, createLogger, createMetrics } from '@platform/service-kit';
import { routeCoverage, testRedisUrl } from '@platform/testing';
import { createApp } from '../src/app';
import { loadStatusAggregatorConfig } from '../src/config';
import { createDb } from '../src/db';
import { createMonitor, type Monitor } from '../src/monitor';
import { STATUS_OPERATIONS } from '../src/routes/endpoints';
import { loadDashboardAssets } from '../src/services/dashboard-assets';
import { OpenStreams } from '../src/services/open-streams';
import { TestSigner } from './support/tokens';

// Wired like main.ts, but nothing polls and no query reaches the database: only routes and the document are read.
const logger = createLogger({ service: 'status-aggregator-test', level: 'error', pretty: false });
const config = loadStatusAggregatorConfig({
  NODE_ENV: 'test',
  REGISTRY_URL: 'http://127.0.0.1:1',
  REGISTRY_TOKEN: 'registry-test-token-0123456789',
  REGISTER_WITH_REGISTRY: 'false',
  DATABASE_URL: 'postgresql://nobody@127.0.0.1:1/unused',
  REDIS_URL: testRedisUrl(),
});
const db = createDb(config.DATABASE_URL);
const breakers = new BreakerRegistry(logger, createMetrics('status-aggregator', { collectDefaults: false }).registry);
const registry = new ServiceClient({
  target: 'registry',
  resolver: new StaticResolver({ registry: [config.REGISTRY_URL] }),
  breakers,
  logger,
  retries: 0,
});
let monitor: Monitor;
let app: Express;

beforeAll(async () => {
  monitor = createMonitor({ config, logger, db, breakers, registry, channels: undefined });
  const assets = await loadDashboardAssets(path.join(__dirname, '..', 'src', 'dashboard'));
  const verifier = new TestSigner().verifier();
  app = createApp({
    config,
    logger,
    db,
    verifier,
    lifecycle: new Lifecycle(),
    monitor,
    assets,
    streams: new OpenStreams(),
  });
});

afterAll(async () => {
  breakers.shutdown();
  await monitor.queues.close();
  await db.$disconnect();
});

describe('status-aggregator OpenAPI document', () => {
  it('documents every route the app mounts, and mounts every documented operation', async () => {
    const res = await request(app).get('/openapi.json').expect(200);
    const doc = OpenApiDocumentSchema.parse(res.body);
    expect(doc.info.title).toBe('status-aggregator');
    expect(routeCoverage(app, doc)).toEqual({ undocumented: [], unmounted: [] });
  });

  it('marks the routes that show more to admins as optionally authenticated', async () => {
    const res = await request(app).get('/openapi.json').expect(200);
    const components = OpenApiDocumentSchema.parse(res.body).paths['/api/status/components']?.get;
    expect(components).toMatchObject({ security: [{}, { bearerAuth: [] }], 'x-auth': 'optional' });
  });

  it('carries examples its own schemas accept', () => {
    expect(exampleProblems(STATUS_OPERATIONS)).toEqual([]);
  });
});
