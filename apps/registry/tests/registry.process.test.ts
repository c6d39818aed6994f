import {
  ErrorEnvelopeSchema,
  HealthResponseSchema,
  RegisterInstanceResponseSchema,
  ServiceInstancesResponseSchema,
} from '@platform/contracts';
import { RegistryRegistration } from '@platform/service-kit';
import {
  ServiceStartError,
  cleanupRedisPrefix,
  jsonRequest,
  redisPrefix,
  startServiceProcess,
  testRedisUrl,
  type ServiceProcess,
} from '@platform/testing';
import { Redis } from 'ioredis';
import { HEARTBEAT_MS, REGISTRY_TOKEN, TTL_MS, bearer, capturingLogger, instanceBody, quietLogger, sleep } from './support';

// The registry as ops run it: its own process, configured by env, on the real Redis.
const prefix = redisPrefix('registry-process');
const redis = new Redis(testRedisUrl());
let registry: ServiceProcess;

beforeAll(async () => {
  registry = await startServiceProcess({
    app: 'registry',
    env: { REGISTRY_TOKEN, REDIS_PREFIX: prefix, INSTANCE_TTL_MS: String(TTL_MS) },
  });
}, 30_000);

afterAll(async () => {
  await registry?.kill();
  await cleanupRedisPrefix(prefix, redis);
  redis.disconnect();
});

const api = () => jsonRequest(registry.url).withHeaders(bearer());
const listedIds = async (name: string) =>
  (await api().get(`/registry/services/${name}`, { schema: ServiceInstancesResponseSchema })).body.instances.map((i) => i.instance_id);

async function eventually(what: string, check: () => Promise<boolean>, withinMs: number): Promise<number> {
  const started = Date.now();
  while (!(await check())) {
    if (Date.now() - started > withinMs) throw new Error(`${what} did not happen within ${withinMs} ms`);
    await sleep(25);
  }
  return Date.now() - started;
}

describe('registry as a child process', () => {
  it('registers, lists and deregisters instances over HTTP', async () => {
    expect(HealthResponseSchema.parse((await jsonRequest(registry.url).get('/health')).body).service).toBe('registry');
    const body = instanceBody('echo');
    const created = await api().post('/registry/instances', body, { schema: RegisterInstanceResponseSchema });
    expect(created.status).toBe(201);
    expect(await listedIds('echo')).toEqual([body.instance_id]);
    expect((await api().delete(`/registry/instances/echo/${body.instance_id}`)).status).toBe(204);
    expect(await listedIds('echo')).toEqual([]);
  });

  it('answers 401 with the envelope to a caller without the credential', async () => {
    const res = await jsonRequest(registry.url).post('/registry/instances', instanceBody(), { schema: ErrorEnvelopeSchema });
    expect(res.status).toBe(401);
    expect(res.body.error_code).toBe('UNAUTHORIZED');
  });

  it('keeps a RegistryRegistration listed by heartbeats, re-registers it after the registry forgot it, and drops it on stop', async () => {
    const instance = instanceBody('worker');
    const reg = new RegistryRegistration({ registryUrl: registry.url, token: REGISTRY_TOKEN, instance, logger: quietLogger() });
    try {
      await reg.start();
      expect(reg.isRegistered).toBe(true);
      await sleep(2 * TTL_MS);
      expect(await listedIds('worker')).toEqual([instance.instance_id]);

      await redis.del(`${prefix}instance:worker:${instance.instance_id}`);
      expect(await listedIds('worker')).toEqual([]);
      // Back at one of its next heartbeats (every HEARTBEAT_MS), well within this deadline.
      await eventually('re-registration', async () => (await listedIds('worker')).length === 1, 10 * HEARTBEAT_MS);
    } finally {
      await reg.stop();
    }
    expect(reg.isRegistered).toBe(false);
    expect(await listedIds('worker')).toEqual([]);
  });

  it('comes back on the same port after a SIGKILL, and a running registration finds it again by itself', async () => {
    const instance = instanceBody('survivor');
    const { logger, lines } = capturingLogger();
    const reg = new RegistryRegistration({ registryUrl: registry.url, token: REGISTRY_TOKEN, instance, logger });
    try {
      await reg.start();
      const oldPid = registry.pid;
      await registry.kill();
      logger.info('test: registry killed');
      expect(() => process.kill(oldPid, 0)).toThrow(expect.objectContaining({ code: 'ESRCH' }));
      await expect(fetch(`${registry.url}/health`)).rejects.toThrow();

      await registry.restart();
      logger.info('test: registry ready again');
      expect(registry.pid).not.toBe(oldPid);
      await eventually('the instance to be listed again', async () => (await listedIds('survivor')).includes(instance.instance_id), 3000).catch(
        (err: Error) => {
          throw new Error(`${err.message}\n--- registration log ---\n${lines.join('\n')}\n--- registry log ---\n${registry.logs().join('\n')}`);
        },
      );
    } finally {
      await reg.stop();
    }
  }, 30_000);

  it('drains and exits 0 on SIGTERM', async () => {
    expect(await registry.stop('SIGTERM')).toBe(0);
    await expect(fetch(`${registry.url}/health`)).rejects.toThrow();
  });

  it('refuses to start with an invalid config, naming the problem, and exits 1', async () => {
    const err = await startServiceProcess({ app: 'registry', env: { REGISTRY_TOKEN: 'short', INSTANCE_TTL_MS: '5' } }).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(ServiceStartError);
    const failed = err as ServiceStartError;
    expect(failed.exitCode).toBe(1);
    expect(failed.logs.join('\n')).toMatch(/REGISTRY_TOKEN must be at least 16 characters/);
    expect(failed.logs.join('\n')).toMatch(/INSTANCE_TTL_MS/);
  }, 30_000);
});
