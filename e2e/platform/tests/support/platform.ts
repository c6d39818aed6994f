import { generateKeyPairSync, randomBytes, type KeyObject } from 'node:crypto';
import { ServiceInstancesResponseSchema } from '@platform/contracts';
import {
  cleanupRedisPrefix,
  createTestDatabase,
  jsonRequest,
  redisPrefix,
  startServiceProcess,
  testDatabaseServerUrl,
  testRedisUrl,
  waitUntil,
  sharedProcessView,
  workerShared,
  type JsonClient,
  type Leftovers,
  type ServiceProcess,
  type TestDatabase,
} from '@platform/testing';
import { AgentStack } from './agent-stack';

/** Re-exported so the e2e suites keep one import for the platform and its polling helper. */
export { waitUntil };

/** A rate-limit override for the gateway's `RATE_LIMITS` (JSON) setting. */
export interface RateRule {
  id: string;
  prefix: string;
  method?: string;
  limit: number;
  window_s?: number;
}

export interface PlatformOptions {
  /** Names the Redis prefixes, so leftovers point at the test file. */
  name: string;
  /**
   * The PostgreSQL server every service's database is created on (e.g. a private one a test stops);
   * defaults to `createTestDatabase`'s (env TEST_DATABASE_URL, else the local postgres).
   */
  databaseUrl?: string;
  /**
   * The Redis every service of the platform uses (its REDIS_URL) and the harness cleans its prefixes
   * from. By default sessions, the runner and the cleanup use `testRedisUrl()`, and the other services
   * the REDIS_URL of this process's environment (else their own default).
   */
  redisUrl?: string;
  registryEnv?: Record<string, string>;
  authEnv?: Record<string, string>;
  gatewayEnv?: Record<string, string>;
  /** Also run the channels service (on its own database), routable through the gateway. */
  channels?: boolean;
  channelsEnv?: Record<string, string>;
  /** Replaces the gateway's rules by id; by default auth's routes get limits no test file reaches. */
  rateLimits?: RateRule[];
  /**
   * Also run sessions (own database) and agent-runner (offline model, temporary WORKDIR_ROOT) on a
   * private queue and events stream, and channels, which sessions asks about channel visibility.
   */
  sessions?: boolean;
  sessionsEnv?: Record<string, string>;
  /** E.g. `OFFLINE_DELAY_MS` to slow the offline model down per streamed word. */
  runnerEnv?: Record<string, string>;
  /** Also run the status-aggregator (own database, a service identity for the channels count), behind the gateway. */
  statusAggregator?: boolean;
  statusAggregatorEnv?: Record<string, string>;
  /**
   * Share the platform with the other test files of this Jest worker that ask for the same options
   * (`name` aside): started by the first, handed to the next ones (a worker runs one file at a time),
   * gone when the worker ends; `stop()` only lets go of it. Only for files that use the platform
   * through its API with users, sessions and channels of their own, never stop, kill or restart its
   * processes, and assert nothing about what other files may have left in it (user lists, the admin's
   * sessions). Without Jest's globalSetup (no run directory), the platform is the file's own.
   */
  shared?: boolean;
}

/** One private registry + auth + gateway, run as real processes; tests talk to `api` (the gateway) only. */
export interface Platform {
  registry: ServiceProcess;
  auth: ServiceProcess;
  gateway: ServiceProcess;
  /** Running when started with `channels: true` or `sessions: true`. */
  channels?: ServiceProcess;
  /** Running only when started with `sessions: true`, like `runner`. */
  sessions?: ServiceProcess;
  runner?: ServiceProcess;
  /** The runner's WORKDIR_ROOT (`<workdirRoot>/<session id>` is a session's working directory), with `sessions: true`. */
  workdirRoot?: string;
  /** Running only when started with `statusAggregator: true`. */
  statusAggregator?: ServiceProcess;
  /** JSON client on the gateway. */
  api: JsonClient;
  /** The key auth signs access tokens with (so tests can forge tokens auth would accept). */
  signingKey: KeyObject;
  /** auth's database (e.g. to read its audit log, which no route serves). */
  authDatabaseUrl: string;
  /** The registry's bearer token, for processes a test adds to the platform (a second gateway, say). */
  registryToken: string;
  /** REVOCATIONS_PREFIX of every service, for processes a test adds (they must see the same revocations). */
  revocationsPrefix: string;
  admin: { email: string; password: string };
  corsOrigin: string;
  /** Stops the processes, drops the database and deletes the Redis keys. Safe after a failed start. */
  stop(): Promise<void>;
}

