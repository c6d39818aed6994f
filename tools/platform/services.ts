/**
 * The services `npm start` runs, in start order. Adding a service is one entry here.
 *
 * Besides what `env` returns, the launcher gives every service NODE_ENV, HOST, PORT, LOG_LEVEL,
 * REGISTRY_URL and REGISTRY_TOKEN; DATABASE_URL of its own database `platform_<name>`, migrated
 * before it starts, when `apps/<name>/prisma/schema.prisma` exists; SERVICE_CLIENT_ID and
 * SERVICE_CLIENT_SECRET (known to auth through SERVICE_CLIENTS) when `serviceClient` is set.
 * The port can be moved with env `<NAME>_PORT` (e.g. GATEWAY_PORT).
 */

/** Settings shared by the whole platform, from the launcher's env and `.data/dev-secrets.json`. */
export interface SharedSettings {
  registryUrl: string;
  registryToken: string;
  logLevel: string;
  redisUrl: string;
  gatewayUrl: string;
  corsOrigins: string;
  jwtPrivateKey: string;
  admin: { email: string; password: string; username: string };
  /** Client id → secret, one per service with `serviceClient`. */
  serviceClients: Record<string, string>;
}

export interface ServiceDefinition {
  name: string;
  port: number;
  /** Needs Redis: the launcher makes sure one answers before starting anything. */
  redis?: boolean;
  /** Gets a service identity (client id = name) for service-to-service tokens from auth. */
  serviceClient?: boolean;
  /** Later services start only once this one is ready. */
  readyBeforeNext?: boolean;
  /** The service's own settings, on top of the common ones above. */
  env: (shared: SharedSettings) => Record<string, string>;
}

/** `id:secret,id:secret`, the format of auth's SERVICE_CLIENTS. */
export function formatServiceClients(clients: Record<string, string>): string {
  return Object.entries(clients)
    .map(([id, secret]) => `${id}:${secret}`)
    .join(',');
}

export const SERVICES: readonly ServiceDefinition[] = [
  {
    name: 'registry',
    port: 8100,
    redis: true,
    readyBeforeNext: true,
    env: (s) => ({ REDIS_URL: s.redisUrl }),
  },
  {
    name: 'auth',
    port: 8101,
    redis: true,
    env: (s) => ({
      REDIS_URL: s.redisUrl,
      JWT_PRIVATE_KEY: s.jwtPrivateKey,
      ADMIN_EMAIL: s.admin.email,
      ADMIN_PASSWORD: s.admin.password,
      ADMIN_USERNAME: s.admin.username,
      SERVICE_CLIENTS: formatServiceClients(s.serviceClients),
    }),
  },
  {
    name: 'channels',
    port: 8102,
    redis: true,
    // Access-token revocations (auth writes them, every service that verifies tokens reads them).
    env: (s) => ({ REDIS_URL: s.redisUrl }),
  },
  {
    name: 'sessions',
    port: 8103,
    redis: true,
    serviceClient: true,
    env: (s) => ({ REDIS_URL: s.redisUrl }),
  },
  {
    name: 'agent-runner',
    port: 8104,
    redis: true,
    serviceClient: true,
    env: (s) => ({ REDIS_URL: s.redisUrl }),
  },
  {
    // Polls every service's readiness and the queues; its history has its own database.
    name: 'status-aggregator',
    port: 8105,
    redis: true,
    serviceClient: true,
    env: (s) => ({ REDIS_URL: s.redisUrl }),
  },
  {
    name: 'gateway',
    port: 8000,
    redis: true,
    serviceClient: true,
    env: (s) => ({ REDIS_URL: s.redisUrl, CORS_ORIGINS: s.corsOrigins }),
  },
];
