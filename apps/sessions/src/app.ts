import type http from 'node:http';
import type net from 'node:net';
import type { Express } from 'express';
import type { Redis } from 'ioredis';
import type { AccessTokenVerifier } from '@platform/auth-middleware';
import { databaseErrors } from '@platform/db-kit';
import { closeRedis, createServiceApp, errorFields, redisCheck, type Lifecycle, type Logger, type Metrics } from '@platform/service-kit';
import type { SessionsConfig } from './config';
import type { Db } from './db';
import { SessionsRepository } from './repositories/sessions.repository';
import { RunsRepository } from './repositories/runs.repository';
import { EventLogRepository } from './repositories/event-log.repository';
import type { ChannelsClient, UsersClient } from './clients/platform.clients';
import type { AgentRunsQueue } from './queues/agent-runs';
import { EventHub } from './services/event-hub';
import { EventConsumer } from './services/event-consumer';
import { SessionsService } from './services/sessions.service';
import { RunsService } from './services/runs.service';
import { OpenStreams } from './services/open-streams';
import { sessionsRoutes } from './routes/sessions.routes';
import { streamRoutes } from './routes/stream.routes';
import { internalRoutes } from './routes/internal.routes';
import { sessionsWebSocket } from './routes/ws';

export interface SessionsDeps {
  config: SessionsConfig;
  logger: Logger;
  db: Db;
  /** Commands and publishing. */
  redis: Redis;
  /** Subscriber connection for live events (a Redis connection in subscribe mode can do nothing else). */
  redisSub: Redis;
  queue: AgentRunsQueue;
  verifier: AccessTokenVerifier;
  users: UsersClient;
  channels: ChannelsClient;
  lifecycle: Lifecycle;
  metrics?: Metrics;
}

export interface SessionsApp {
  app: Express;
  upgrade: (req: http.IncomingMessage, socket: net.Socket, head: Buffer) => void;
  consumer: EventConsumer;
  streams: OpenStreams;
}

export function createApp(d: SessionsDeps): SessionsApp {
  const c = d.config;
  const sessionsRepo = new SessionsRepository(d.db);
  const runsRepo = new RunsRepository(d.db);
  const log = new EventLogRepository(d.db);
  const hub = new EventHub(d.redis, d.redisSub, c.REDIS_PREFIX, d.logger);
  const streams = new OpenStreams();
  const sessions = new SessionsService(sessionsRepo, runsRepo, d.users, d.channels, d.queue, c.FORK_WAIT_MS, d.logger);
  const runs = new RunsService(sessions, runsRepo, d.queue, hub, d.logger);
  // The consumer blocks in XREADGROUP for up to a second: on a connection of its own, so readiness PINGs
  // and other commands are not queued behind it.
  const consumerRedis = d.redis.duplicate();
  consumerRedis.on('error', (err: unknown) => d.logger.warn('event consumer redis error', errorFields(err)));
  d.lifecycle.onShutdown('event consumer redis', () => closeRedis(consumerRedis));
  const consumer = new EventConsumer({
    redis: consumerRedis,
    stream: c.EVENTS_STREAM,
    lockKey: `${c.REDIS_PREFIX}event-consumer-lock`,
    log,
    hub,
    logger: d.logger,
    onLeaderTick: async () => void (await runs.requeueStale(c.REQUEUE_AFTER_MS)),
  });
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
    ],
    bodyLimit: c.BODY_LIMIT,
    trustProxy: c.TRUST_PROXY,
    isAccepting: d.lifecycle.isAccepting,
    routes: (a) => {
      a.use(streamRoutes({ sessions, hub, log, verifier: d.verifier, streams, heartbeatMs: c.SSE_HEARTBEAT_MS }));
      a.use(sessionsRoutes({ sessions, runs, verifier: d.verifier, queryWaitMaxMs: c.QUERY_WAIT_MAX_MS }));
      a.use(internalRoutes({ runs, verifier: d.verifier }));
      a.use(databaseErrors());
    },
  });
  const upgrade = sessionsWebSocket({ sessions, runs, hub, log, verifier: d.verifier, streams, logger: d.logger, heartbeatMs: c.SSE_HEARTBEAT_MS });
  return { app, upgrade, consumer, streams };
}