const GENEROUS_LIMITS: RateRule[] = [
  { id: 'auth-register', prefix: '/auth/register', method: 'POST', limit: 1000, window_s: 60 },
  { id: 'auth-login', prefix: '/auth/login', method: 'POST', limit: 1000, window_s: 60 },
];

/**
 * Starts registry, then auth and gateway side by side, each on a free port with private state; or,
 * with `shared`, finds the one this Jest worker already runs with the same options.
 */
export async function startPlatform(o: PlatformOptions): Promise<Platform> {
  if (!o.shared) return startOwnPlatform(o);
  const { name: _name, shared: _shared, ...options } = o;
  // Files add up on a shared gateway: its per-client limit (auth's routes have their own) is out of the way.
  const gatewayEnv = { RATE_LIMIT_DEFAULT_PER_MIN: '100000', ...options.gatewayEnv };
  const platform = await workerShared(`e2e-platform:${stableJson(options)}`, () => startOwnPlatform({ ...options, gatewayEnv, name: 'shared' }), {
    stop: (p) => p.stop(),
    leftovers: (p) => p.leftovers(),
  });
  return platform ? sharedView(platform) : startOwnPlatform(o);
}

/** A platform this file started, with what it leaves behind should its worker end before `stop()`. */
interface OwnPlatform extends Platform {
  leftovers(): Leftovers;
}

