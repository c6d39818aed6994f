import { Writable } from 'node:stream';
import { randomBytes } from 'node:crypto';
import winston from 'winston';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import {
  AGENT_RUNS_QUEUE,
  JwksSchema,
  TokenResponseSchema,
  UserSchema,
  type RunEvent,
  type User,
} from '@platform/contracts';
import { AccessTokenVerifier, JwksKeyStore } from '@platform/auth-middleware';
import { BreakerRegistry, RegistryResolver, ServiceClient, ServiceTokenProvider } from '@platform/service-client';
import {
  Lifecycle,
  closeRedis,
  createMetrics,
  createRedis,
  serve,
  type Logger,
  type RunningService,
} from '@platform/service-kit';
import { bullConnection } from '@platform/queue-kit';
import {
  cleanupRedisPrefix,
  createTestDatabase,
  jsonRequest,
  redisPrefix,
  testRedisUrl,
  type JsonClient,
  type TestDatabase,
} from '@platform/testing';
import { createApp, type SessionsApp } from '../../src/app';
import { loadSessionsConfig, type SessionsConfig } from '../../src/config';
import { createDb, type Db } from '../../src/db';
import { AgentRunsQueue } from '../../src/queues/agent-runs';
import { WebhooksQueue } from '../../src/queues/webhooks';
import type { Resolve } from '../../src/services/webhooks/url-guard';
import { ChannelsClient, UsersClient } from '../../src/clients/platform.clients';
import { SERVICE_CLIENT, startDependencies, type Dependencies } from './platform';

/** The Redis names one test file's sessions instances share (and nothing else uses). */
export interface SessionsKeys {
  /** Every key below starts with this; cleaned up at the end. */
  base: string;
  REDIS_PREFIX: string;
  QUEUE_PREFIX: string;
  EVENTS_STREAM: string;
}

export function sessionsKeys(name: string): SessionsKeys {
  const base = redisPrefix(`sessions-${name}`);
  return { base, REDIS_PREFIX: `${base}svc:`, QUEUE_PREFIX: `${base}bull`, EVENTS_STREAM: `${base}events` };
}

/** A logger that keeps its lines in memory (the tests read them; the console stays quiet). */
export function memoryLogger(service: string): { logger: Logger; lines: () => Array<Record<string, unknown>> } {
  const lines: Array<Record<string, unknown>> = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString('utf8').split('\n').filter(Boolean))
        lines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  const logger = winston.createLogger({
    level: 'info',
    defaultMeta: { service },
    format: winston.format.json(),
    transports: [new winston.transports.Stream({ stream })],
  });
  return { logger, lines: () => [...lines] };
}

/** One in-process sessions app, wired like src/main.ts, with its event consumer running. */
export interface SessionsInstance {
  url: string;
  config: SessionsConfig;
  built: SessionsApp;
  running: RunningService;
  db: Db;
  logs: () => Array<Record<string, unknown>>;
  stop(): Promise<void>;
}

