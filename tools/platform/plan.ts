import { PlatformError } from './errors';
import type { DevSecrets } from './secrets';
import type { ServiceDefinition, SharedSettings } from './services';

export const DEFAULT_ADMIN_EMAIL = 'admin@example.com';
export const DEFAULT_ADMIN_USERNAME = 'admin';

export interface PrismaPaths {
  schemaPath: string;
  migrationsDir: string;
}

/** A manifest entry resolved against the environment and the repository. */
export interface PlannedService {
  def: ServiceDefinition;
  name: string;
  port: number;
  portEnvVar: string;
  /** Entry point, relative to the repository root. */
  entry: string;
  /** Set when the service has a Prisma schema, and so a database. */
  prisma: PrismaPaths | undefined;
}

export function portEnvVar(name: string): string {
  return `${name.toUpperCase().replace(/[^A-Z0-9]/g, '_')}_PORT`;
}

/** The port in env `varName`, or `fallback` when unset. */
export function parsePortEnv(env: NodeJS.ProcessEnv, varName: string, fallback: number): number {
  const raw = env[varName];
  if (raw === undefined || raw === '') return fallback;
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new PlatformError(`${varName}=${raw} is not a port number (1-65535)`);
  }
  return port;
}

export const portOf = (def: ServiceDefinition, env: NodeJS.ProcessEnv): number =>
  parsePortEnv(env, portEnvVar(def.name), def.port);

/** The manifest's services named in `selection` (comma-separated, e.g. PLATFORM_SERVICES), in manifest order; all when unset. */
export function selectServices(defs: readonly ServiceDefinition[], selection: string | undefined): ServiceDefinition[] {
  const wanted = (selection ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  if (wanted.length === 0) return [...defs];
  const unknown = wanted.filter((name) => !defs.some((d) => d.name === name));
  if (unknown.length > 0) {
    throw new PlatformError(
      `PLATFORM_SERVICES names unknown service(s): ${unknown.join(', ')}; known: ${defs.map((d) => d.name).join(', ')}`,
    );
  }
  return defs.filter((d) => wanted.includes(d.name));
}

export function planServices(
  defs: readonly ServiceDefinition[],
  env: NodeJS.ProcessEnv,
  prismaServices: Array<{ service: string } & PrismaPaths>,
): PlannedService[] {
  return selectServices(defs, env['PLATFORM_SERVICES']).map((def) => {
    const prisma = prismaServices.find((p) => p.service === def.name);
    return {
      def,
      name: def.name,
      port: portOf(def, env),
      portEnvVar: portEnvVar(def.name),
      entry: `apps/${def.name}/src/main.ts`,
      prisma: prisma ? { schemaPath: prisma.schemaPath, migrationsDir: prisma.migrationsDir } : undefined,
    };
  });
}

/** The URL of `service`'s own database (`platform_<service>`) on the server of `baseUrl`; same rule as tools/prisma/migrate.ts. */
export function databaseUrlFor(baseUrl: string, service: string): string {
  let url: URL;
  try {
    url = new URL(baseUrl);
  } catch {
    throw new PlatformError('DATABASE_URL is not a valid URL (expected postgresql://user:password@host:port/database)');
  }
  url.pathname = `/platform_${service.replace(/[^A-Za-z0-9_]/g, '_')}`;
  return url.toString();
}

/** `url` with its password masked, for messages. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '(unparseable URL)';
  }
}

function portByName(
  defs: readonly ServiceDefinition[],
  name: string,
  env: NodeJS.ProcessEnv,
  fallback: number,
): number {
  const def = defs.find((d) => d.name === name);
  return def ? portOf(def, env) : fallback;
}

/** Shared settings: env overrides (ADMIN_EMAIL, ADMIN_PASSWORD, ADMIN_USERNAME, JWT_PRIVATE_KEY, CORS_ORIGINS, LOG_LEVEL) over the dev secrets. */
export function buildSharedSettings(o: {
  defs: readonly ServiceDefinition[];
  env: NodeJS.ProcessEnv;
  secrets: DevSecrets;
  redisUrl: string;
}): SharedSettings {
  const { env, secrets } = o;
  const gatewayUrl = `http://localhost:${portByName(o.defs, 'gateway', env, 8000)}`;
  const clientIds = o.defs.filter((d) => d.serviceClient).map((d) => d.name);
  return {
    registryUrl: `http://127.0.0.1:${portByName(o.defs, 'registry', env, 8100)}`,
    registryToken: secrets.registryToken,
    logLevel: env['LOG_LEVEL'] || 'info',
    redisUrl: o.redisUrl,
    gatewayUrl,
    corsOrigins: env['CORS_ORIGINS'] || gatewayUrl,
    jwtPrivateKey: env['JWT_PRIVATE_KEY'] || secrets.jwtPrivateKey,
    admin: {
      email: env['ADMIN_EMAIL'] || DEFAULT_ADMIN_EMAIL,
      password: env['ADMIN_PASSWORD'] || secrets.adminPassword,
      username: env['ADMIN_USERNAME'] || DEFAULT_ADMIN_USERNAME,
    },
    serviceClients: Object.fromEntries(clientIds.map((id) => [id, secrets.serviceClients[id] ?? ''])),
  };
}

/** Everything a service is started with, on top of the launcher's own environment. */
export function buildServiceEnv(
  svc: PlannedService,
  shared: SharedSettings,
  databaseUrl: string | undefined,
): Record<string, string> {
  if (svc.prisma && !databaseUrl) throw new Error(`${svc.name} has a Prisma schema but no database URL`);
  const clientSecret = shared.serviceClients[svc.name];
  if (svc.def.serviceClient && !clientSecret) throw new Error(`${svc.name} is a service client but has no secret`);
  return {
    NODE_ENV: 'development',
    HOST: '127.0.0.1',
    PORT: String(svc.port),
    LOG_LEVEL: shared.logLevel,
    REGISTRY_URL: shared.registryUrl,
    REGISTRY_TOKEN: shared.registryToken,
    ...(databaseUrl ? { DATABASE_URL: databaseUrl } : {}),
    ...(svc.def.serviceClient && clientSecret
      ? { SERVICE_CLIENT_ID: svc.name, SERVICE_CLIENT_SECRET: clientSecret }
      : {}),
    ...svc.def.env(shared),
  };
}
