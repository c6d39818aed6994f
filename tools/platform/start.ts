/**
 * `npm start`: the whole platform on this machine, for development. Starts Redis and PostgreSQL
 * when needed, migrates each service's database, starts the services of ./services.ts as child
 * processes with prefixed logs, waits until all are ready and prints how to log in. Ctrl-C stops
 * everything in reverse order.
 *
 * Env: DATABASE_URL (a PostgreSQL server of your own; else embedded, data in .data/postgres, port
 * EMBEDDED_PG_PORT=54329), REDIS_URL (else 127.0.0.1:6379, started if nothing answers),
 * PLATFORM_SERVICES=registry,auth (start only these), <NAME>_PORT (e.g. GATEWAY_PORT=8000),
 * ADMIN_EMAIL, ADMIN_PASSWORD, ADMIN_USERNAME, JWT_PRIVATE_KEY, CORS_ORIGINS, LOG_LEVEL.
 */
import path from 'node:path';
import { discoverPrismaServices } from '../prisma/migrate';
import { readyBanner } from './banner';
import { prepareDatabases } from './database';
import { PlatformError } from './errors';
import { assertEntryPointsExist, launchServices, stopServices } from './launch';
import { createOutput } from './output';
import {
  buildServiceEnv,
  buildSharedSettings,
  parsePortEnv,
  planServices,
  redactUrl,
  type PlannedService,
} from './plan';
import { assertPortsFree, type PortClaim } from './ports';
import { startEmbeddedPostgres } from './postgres';
import { describeExit, killAllChildrenSync, setOrphanGuard, type ManagedProcess } from './processes';
import { startReaper } from './reaper';
import { ensureRedis } from './redis';
import { loadDevSecrets } from './secrets';
import { SERVICES, type SharedSettings } from './services';
import { Shutdown } from './shutdown';

const ROOT = path.resolve(__dirname, '..', '..');
const SECRETS_FILE = path.join(ROOT, '.data', 'dev-secrets.json');
const POSTGRES_DIR = path.join(ROOT, '.data', 'postgres');
const DEFAULT_PG_PORT = 54329;
const DEFAULT_REDIS_PORT = 6379;

const env = process.env;
const out = createOutput({
  names: ['platform', 'postgres', 'redis', ...SERVICES.map((s) => s.name)],
  color: process.stdout.isTTY === true && !env['NO_COLOR'],
  stdout: process.stdout,
  stderr: process.stderr,
});
const say = (text: string): void => out.line('platform', text);
const warn = (text: string): void => out.line('platform', text, 'err');
const shutdown = new Shutdown(warn);
let exitCode: number | undefined;

function stopAndExit(code: number): void {
  if (exitCode !== undefined) return;
  exitCode = code;
  void shutdown.run().then(() => {
    say(code === 0 ? 'stopped' : 'stopped after the error above');
    process.exit(code);
  });
}

/** Reports the first error and stops everything; later errors are usually its consequences. */
function fail(err: unknown): void {
  if (exitCode !== undefined) return;
  if (err instanceof PlatformError) {
    warn(err.message);
    for (const detail of err.details) warn(`  ${detail}`);
  } else {
    warn(err instanceof Error ? (err.stack ?? err.message) : String(err));
  }
  stopAndExit(1);
}

let firstSignalAt: number | undefined;
function onSignal(signal: NodeJS.Signals): void {
  if (firstSignalAt === undefined) {
    firstSignalAt = Date.now();
    say(`${signal}: stopping everything (press Ctrl-C again to kill at once)`);
    stopAndExit(0);
    return;
  }
  // The tsx CLI behind `npm start` relays a terminal's Ctrl-C, which reached us too: not a second press.
  if (Date.now() - firstSignalAt < 1000) return;
  say('killing everything now');
  killAllChildrenSync();
}

async function prepareRedis(plan: PlannedService[]): Promise<string> {
  const fallback = env['REDIS_URL'] || `redis://127.0.0.1:${DEFAULT_REDIS_PORT}`;
  if (!plan.some((s) => s.def.redis)) return fallback;
  const redis = await ensureRedis({
    url: env['REDIS_URL'] || undefined,
    defaultPort: DEFAULT_REDIS_PORT,
    log: (line, stream) => out.line('redis', line, stream),
    note: say,
    registerStop: (stop) => shutdown.add('redis-server', 'infrastructure', stop),
  });
  return redis.url;
}

