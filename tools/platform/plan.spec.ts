import { buildServiceEnv, buildSharedSettings, databaseUrlFor, planServices, portEnvVar } from './plan';
import type { DevSecrets } from './secrets';
import { SERVICES, type ServiceDefinition } from './services';

const secrets: DevSecrets = {
  registryToken: 'r'.repeat(64),
  jwtPrivateKey: '-----BEGIN PRIVATE KEY-----\nstored\n-----END PRIVATE KEY-----\n',
  adminPassword: 'stored-pass-1234',
  postgresPassword: 'pg-secret',
  serviceClients: {
    gateway: 'g'.repeat(64),
    sessions: 's'.repeat(64),
    'agent-runner': 'a'.repeat(64),
    'status-aggregator': 'x'.repeat(64),
  },
};
const authPrisma = {
  service: 'auth',
  schemaPath: 'apps/auth/prisma/schema.prisma',
  migrationsDir: 'apps/auth/prisma/migrations',
};

function envOf(name: string, env: NodeJS.ProcessEnv = {}): Record<string, string> {
  const shared = buildSharedSettings({ defs: SERVICES, env, secrets, redisUrl: 'redis://127.0.0.1:6379' });
  const svc = planServices(SERVICES, env, [authPrisma]).find((s) => s.name === name)!;
  return buildServiceEnv(
    svc,
    shared,
    svc.prisma ? databaseUrlFor('postgresql://postgres:pw@127.0.0.1:54329/postgres', name) : undefined,
  );
}

describe('service environments', () => {
  it('gives every service the common settings and its own port', () => {
    for (const def of SERVICES) {
      const env = envOf(def.name);
      expect(env).toMatchObject({
        NODE_ENV: 'development',
        HOST: '127.0.0.1',
        PORT: String(def.port),
        LOG_LEVEL: 'info',
        REGISTRY_URL: 'http://127.0.0.1:8100',
        REGISTRY_TOKEN: secrets.registryToken,
      });
    }
  });

  it('gives the status-aggregator its port, Redis (for queue depths) and a service identity (for the channels count)', () => {
    expect(envOf('status-aggregator')).toMatchObject({
      PORT: '8105',
      REDIS_URL: 'redis://127.0.0.1:6379',
      SERVICE_CLIENT_ID: 'status-aggregator',
      SERVICE_CLIENT_SECRET: secrets.serviceClients['status-aggregator'],
    });
  });

  it('gives registry and gateway Redis, and the gateway its CORS origin and service identity', () => {
    expect(envOf('registry')['REDIS_URL']).toBe('redis://127.0.0.1:6379');
    expect(envOf('gateway')).toMatchObject({
      REDIS_URL: 'redis://127.0.0.1:6379',
      CORS_ORIGINS: 'http://localhost:8000',
      SERVICE_CLIENT_ID: 'gateway',
      SERVICE_CLIENT_SECRET: secrets.serviceClients['gateway'],
    });
  });

  it('gives auth its own database, the signing key, the bootstrap admin and every service client', () => {
    expect(envOf('auth')).toMatchObject({
      DATABASE_URL: 'postgresql://postgres:pw@127.0.0.1:54329/platform_auth',
      JWT_PRIVATE_KEY: secrets.jwtPrivateKey,
      ADMIN_EMAIL: 'admin@example.com',
      ADMIN_PASSWORD: secrets.adminPassword,
      ADMIN_USERNAME: 'admin',
      SERVICE_CLIENTS: [
        `sessions:${secrets.serviceClients['sessions']}`,
        `agent-runner:${secrets.serviceClients['agent-runner']}`,
        `status-aggregator:${secrets.serviceClients['status-aggregator']}`,
        `gateway:${secrets.serviceClients['gateway']}`,
      ].join(','),
    });
    expect(envOf('registry')).not.toHaveProperty('DATABASE_URL');
  });

  it('lets env override the admin, the signing key, the log level and the gateway port', () => {
    const env = {
      ADMIN_EMAIL: 'me@example.org',
      ADMIN_PASSWORD: 'mine-12345',
      JWT_PRIVATE_KEY: 'PEM',
      LOG_LEVEL: 'debug',
      GATEWAY_PORT: '9000',
    };

    expect(envOf('auth', env)).toMatchObject({
      ADMIN_EMAIL: 'me@example.org',
      ADMIN_PASSWORD: 'mine-12345',
      JWT_PRIVATE_KEY: 'PEM',
      LOG_LEVEL: 'debug',
    });
    expect(envOf('gateway', env)).toMatchObject({ PORT: '9000', CORS_ORIGINS: 'http://localhost:9000' });
  });

  it('sets up a new manifest entry from the entry alone', () => {
    const defs: ServiceDefinition[] = [
      ...SERVICES,
      { name: 'status-probe', port: 8109, serviceClient: true, env: () => ({ EXTRA: 'x' }) },
    ];
    const shared = buildSharedSettings({
      defs,
      env: {},
      secrets: { ...secrets, serviceClients: { ...secrets.serviceClients, 'status-probe': 'p'.repeat(64) } },
      redisUrl: 'redis://r',
    });
    const [runner] = planServices(defs, { PLATFORM_SERVICES: 'status-probe', STATUS_PROBE_PORT: '9104' }, []);

    expect(buildServiceEnv(runner!, shared, undefined)).toMatchObject({
      PORT: '9104',
      SERVICE_CLIENT_ID: 'status-probe',
      EXTRA: 'x',
    });
    expect(shared.serviceClients).toHaveProperty('status-probe');
    expect(portEnvVar('agent-runner')).toBe('AGENT_RUNNER_PORT');
  });
});

describe('planServices', () => {
  it('keeps manifest order, restricted by PLATFORM_SERVICES', () => {
    expect(planServices(SERVICES, { PLATFORM_SERVICES: 'gateway, registry' }, []).map((s) => s.name)).toEqual([
      'registry',
      'gateway',
    ]);
    expect(planServices(SERVICES, {}, []).map((s) => s.name)).toEqual([
      'registry',
      'auth',
      'channels',
      'sessions',
      'agent-runner',
      'status-aggregator',
      'gateway',
    ]);
  });

  it('rejects unknown service names and bad ports with the variable to fix', () => {
    expect(() => planServices(SERVICES, { PLATFORM_SERVICES: 'registry,nope' }, [])).toThrow(
      /unknown service\(s\): nope/,
    );
    expect(() => planServices(SERVICES, { GATEWAY_PORT: '80a' }, [])).toThrow(/GATEWAY_PORT=80a/);
  });

  it('gives a database only to services with a Prisma schema', () => {
    const plan = planServices(SERVICES, {}, [authPrisma]);

    expect(plan.filter((s) => s.prisma).map((s) => s.name)).toEqual(['auth']);
  });
});

describe('databaseUrlFor', () => {
  it('replaces only the database name, keeping credentials and options', () => {
    expect(databaseUrlFor('postgresql://u:p%40ss@db:5433/app?sslmode=require', 'agent-runner')).toBe(
      'postgresql://u:p%40ss@db:5433/platform_agent_runner?sslmode=require',
    );
  });
});
