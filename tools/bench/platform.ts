import { generateKeyPairSync, randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { cleanupRedisPrefix, createTestDatabase, freePort, redisPrefix, testRedisUrl, type TestDatabase } from '@platform/testing';
import { spawnService, type BenchProcess } from './processes';

export interface BenchPlatformOptions {
  name: string;
  /** Also run channels, sessions and agent-runner (offline model) on a private queue and events stream. */
  agents?: boolean;
  gatewayEnv?: Record<string, string>;
  /** Node flags for the gateway process (e.g. `--cpu-prof`). */
  gatewayNodeArgs?: string[];
  sessionsEnv?: Record<string, string>;
  runnerEnv?: Record<string, string>;
}

/** registry + auth + gateway (and optionally channels, sessions, agent-runner) in production mode, with private state. */
export interface BenchPlatform {
  registry: BenchProcess;
  auth: BenchProcess;
  gateway: BenchProcess;
  sessions?: BenchProcess;
  runner?: BenchProcess;
  channels?: BenchProcess;
  registryToken: string;
  admin: { email: string; password: string };
  /** Prefix of the agents' Redis keys (BullMQ prefix is this without its trailing colon). */
  agentsPrefix: string;
  sessionsDbUrl?: string;
  /** The environment the gateway was started with (to start more gateways on the same platform). */
  gatewayEnv: Record<string, string>;
  /** Registers `url` in the private registry as an instance of `service`. */
  registerInstance(service: string, url: string, instanceId?: string): Promise<void>;
  stop(): Promise<void>;
}

const generous = [
  { id: 'auth-register', prefix: '/auth/register', method: 'POST', limit: 1_000_000, window_s: 60 },
  { id: 'auth-login', prefix: '/auth/login', method: 'POST', limit: 1_000_000, window_s: 60 },
  { id: 'channels', prefix: '/api/channels', limit: 100_000_000, window_s: 60 },
];

export async function startBenchPlatform(o: BenchPlatformOptions): Promise<BenchPlatform> {
  const registryToken = `bench-${randomBytes(24).toString('hex')}`;
  const registryPrefix = redisPrefix(`${o.name}-registry`);
  const gatewayPrefix = redisPrefix(`${o.name}-gateway`);
  const agentsPrefix = redisPrefix(`${o.name}-agents`);
  const signing = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const admin = { email: `admin-${randomBytes(4).toString('hex')}@bench.test`, password: 'Admin-pass-123' };
  const sessionsClient = { id: 'sessions', secret: randomBytes(24).toString('hex') };
  const runnerClient = { id: 'agent-runner', secret: randomBytes(24).toString('hex') };
  const procs: BenchProcess[] = [];
  const dbs: TestDatabase[] = [];
  let workdir: string | undefined;
  let registry: BenchProcess | undefined;
  let gatewayEnv: Record<string, string> = {};

  const stop = async () => {
    await Promise.allSettled(procs.filter((p) => p !== registry).map((p) => p.stop()));
    await registry?.stop();
    await Promise.allSettled([
      ...dbs.map((d) => d.drop()),
      cleanupRedisPrefix(registryPrefix),
      cleanupRedisPrefix(gatewayPrefix),
      cleanupRedisPrefix(agentsPrefix),
      workdir ? fs.rm(workdir, { recursive: true, force: true }) : Promise.resolve(),
    ]);
  };
  const started = (p: BenchProcess) => (procs.push(p), p);

  try {
    const shared = { REGISTRY_TOKEN: registryToken, REDIS_URL: testRedisUrl(), SHUTDOWN_TIMEOUT_MS: '2000' };
    const [registryPort, authPort, gatewayPort] = await Promise.all([freePort(), freePort(), freePort()]);
    const [reg, authDb] = await Promise.all([
      // Instances registered by the benchmark do not heartbeat: they stay for an hour.
      spawnService('registry', registryPort, { ...shared, REDIS_PREFIX: registryPrefix, INSTANCE_TTL_MS: '3600000' }),
      createTestDatabase('auth'),
    ]);
    registry = started(reg);
    dbs.push(authDb);
    const withRegistry = { ...shared, REGISTRY_URL: registry.url };
    gatewayEnv = {
      ...withRegistry,
      REDIS_PREFIX: gatewayPrefix,
      RATE_LIMITS: JSON.stringify(generous),
      RATE_LIMIT_DEFAULT_PER_MIN: '100000000',
      REQUIRED_SERVICES: 'auth',
      ...o.gatewayEnv,
    };
    const agentsDbs = o.agents ? await Promise.all([createTestDatabase('channels'), createTestDatabase('sessions')]) : [];
    dbs.push(...agentsDbs);
    const queuePrefix = agentsPrefix.slice(0, -1);
    const eventsStream = `${agentsPrefix}events`;
    if (o.agents) workdir = await fs.realpath(await fs.mkdtemp(path.join(os.tmpdir(), 'bench-workdirs-')));
    const starts: Array<Promise<BenchProcess>> = [
      spawnService('auth', authPort, {
        ...withRegistry,
        DATABASE_URL: authDb.url,
        JWT_PRIVATE_KEY: signing.privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(),
        ARGON2_MEMORY_KIB: '4096',
        ARGON2_TIME_COST: '1',
        ADMIN_EMAIL: admin.email,
        ADMIN_PASSWORD: admin.password,
        SERVICE_CLIENTS: [sessionsClient, runnerClient].map((c) => `${c.id}:${c.secret}`).join(','),
      }),
      spawnService('gateway', gatewayPort, gatewayEnv, o.gatewayNodeArgs),
    ];
    if (o.agents) {
      const [channelsDb, sessionsDb] = agentsDbs as [TestDatabase, TestDatabase];
      const [cPort, sPort, rPort] = await Promise.all([freePort(), freePort(), freePort()]);
      const agentsShared = { ...withRegistry, QUEUE_PREFIX: queuePrefix, EVENTS_STREAM: eventsStream };
      // BENCH_CPU_PROF_DIR=<dir>: sessions and the runner write V8 CPU profiles there (read with profile-summary).
      const profDir = process.env.BENCH_CPU_PROF_DIR;
      const agentsNodeArgs = profDir ? ['--cpu-prof', `--cpu-prof-dir=${profDir}`] : [];
      starts.push(
        spawnService('channels', cPort, { ...withRegistry, DATABASE_URL: channelsDb.url }),
        spawnService('sessions', sPort, {
          ...agentsShared,
          DATABASE_URL: sessionsDb.url,
          REDIS_PREFIX: `${agentsPrefix}sessions:`,
          SERVICE_CLIENT_ID: sessionsClient.id,
          SERVICE_CLIENT_SECRET: sessionsClient.secret,
          ...o.sessionsEnv,
        }, agentsNodeArgs),
        spawnService('agent-runner', rPort, {
          ...agentsShared,
          WORKDIR_ROOT: workdir!,
          SERVICE_CLIENT_ID: runnerClient.id,
          SERVICE_CLIENT_SECRET: runnerClient.secret,
          DEFAULT_PROVIDER: 'offline',
          ANTHROPIC_API_KEY: '',
          OPENAI_API_KEY: '',
          ...o.runnerEnv,
        }, agentsNodeArgs),
      );
    }
    const settled = await Promise.allSettled(starts);
    for (const s of settled) if (s.status === 'fulfilled') started(s.value);
    const failed = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
    if (failed) throw failed.reason;
    const [auth, gateway, channels, sessions, runner] = settled.map((s) => (s as PromiseFulfilledResult<BenchProcess>).value) as BenchProcess[];
    const platform: BenchPlatform = {
      registry,
      auth: auth!,
      gateway: gateway!,
      ...(o.agents ? { channels: channels!, sessions: sessions!, runner: runner!, sessionsDbUrl: agentsDbs[1]!.url } : {}),
      registryToken,
      gatewayEnv,
      admin,
      agentsPrefix,
      registerInstance: async (service, url, instanceId = `${service}-bench`) => {
        const res = await fetch(`${registry!.url}/registry/instances`, {
          method: 'POST',
          headers: { authorization: `Bearer ${registryToken}`, 'content-type': 'application/json' },
          body: JSON.stringify({ name: service, instance_id: instanceId, url, version: 'bench' }),
        });
        if (res.status !== 201) throw new Error(`registering ${service} answered ${res.status}: ${await res.text()}`);
      },
      stop,
    };
    await waitFor('auth is routable through the gateway', async () => (await fetch(`${gateway!.url}/auth/.well-known/jwks.json`)).status === 200);
    return platform;
  } catch (err) {
    await stop();
    throw err;
  }
}

/** Polls `check` until it is true, for up to `timeoutMs`. */
export async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      if (await check()) return;
    } catch {
      // not yet
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