export async function startSessionsInstance(
  deps: Dependencies,
  o: { databaseUrl: string; keys: SessionsKeys; env?: Record<string, string>; resolveHost?: Resolve },
): Promise<SessionsInstance> {
  const config = loadSessionsConfig({
    NODE_ENV: 'test',
    LOG_LEVEL: 'error',
    REGISTRY_URL: deps.registry.url,
    REGISTRY_TOKEN: deps.registryToken,
    REGISTER_WITH_REGISTRY: 'false',
    DATABASE_URL: o.databaseUrl,
    REDIS_URL: testRedisUrl(),
    REDIS_PREFIX: o.keys.REDIS_PREFIX,
    QUEUE_PREFIX: o.keys.QUEUE_PREFIX,
    EVENTS_STREAM: o.keys.EVENTS_STREAM,
    SERVICE_CLIENT_ID: SERVICE_CLIENT.id,
    SERVICE_CLIENT_SECRET: SERVICE_CLIENT.secret,
    SHUTDOWN_TIMEOUT_MS: '1000',
    FORK_WAIT_MS: '300',
    ...o.env,
  });
  const { logger, lines } = memoryLogger('sessions');
  const lifecycle = new Lifecycle();
  const metrics = createMetrics('sessions', { collectDefaults: false });
  const db = createDb(config.DATABASE_URL);
  lifecycle.onShutdown('postgres', () => db.$disconnect());
  const redis = createRedis(config.REDIS_URL, logger);
  const redisSub = createRedis(config.REDIS_URL, logger);
  lifecycle.onShutdown('redis', async () => {
    await closeRedis(redisSub);
    await closeRedis(redis);
  });
  const queue = new AgentRunsQueue({
    redisUrl: config.REDIS_URL,
    prefix: config.QUEUE_PREFIX,
    attempts: config.JOB_ATTEMPTS,
    backoffMs: config.JOB_BACKOFF_MS,
  });
  lifecycle.onShutdown('queue', () => queue.close());
  const webhooksQueue = new WebhooksQueue({
    redisUrl: config.REDIS_URL,
    prefix: config.QUEUE_PREFIX,
    attempts: config.WEBHOOK_ATTEMPTS,
    backoffMs: config.WEBHOOK_BACKOFF_MS,
  });
  lifecycle.onShutdown('webhooks queue', () => webhooksQueue.close());
  const breakers = new BreakerRegistry(logger, metrics.registry);
  lifecycle.onShutdown('breakers', () => breakers.shutdown());
  const resolver = new RegistryResolver({ registryUrl: config.REGISTRY_URL, token: config.REGISTRY_TOKEN, logger });
  const auth = new ServiceClient({ target: 'auth', resolver, breakers, logger, timeoutMs: 3000 });
  const tokens = new ServiceTokenProvider(auth, {
    clientId: config.SERVICE_CLIENT_ID,
    clientSecret: config.SERVICE_CLIENT_SECRET,
  });
  const authAsService = new ServiceClient({
    target: 'auth',
    resolver,
    breakers,
    logger,
    timeoutMs: 3000,
    token: tokens.getToken,
  });
  const channels = new ServiceClient({
    target: 'channels',
    resolver,
    breakers,
    logger,
    timeoutMs: 3000,
    token: tokens.getToken,
  });
  const verifier = new AccessTokenVerifier({
    keys: new JwksKeyStore({
      fetchJwks: async () =>
        (await auth.request({ method: 'GET', path: '/auth/.well-known/jwks.json', schema: JwksSchema })).data,
    }),
    issuer: config.JWT_ISSUER,
    audience: config.JWT_AUDIENCE,
  });
  const built = createApp({
    config,
    logger,
    db,
    redis,
    redisSub,
    queue,
    webhooksQueue,
    verifier,
    users: new UsersClient(authAsService),
    channels: new ChannelsClient(channels),
    lifecycle,
    metrics,
    ...(o.resolveHost ? { resolveHost: o.resolveHost } : {}),
  });
  await built.consumer.start();
  lifecycle.onShutdown('event consumer', () => built.consumer.stop());
  built.webhookWorker.start();
  lifecycle.onShutdown('webhook worker', () => built.webhookWorker.stop());
  const running = await serve({
    name: 'sessions',
    app: built.app,
    port: 0,
    host: '127.0.0.1',
    logger,
    lifecycle,
    shutdownTimeoutMs: config.SHUTDOWN_TIMEOUT_MS,
    onServer: (server) => server.on('upgrade', built.upgrade),
    beforeDrain: () => built.streams.closeAll(),
  });
  return { url: running.url, config, built, running, db, logs: lines, stop: () => running.shutdown('test done') };
}

/** A person registered (and logged in) through auth's HTTP API. */
export interface TestUser {
  id: string;
  email: string;
  token: string;
  /** JSON client on sessions carrying this user's bearer token. */
  api: JsonClient;
}

export interface SessionsHarness {
  deps: Dependencies;
  sessions: SessionsInstance;
  keys: SessionsKeys;
  database: TestDatabase;
  /** The test's own Redis connection (writing runner events, inspecting keys). */
  redis: Redis;
  /** The `agent-runs` queue as the runner would see it. */
  jobs: Queue;
  /** JSON client on sessions without credentials. */
  anonymous: JsonClient;
  newUser(label?: string): Promise<TestUser>;
  admin(): Promise<TestUser>;
  /** Sets a user's session quota through auth's admin API. */
  setQuota(userId: string, max: number): Promise<void>;
  /** Writes runner events to the events stream, in order, as one transaction. */
  emit(...events: RunEvent[]): Promise<void>;
  /** Starts another sessions app on the same database and Redis names (stopped with the harness). */
  startAnother(): Promise<SessionsInstance>;
  stop(): Promise<void>;
}