async function startOwnPlatform(o: PlatformOptions): Promise<OwnPlatform> {
  const registryToken = `e2e-${randomBytes(24).toString('hex')}`;
  const registryPrefix = redisPrefix(`${o.name}-registry`);
  const gatewayPrefix = redisPrefix(`${o.name}-gateway`);
  // Every service reads the access-token revocations auth writes, from one Redis under one prefix.
  const revocationsPrefix = redisPrefix(`${o.name}-revocations`);
  const signing = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const admin = { email: `admin-${randomBytes(4).toString('hex')}@e2e.test`, password: 'Admin-pass-123' };
  const corsOrigin = 'https://app.e2e.test';
  const withChannels = o.channels === true || o.sessions === true;
  const agents = o.sessions ? new AgentStack(o.name, o.redisUrl) : undefined;
  const statusClient = o.statusAggregator ? { id: 'status-aggregator', secret: randomBytes(24).toString('hex') } : undefined;
  const serviceClients = [agents?.serviceClients(), statusClient && `${statusClient.id}:${statusClient.secret}`].filter(Boolean).join(',');
  const running: {
    registry?: ServiceProcess;
    auth?: ServiceProcess;
    gateway?: ServiceProcess;
    channels?: ServiceProcess;
    sessions?: ServiceProcess;
    runner?: ServiceProcess;
    db?: TestDatabase;
    channelsDb?: TestDatabase;
    sessionsDb?: TestDatabase;
    statusAggregator?: ServiceProcess;
    statusDb?: TestDatabase;
  } = {};

  const stop = async () => {
    // The gateway and the services first (they deregister through the registry), the registry last.
    await Promise.all([
      running.gateway?.stop(),
      running.auth?.stop(),
      running.channels?.stop(),
      running.sessions?.stop(),
      running.runner?.stop(),
      running.statusAggregator?.stop(),
    ]);
    await running.registry?.stop();
    const cleanups = await Promise.allSettled([
      running.db?.drop(),
      running.channelsDb?.drop(),
      running.sessionsDb?.drop(),
      running.statusDb?.drop(),
      cleanupRedisPrefix(registryPrefix, o.redisUrl),
      cleanupRedisPrefix(gatewayPrefix, o.redisUrl),
      cleanupRedisPrefix(revocationsPrefix, o.redisUrl),
      ...(agents?.cleanups() ?? []),
    ]);
    throwFirstFailure(cleanups);
  };

  try {
    const shared = { REGISTRY_TOKEN: registryToken, NODE_ENV: 'test', SHUTDOWN_TIMEOUT_MS: '2000' };
    // For the services on Redis that AgentStack does not configure (registry, auth, channels, gateway,
    // status-aggregator): the Redis sessions uses too, so every service sees the same revocations.
    const redisEnv: Record<string, string> = { REDIS_URL: o.redisUrl ?? testRedisUrl() };
    const revocationsEnv = { REVOCATIONS_PREFIX: revocationsPrefix };
    const onServer = { serverUrl: o.databaseUrl };
    // Each start records what came up before any failure is thrown, so stop() can end it.
    throwFirstFailure(
      await Promise.allSettled([
        startServiceProcess({ app: 'registry', env: { ...shared, ...redisEnv, REDIS_PREFIX: registryPrefix, ...o.registryEnv } }).then((p) => (running.registry = p)),
        createTestDatabase('auth', onServer).then((db) => (running.db = db)),
        ...(withChannels ? [createTestDatabase('channels', onServer).then((db) => (running.channelsDb = db))] : []),
        ...(agents ? [createTestDatabase('sessions', onServer).then((db) => (running.sessionsDb = db)), agents.createWorkdirRoot()] : []),
        ...(o.statusAggregator ? [createTestDatabase('status-aggregator', onServer).then((db) => (running.statusDb = db))] : []),
      ]),
    );
    const registry = running.registry!;
    const withRegistry = { ...shared, REGISTRY_URL: registry.url };
    throwFirstFailure(
      await Promise.allSettled([
        startServiceProcess({
          app: 'auth',
          env: {
            ...withRegistry,
            ...redisEnv,
            ...revocationsEnv,
            DATABASE_URL: running.db!.url,
            JWT_PRIVATE_KEY: signing.privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(),
            ARGON2_MEMORY_KIB: '4096',
            ARGON2_TIME_COST: '1',
            ADMIN_EMAIL: admin.email,
            ADMIN_PASSWORD: admin.password,
            ...(serviceClients ? { SERVICE_CLIENTS: serviceClients } : {}),
            ...o.authEnv,
          },
        }).then((p) => (running.auth = p)),
        startServiceProcess({
          app: 'gateway',
          env: {
            ...withRegistry,
            ...redisEnv,
            ...revocationsEnv,
            REDIS_PREFIX: gatewayPrefix,
            REGISTRY_CACHE_MS: '200',
            CORS_ORIGINS: corsOrigin,
            RATE_LIMITS: JSON.stringify(o.rateLimits ?? GENEROUS_LIMITS),
            // Only what this platform runs counts towards /api/health.
            REQUIRED_SERVICES: ['auth', ...(withChannels ? ['channels'] : []), ...(agents ? ['sessions', 'agent-runner'] : [])].join(','),
            ...o.gatewayEnv,
          },
        }).then((p) => (running.gateway = p)),
        ...(withChannels
          ? [
              startServiceProcess({
                app: 'channels',
                env: { ...withRegistry, ...redisEnv, ...revocationsEnv, DATABASE_URL: running.channelsDb!.url, ...o.channelsEnv },
              }).then((p) => (running.channels = p)),
            ]
          : []),
        ...(agents
          ? [
              startServiceProcess({
                app: 'sessions',
                env: { ...withRegistry, ...agents.sessionsEnv(running.sessionsDb!.url), ...revocationsEnv, ...o.sessionsEnv },
              }).then((p) => (running.sessions = p)),
              startServiceProcess({
                app: 'agent-runner',
                env: { ...withRegistry, ...agents.runnerEnv(), ...o.runnerEnv },
              }).then((p) => (running.runner = p)),
            ]
          : []),
        ...(statusClient
          ? [
              startServiceProcess({
                app: 'status-aggregator',
                env: {
                  ...withRegistry,
                  ...redisEnv,
                  ...revocationsEnv,
                  DATABASE_URL: running.statusDb!.url,
                  SERVICE_CLIENT_ID: statusClient.id,
                  SERVICE_CLIENT_SECRET: statusClient.secret,
                  QUEUE_PREFIX: agents?.queuePrefix ?? `${registryPrefix}bull`,
                  // Only what this platform runs makes the platform's state.
                  REQUIRED_SERVICES: ['registry', 'auth', 'gateway', ...(withChannels ? ['channels'] : []), ...(agents ? ['sessions', 'agent-runner'] : [])].join(','),
                  ...o.statusAggregatorEnv,
                },
              }).then((p) => (running.statusAggregator = p)),
            ]
          : []),
      ]),
    );
    const { auth, gateway, channels, sessions, runner, statusAggregator } = running as Required<typeof running>;
    const api = jsonRequest(gateway.url);
    await waitUntil('auth is routable through the gateway', async () => (await api.get('/auth/.well-known/jwks.json')).status === 200);
    // /ready answers before the registration is made; sessions and the runner find each other (and channels) through it.
    for (const service of [...(withChannels ? ['channels'] : []), ...(agents ? ['sessions', 'agent-runner'] : []), ...(statusClient ? ['status-aggregator'] : [])])
      await waitUntil(`${service} is registered`, () => isRegistered(registry, registryToken, service));
    return {
      registry,
      auth,
      gateway,
      ...(withChannels ? { channels } : {}),
      ...(agents ? { sessions, runner, workdirRoot: agents.workdirRoot } : {}),
      ...(statusClient ? { statusAggregator } : {}),
      api,
      signingKey: signing.privateKey,
      authDatabaseUrl: running.db!.url,
      registryToken,
      revocationsPrefix,
      admin,
      corsOrigin,
      stop,
      leftovers: () => ({
        pids: Object.values(running).flatMap((p) => (p && 'pid' in p ? [p.pid] : [])),
        databases: [running.db, running.channelsDb, running.sessionsDb, running.statusDb].flatMap((db) =>
          db ? [{ serverUrl: o.databaseUrl ?? testDatabaseServerUrl(), name: db.name }] : [],
        ),
        redisPrefixes: [registryPrefix, gatewayPrefix, revocationsPrefix, ...(agents ? [agents.prefix] : [])].map((prefix) => ({
          url: o.redisUrl ?? testRedisUrl(),
          prefix,
        })),
        dirs: agents?.workdirRoot ? [agents.workdirRoot] : [],
      }),
    };
  } catch (err) {
    await stop().catch(() => undefined);
    throw err;
  }
}

