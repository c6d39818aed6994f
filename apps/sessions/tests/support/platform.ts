import { createHash, generateKeyPairSync, randomBytes, type KeyObject } from 'node:crypto';
import { ServiceInstancesResponseSchema } from '@platform/contracts';
import {
  cleanupRedisPrefix,
  createTestDatabase,
  jsonRequest,
  redisPrefix,
  sharedProcessView,
  startServiceProcess,
  testDatabaseServerUrl,
  testRedisUrl,
  waitUntil,
  workerShared,
  type Leftovers,
  type ServiceProcess,
  type TestDatabase,
} from '@platform/testing';

/**
 * The service identity sessions uses to call auth and channels: the same in every file of a run (the
 * dependencies are shared by the files of a worker, and each file loads this module afresh).
 */
export const SERVICE_CLIENT = {
  id: 'sessions',
  secret: `sessions-secret-${process.env.TEST_RUN_DIR ? createHash('sha256').update(process.env.TEST_RUN_DIR).digest('hex').slice(0, 24) : randomBytes(12).toString('hex')}`,
} as const;

/** Real registry, auth (and channels) processes that the in-process sessions app talks to. */
export interface Dependencies {
  registry: ServiceProcess;
  auth: ServiceProcess;
  channels: ServiceProcess | undefined;
  registryToken: string;
  /** The key auth signs access tokens with, so tests can sign tokens auth would have issued. */
  signingKey: KeyObject;
  admin: { email: string; password: string };
  /** Stops the processes, drops their databases and deletes the registry's keys. Safe after a failed start. */
  stop(): Promise<void>;
}

/** Whether the registry lists a live instance of `service`. */
export async function isRegistered(registryUrl: string, token: string, service: string): Promise<boolean> {
  const res = await jsonRequest(registryUrl, { headers: { authorization: `Bearer ${token}` } }).get(
    `/registry/services/${service}`,
  );
  return res.status === 200 && ServiceInstancesResponseSchema.parse(res.body).instances.length > 0;
}

/**
 * The registry, auth and channels the files of this Jest worker share (started by the first file that
 * asks, gone when the worker ends; `stop()` only lets go of them): every file has its own users,
 * sessions database and Redis keys. With `own`, the file's own registry and auth (and channels when
 * asked) on private databases and Redis keys, e.g. to stop one of them.
 */
export async function startDependencies(o: { name: string; channels?: boolean; own?: boolean }): Promise<Dependencies> {
  if (!o.own) {
    const shared = await workerShared('sessions-tests:dependencies', () => startOwnDependencies({ name: 'shared', channels: true }), {
      stop: (d) => d.stop(),
      leftovers: (d) => d.leftovers(),
    });
    if (shared)
      return {
        ...shared,
        registry: sharedProcessView(shared.registry),
        auth: sharedProcessView(shared.auth),
        channels: shared.channels && sharedProcessView(shared.channels),
        admin: { ...shared.admin },
        stop: () => Promise.resolve(),
      };
  }
  return startOwnDependencies(o);
}

async function startOwnDependencies(o: { name: string; channels?: boolean }): Promise<Dependencies & { leftovers(): Leftovers }> {
  const registryToken = `sessions-test-${randomBytes(16).toString('hex')}`;
  const registryKeys = redisPrefix(`${o.name}-registry`);
  const signingKey = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
  const admin = { email: `admin-${randomBytes(4).toString('hex')}@sessions.test`, password: 'Admin-pass-123' };
  const running: {
    registry?: ServiceProcess;
    auth?: ServiceProcess;
    channels?: ServiceProcess;
    authDb?: TestDatabase;
    channelsDb?: TestDatabase;
  } = {};

  const stop = async () => {
    await Promise.allSettled([running.auth?.stop(), running.channels?.stop()]);
    await running.registry?.stop();
    await Promise.allSettled([running.authDb?.drop(), running.channelsDb?.drop(), cleanupRedisPrefix(registryKeys)]);
  };

  try {
    const shared = { REGISTRY_TOKEN: registryToken, NODE_ENV: 'test', SHUTDOWN_TIMEOUT_MS: '1000', LOG_LEVEL: 'error' };
    await all([
      startServiceProcess({
        app: 'registry',
        env: { ...shared, REDIS_URL: testRedisUrl(), REDIS_PREFIX: registryKeys, INSTANCE_TTL_MS: '3000' },
      }).then((p) => (running.registry = p)),
      createTestDatabase('auth').then((db) => (running.authDb = db)),
      ...(o.channels ? [createTestDatabase('channels').then((db) => (running.channelsDb = db))] : []),
    ]);
    const registry = running.registry!;
    const withRegistry = { ...shared, REGISTRY_URL: registry.url };
    await all([
      startServiceProcess({
        app: 'auth',
        env: {
          ...withRegistry,
          DATABASE_URL: running.authDb!.url,
          JWT_PRIVATE_KEY: signingKey.export({ format: 'pem', type: 'pkcs8' }).toString(),
          SERVICE_CLIENTS: `${SERVICE_CLIENT.id}:${SERVICE_CLIENT.secret}`,
          ARGON2_MEMORY_KIB: '4096',
          ARGON2_TIME_COST: '1',
          ADMIN_EMAIL: admin.email,
          ADMIN_PASSWORD: admin.password,
        },
      }).then((p) => (running.auth = p)),
      ...(o.channels
        ? [
            startServiceProcess({
              app: 'channels',
              env: { ...withRegistry, DATABASE_URL: running.channelsDb!.url },
            }).then((p) => (running.channels = p)),
          ]
        : []),
    ]);
    // /ready answers before the registration is made: wait until sessions can find them.
    await waitUntil('auth is registered', () => isRegistered(registry.url, registryToken, 'auth'));
    if (o.channels)
      await waitUntil('channels is registered', () => isRegistered(registry.url, registryToken, 'channels'));
    const leftovers = (): Leftovers => ({
      pids: [running.registry, running.auth, running.channels].flatMap((p) => (p ? [p.pid] : [])),
      databases: [running.authDb, running.channelsDb].flatMap((db) => (db ? [{ serverUrl: testDatabaseServerUrl(), name: db.name }] : [])),
      redisPrefixes: [{ url: testRedisUrl(), prefix: registryKeys }],
      dirs: [],
    });
    return { registry, auth: running.auth!, channels: running.channels, registryToken, signingKey, admin, stop, leftovers };
  } catch (err) {
    await stop().catch(() => undefined);
    throw err;
  }
}

async function all(starts: Promise<unknown>[]): Promise<void> {
  const results = await Promise.allSettled(starts);
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
}