async function startEmbedded(port: number, password: string): Promise<string> {
  const pg = await startEmbeddedPostgres({
    dataDir: POSTGRES_DIR,
    port,
    password,
    log: (line, stream) => out.line('postgres', line, stream),
    note: say,
    registerStop: (stop) => shutdown.add('postgres', 'infrastructure', stop),
    signal: shutdown.signal,
  });
  return pg.url;
}

async function prepareDatabaseServer(
  plan: PlannedService[],
  pgPort: number | undefined,
  pgPassword: string,
): Promise<Map<string, string>> {
  if (!plan.some((s) => s.prisma)) return new Map();
  const external = env['DATABASE_URL'];
  if (external) say(`using the PostgreSQL server of DATABASE_URL (${redactUrl(external)})`);
  const serverUrl = external || (await startEmbedded(pgPort ?? DEFAULT_PG_PORT, pgPassword));
  return prepareDatabases({
    services: plan,
    serverUrl,
    embedded: !external,
    note: say,
    signal: shutdown.signal,
  });
}

function portClaims(plan: PlannedService[], pgPort: number | undefined): PortClaim[] {
  const claims = plan.map((s) => ({ port: s.port, owner: s.name, envVar: s.portEnvVar }));
  return pgPort ? [...claims, { port: pgPort, owner: 'the embedded PostgreSQL', envVar: 'EMBEDDED_PG_PORT' }] : claims;
}

async function startPlatform(): Promise<void> {
  const plan = planServices(SERVICES, env, discoverPrismaServices(ROOT));
  assertEntryPointsExist(ROOT, plan);
  const embeddedPg = plan.some((s) => s.prisma) && !env['DATABASE_URL'];
  const pgPort = embeddedPg ? parsePortEnv(env, 'EMBEDDED_PG_PORT', DEFAULT_PG_PORT) : undefined;
  await assertPortsFree(portClaims(plan, pgPort));
  setOrphanGuard(startReaper());
  say(`starting ${plan.map((s) => s.name).join(', ')}`);
  const clientIds = SERVICES.filter((s) => s.serviceClient).map((s) => s.name);
  const { secrets, created } = loadDevSecrets(SECRETS_FILE, clientIds);
  if (created) say(`generated development secrets in ${path.relative(ROOT, SECRETS_FILE)}`);

  // Redis and the databases are prepared side by side; each service starts once what it needs is there.
  const redisUrl = prepareRedis(plan);
  const databaseUrls = prepareDatabaseServer(plan, pgPort, secrets.postgresPassword);
  const shared = redisUrl.then((url) => buildSharedSettings({ defs: SERVICES, env, secrets, redisUrl: url }));
  const launches = plan.map((svc) => ({
    svc,
    env: Promise.all([shared, svc.prisma ? databaseUrls : undefined]).then(([settings, urls]) =>
      buildServiceEnv(svc, settings, urls?.get(svc.name)),
    ),
  }));
  const running = new Map<string, ManagedProcess>();
  const startOrder = plan.map((s) => s.name);
  shutdown.add('services', 'services', () => stopServices(running, startOrder));
  await Promise.all([
    databaseUrls,
    launchServices(launches, {
      root: ROOT,
      out,
      signal: shutdown.signal,
      running,
      onUnexpectedExit: (svc, info) => fail(new PlatformError(`${svc.name} ${describeExit(info)} unexpectedly`)),
    }),
  ]);
  if (shutdown.signal.aborted) return;
  printBanner(plan, await shared);
}

function printBanner(plan: PlannedService[], shared: SharedSettings): void {
  out.raw(
    readyBanner({
      color: out.color,
      services: plan,
      shared,
      seconds: process.uptime(),
      secretsFile: path.relative(ROOT, SECRETS_FILE),
      adminPasswordFromEnv: Boolean(env['ADMIN_PASSWORD']),
    }),
  );
}

for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, onSignal);
process.on('exit', killAllChildrenSync);
process.on('uncaughtException', fail);
process.on('unhandledRejection', fail);
// A closed terminal or a pipe that went away must not crash the launcher before it has stopped its children.
process.stdout.on('error', () => undefined);
process.stderr.on('error', () => undefined);

startPlatform().catch(fail);