/**
 * This file's view of a platform shared by the files of a Jest worker: fresh clients, and processes
 * that refuse to be stopped, killed or restarted (other files still need them).
 */
function sharedView(p: OwnPlatform): Platform {
  const view = sharedProcessView;
  return {
    registry: view(p.registry),
    auth: view(p.auth),
    gateway: view(p.gateway),
    ...(p.channels ? { channels: view(p.channels) } : {}),
    ...(p.sessions ? { sessions: view(p.sessions) } : {}),
    ...(p.runner ? { runner: view(p.runner) } : {}),
    ...(p.workdirRoot ? { workdirRoot: p.workdirRoot } : {}),
    ...(p.statusAggregator ? { statusAggregator: view(p.statusAggregator) } : {}),
    api: jsonRequest(p.gateway.url),
    signingKey: p.signingKey,
    authDatabaseUrl: p.authDatabaseUrl,
    registryToken: p.registryToken,
    revocationsPrefix: p.revocationsPrefix,
    admin: { ...p.admin },
    corsOrigin: p.corsOrigin,
    stop: () => Promise.resolve(),
  };
}

/** JSON with object keys sorted, so equal options make equal keys. */
function stableJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableJson).join(',')}]`;
  if (value && typeof value === 'object')
    return `{${Object.keys(value)
      .sort()
      .filter((k) => (value as Record<string, unknown>)[k] !== undefined)
      .map((k) => `${JSON.stringify(k)}:${stableJson((value as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  return JSON.stringify(value);
}

/** Whether the registry lists a live instance of `service`. */
async function isRegistered(registry: ServiceProcess, token: string, service: string): Promise<boolean> {
  const res = await jsonRequest(registry.url, { headers: { authorization: `Bearer ${token}` } }).get(`/registry/services/${service}`);
  return res.status === 200 && ServiceInstancesResponseSchema.parse(res.body).instances.length > 0;
}

function throwFirstFailure(results: PromiseSettledResult<unknown>[]): void {
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
}