const PASSWORD = 'correct-horse-42';

/** Registry, auth and channels as processes (shared by the worker's files unless ownDependencies), plus one in-process sessions app on a fresh database. */
export async function startSessions(o: {
  name: string;
  channels?: boolean;
  /** The file's own registry and auth (and channels), e.g. to stop one; by default the worker's shared ones. */
  ownDependencies?: boolean;
  env?: Record<string, string>;
  /** Stands in for DNS in the webhook address checks. */
  resolveHost?: Resolve;
}): Promise<SessionsHarness> {
  const keys = sessionsKeys(o.name);
  const [deps, database] = await Promise.all([
    startDependencies({ name: o.name, channels: o.channels ?? false, own: o.ownDependencies ?? false }),
    createTestDatabase('sessions'),
  ]);
  const instances: SessionsInstance[] = [];
  const redis = new Redis(testRedisUrl(), { maxRetriesPerRequest: 1 });
  const jobs = new Queue(AGENT_RUNS_QUEUE, { connection: bullConnection(testRedisUrl()), prefix: keys.QUEUE_PREFIX });
  const stop = async () => {
    await Promise.allSettled(instances.map((i) => i.stop()));
    await jobs.close();
    await Promise.allSettled([deps.stop(), database.drop(), cleanupRedisPrefix(keys.base, redis)]);
    await closeRedis(redis);
  };
  try {
    const start = async () => {
      const instance = await startSessionsInstance(deps, {
        databaseUrl: database.url,
        keys,
        ...(o.env ? { env: o.env } : {}),
        ...(o.resolveHost ? { resolveHost: o.resolveHost } : {}),
      });
      instances.push(instance);
      return instance;
    };
    const sessions = await start();
    const authApi = jsonRequest(deps.auth.url);
    const login = async (email: string, password: string) => {
      const res = await authApi.post('/auth/login', { email, password });
      if (res.status !== 200) throw new Error(`login ${email} answered ${res.status}: ${res.text}`);
      return TokenResponseSchema.parse(res.body).access_token;
    };
    let adminUser: TestUser | undefined;
    const admin = async (): Promise<TestUser> => {
      if (adminUser) return adminUser;
      const token = await login(deps.admin.email, deps.admin.password);
      const profile = await authApi.get('/auth/profile', { headers: { authorization: `Bearer ${token}` } });
      const id = UserSchema.parse(profile.body).id;
      adminUser = {
        id,
        email: deps.admin.email,
        token,
        api: jsonRequest(sessions.url, { headers: { authorization: `Bearer ${token}` } }),
      };
      return adminUser;
    };
    return {
      deps,
      sessions,
      keys,
      database,
      redis,
      jobs,
      anonymous: jsonRequest(sessions.url),
      newUser: async (label = 'user') => {
        const tag = `${label}_${randomBytes(4).toString('hex')}`;
        const email = `${tag}@sessions.test`;
        const res = await authApi.post('/auth/register', { email, username: tag, password: PASSWORD });
        if (res.status !== 201) throw new Error(`register answered ${res.status}: ${res.text}`);
        const user: User = UserSchema.parse(res.body);
        const token = await login(email, PASSWORD);
        return {
          id: user.id,
          email,
          token,
          api: jsonRequest(sessions.url, { headers: { authorization: `Bearer ${token}` } }),
        };
      },
      admin,
      setQuota: async (userId, max) => {
        const { token } = await admin();
        const res = await authApi.put(
          `/users/${userId}`,
          { max_concurrent_sessions: max },
          { headers: { authorization: `Bearer ${token}` } },
        );
        if (res.status !== 200) throw new Error(`setting the quota answered ${res.status}: ${res.text}`);
      },
      emit: async (...events) => {
        const tx = redis.multi();
        for (const e of events) tx.xadd(keys.EVENTS_STREAM, '*', 'event', JSON.stringify(e));
        await tx.exec();
      },
      startAnother: start,
      stop,
    };
  } catch (err) {
    await stop().catch(() => undefined);
    throw err;
  }
}
