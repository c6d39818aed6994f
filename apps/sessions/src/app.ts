import type http from 'node:http';
import type net from 'node:net';
import type { Express } from 'express';
import type { Redis } from 'ioredis';
import { verifierChecks, type TokenVerifier } from '@platform/auth-middleware';
import { databaseErrors } from '@platform/db-kit';
import { closeRedis, createServiceApp, errorFields, redisCheck, type Lifecycle, type Logger, type Metrics } from '@platform/service-kit';
import type { SessionsConfig } from './config';
import type { Db } from './db';
import type { ChannelsClient, UsersClient } from './clients/platform.clients';
import type { AgentRunsQueue } from './queues/agent-runs';
import { WebhookWorker, type WebhooksQueue } from './queues/webhooks';
import type { Resolve } from './services/webhooks/url-guard';
import { EventConsumer } from './services/event-consumer';
import { OpenStreams } from './services/open-streams';
import { buildServices } from './services/build-services';
import { sessionsRoutes } from './routes/sessions.routes';
import { streamRoutes } from './routes/stream.routes';
import { internalRoutes } from './routes/internal.routes';
import { runControlRoutes } from './routes/run-control.routes';
import { webhookSettingsRoutes } from './routes/webhook-settings.routes';
import { soloRoutes } from './routes/solo.routes';
import { tddRoutes } from './routes/tdd.routes';
import { budgetRoutes } from './routes/budgets.routes';
import { sessionsWebSocket } from './routes/ws';
import { SESSIONS_OPERATIONS } from './routes/endpoints';

export interface SessionsDeps {
  config: SessionsConfig;
  logger: Logger;
  db: Db;
  /** Commands and publishing. */
  redis: Redis;
  /** Subscriber connection for live events (a Redis connection in subscribe mode can do nothing else). */
  redisSub: Redis;
  queue: AgentRunsQueue;
  webhooksQueue: WebhooksQueue;
  verifier: TokenVerifier;
  users: UsersClient;
  channels: ChannelsClient;
  lifecycle: Lifecycle;
  metrics?: Metrics;
  /** How webhook hostnames are resolved for the address checks (tests stand in for DNS). */
  resolveHost?: Resolve;
}

export interface SessionsApp {
  app: Express;
  upgrade: (req: http.IncomingMessage, socket: net.Socket, head: Buffer) => void;
  consumer: EventConsumer;
  webhookWorker: WebhookWorker;
  streams: OpenStreams;
}

export function createApp(d: SessionsDeps): SessionsApp {
  const c = d.config;
  const s = buildServices(d);
  const streams = new OpenStreams();
  // The consumer blocks in XREADGROUP for up to a second: on a connection of its own, so readiness PINGs
  // and other commands are not queued behind it.
  const consumerRedis = d.redis.duplicate();
  consumerRedis.on('error', (err: unknown) => d.logger.warn('event consumer redis error', errorFields(err)));
  d.lifecycle.onShutdown('event consumer redis', () => closeRedis(consumerRedis));
  const consumer = new EventConsumer({
    redis: consumerRedis,
    stream: c.EVENTS_STREAM,
    lockKey: `${c.REDIS_PREFIX}event-consumer-lock`,
    log: s.log,
    hub: s.hub,
    logger: d.logger,
    tickMs: c.LEADER_TICK_MS,
    onLeaderTick: s.leaderTick,
    onRunEnded: (runId) => s.control.runEnded(runId),
  });
  const webhookWorker = new WebhookWorker({
    redisUrl: c.REDIS_URL,
    prefix: c.QUEUE_PREFIX,
    concurrency: 4,
    logger: d.logger,
    deliver: (job, attempt) => s.deliveries.deliver(job, attempt),
  });
  const { sessions, runs, hub, log, verifier } = { ...s, verifier: d.verifier };
  const app = createServiceApp({
    service: 'sessions',
    version: c.SERVICE_VERSION,
    instanceId: c.INSTANCE_ID,
    logger: d.logger,
    ...(d.metrics ? { metrics: d.metrics } : {}),
    checks: [
      { name: 'postgres', check: async () => void (await d.db.$queryRaw`SELECT 1`) },
      redisCheck(d.redis),
      { name: 'queue', check: async () => void (await d.queue.counts()) },
      ...verifierChecks(d.verifier),
    ],
    bodyLimit: c.BODY_LIMIT,
    trustProxy: c.TRUST_PROXY,
    isAccepting: d.lifecycle.isAccepting,
    openapi: { title: 'sessions', version: c.SERVICE_VERSION, operations: SESSIONS_OPERATIONS },
    routes: (a) => {
      a.use(webhookSettingsRoutes({ settings: s.webhookSettings, verifier }));
      a.use(streamRoutes({ sessions, hub, log, verifier, streams, heartbeatMs: c.SSE_HEARTBEAT_MS }));
      a.use(runControlRoutes({ control: s.control, permissions: s.permissions, records: s.records, verifier }));
      a.use(sessionsRoutes({ sessions, runs, idempotency: s.idempotency, verifier, queryWaitMaxMs: c.QUERY_WAIT_MAX_MS }));
      a.use(internalRoutes({ runner: s.runnerApi, permissions: s.permissions, verifier }));
      a.use(soloRoutes({ solo: s.solo, idempotency: s.idempotency, verifier }));
      a.use(tddRoutes({ tdd: s.tdd, idempotency: s.idempotency, verifier }));
      a.use(budgetRoutes({ budgets: s.budgets, verifier }));
      a.use(databaseErrors());
    },
  });
  const upgrade = sessionsWebSocket({ sessions, runs, hub, log, verifier, streams, logger: d.logger, heartbeatMs: c.SSE_HEARTBEAT_MS, redis: d.redis });
  return { app, upgrade, consumer, webhookWorker, streams };
}
