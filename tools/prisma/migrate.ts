/**
 * Offline Prisma Migrate for the platform's services, on Prisma's WebAssembly schema engine
 * (see ./schema-engine.ts). Migration folders and the `_prisma_migrations` table are in the Prisma
 * CLI's own format, so `prisma migrate deploy` (native engine) accepts the same files/databases.
 *
 *   tsx tools/prisma/migrate.ts deploy [--service <svc>] [--database-url <url>]
 *   tsx tools/prisma/migrate.ts dev --service <svc> --name <name> [--database-url <url>]
 *
 * Database URL of a service: --database-url, else env <SVC>_DATABASE_URL (AUTH_DATABASE_URL),
 * else env DATABASE_URL with its database name replaced by `platform_<svc>`.
 */
import fs from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import {
  dropLiveShadowDatabases,
  lastEnginePanic,
  MIGRATION_LOCK_FILE,
  MIGRATION_SCRIPT_FILE,
  NO_EXTERNAL_ENTITIES,
  migrationLockContent,
  openSchemaEngine,
  pgConfigFromUrl,
  quoteIdent,
  readMigrationsList,
  redactUrl,
  toError,
  type SchemaEngineSession,
} from './schema-engine';
import { discoverPrismaServices, type PrismaService } from './services';

export { discoverPrismaServices, type PrismaService } from './services';

export interface MigrateOptions {
  databaseUrl: string;
  schemaPath: string;
  migrationsDir: string;
}

/** Creates the URL's database (via the server's `postgres` database) unless it exists. */
export async function ensureDatabase(databaseUrl: string): Promise<boolean> {
  const { config, database } = pgConfigFromUrl(databaseUrl);
  const admin = new pg.Client({ ...config, database: 'postgres' });
  try {
    await admin.connect();
  } catch (err) {
    throw new Error(`cannot connect to ${redactUrl(databaseUrl)} (postgres database): ${(err as Error).message}`);
  }
  try {
    const found = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [database]);
    if (found.rowCount) return false;
    try {
      await admin.query(`CREATE DATABASE ${quoteIdent(database)}`);
    } catch (err) {
      if ((err as { code?: string }).code === '42P04') return false; // created concurrently
      throw err;
    }
    return true;
  } finally {
    await admin.end();
  }
}

interface MigrationRow {
  migration_name: string;
  finished_at: Date | null;
  rolled_back_at: Date | null;
}

/**
 * Guards against a migrate that silently does nothing: every migration folder must have a finished,
 * not rolled back, row in `_prisma_migrations` of the URL's database/schema.
 */
export async function verifyMigrationsApplied(databaseUrl: string, migrationsDir: string): Promise<string[]> {
  const expected = readMigrationsList(migrationsDir).migrationDirectories.map((d) => d.path);
  const { config, schema } = pgConfigFromUrl(databaseUrl);
  const client = new pg.Client(config);
  await client.connect();
  let rows: MigrationRow[];
  try {
    const res = await client.query<MigrationRow>(
      `SELECT migration_name, finished_at, rolled_back_at FROM ${quoteIdent(schema)}."_prisma_migrations"`,
    );
    rows = res.rows;
  } catch (err) {
    throw new Error(`migrations were not recorded: cannot read ${schema}._prisma_migrations: ${(err as Error).message}`);
  } finally {
    await client.end();
  }
  const done = new Set(rows.filter((r) => r.finished_at !== null && r.rolled_back_at === null).map((r) => r.migration_name));
  const missing = expected.filter((name) => !done.has(name));
  if (missing.length > 0) {
    throw new Error(`migrations not applied after migrate (no finished row in _prisma_migrations): ${missing.join(', ')}`);
  }
  return expected;
}

async function withEngine<T>(opts: MigrateOptions, fn: (session: SchemaEngineSession) => Promise<T>): Promise<T> {
  if (!fs.existsSync(opts.schemaPath)) throw new Error(`Prisma schema not found: ${opts.schemaPath}`);
  const session = await openSchemaEngine({ databaseUrl: opts.databaseUrl, schemaPath: opts.schemaPath });
  try {
    return await fn(session);
  } catch (err) {
    throw toError(err);
  } finally {
    await session.close();
  }
}

/**
 * Applies pending migrations of `migrationsDir` (creating the database first if needed) and
 * records them in `_prisma_migrations` like `prisma migrate deploy`. Idempotent.
 */
export async function migrateDeploy(opts: { databaseUrl: string; schemaPath: string; migrationsDir: string }): Promise<{ applied: string[] }> {
  const migrationsList = readMigrationsList(opts.migrationsDir);
  if (migrationsList.migrationDirectories.length === 0) {
    throw new Error(`no migrations in ${opts.migrationsDir}: create one with \`tsx tools/prisma/migrate.ts dev --service <svc> --name init\``);
  }
  const unreadable = migrationsList.migrationDirectories.filter((d) => d.migrationFile.content.tag === 'error');
  if (unreadable.length > 0) {
    throw new Error(`unreadable ${MIGRATION_SCRIPT_FILE} in: ${unreadable.map((d) => d.path).join(', ')}`);
  }
  await ensureDatabase(opts.databaseUrl);
  const applied = await withEngine(opts, async ({ engine }) => {
    const out = await engine.applyMigrations({ migrationsList, filters: NO_EXTERNAL_ENTITIES });
    return out.appliedMigrationNames;
  });
  await verifyMigrationsApplied(opts.databaseUrl, opts.migrationsDir);
  return { applied };
}

/**
 * `prisma migrate dev` without prompts: applies pending migrations, then writes
 * `<migrationsDir>/<YYYYMMDDHHMMSS>_<name>/migration.sql` (+ migration_lock.toml) for the difference
 * between the migrations and the schema (computed on a temporary shadow database) and applies it.
 * Returns `{ created: null }` when the schema has no changes. Refuses (throws) when the database
 * has drifted from the migrations: it never resets a database.
 */
export async function migrateDev(opts: { databaseUrl: string; schemaPath: string; migrationsDir: string; name: string }): Promise<{ created: string | null }> {
  const name = opts.name.trim().replace(/[^A-Za-z0-9_]+/g, '_').replace(/^_+|_+$/g, '');
  if (!name) throw new Error(`invalid migration name ${JSON.stringify(opts.name)}`);
  await ensureDatabase(opts.databaseUrl);
  const created = await withEngine(opts, async ({ engine, schema }) => {
    let migrationsList = readMigrationsList(opts.migrationsDir);
    const diagnostic = await engine.devDiagnostic({ migrationsList, filters: NO_EXTERNAL_ENTITIES });
    if (diagnostic.action.tag === 'reset') {
      throw new Error(`the database needs a reset before a new migration can be created: ${diagnostic.action.reason}`);
    }
    await engine.applyMigrations({ migrationsList, filters: NO_EXTERNAL_ENTITIES });
    const out = await createMigration(engine, { migrationName: name, migrationsList, schema, schemaPath: opts.schemaPath });
    if (out.migrationScript === null) return null;
    const dir = path.join(migrationsList.baseDir, out.generatedMigrationName);
    if (fs.existsSync(dir)) throw new Error(`migration directory already exists: ${dir}`);
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, `migration.${out.extension}`), out.migrationScript, 'utf8');
    fs.writeFileSync(path.join(migrationsList.baseDir, MIGRATION_LOCK_FILE), migrationLockContent(out.connectorType), 'utf8');
    migrationsList = readMigrationsList(opts.migrationsDir);
    await engine.applyMigrations({ migrationsList, filters: NO_EXTERNAL_ENTITIES });
    return out.generatedMigrationName;
  });
  await verifyMigrationsApplied(opts.databaseUrl, opts.migrationsDir);
  return { created };
}

type Engine = SchemaEngineSession['engine'];
type CreateMigrationInput = Parameters<Engine['createMigration']>[0];

/**
 * The engine's createMigration. With migrations already on disk it replays them on a shadow database,
 * which this WebAssembly engine build refuses for PostgreSQL ("shadow DB must be provided through an
 * external factory", though the adapter factory has `connectToShadowDb`). The database here has just
 * been brought to exactly those migrations, and `devDiagnostic` found no drift, so the live database
 * stands in for the shadow one: the migration is the diff from it to the schema.
 */
async function createMigration(
  engine: Engine,
  o: { migrationName: string; migrationsList: CreateMigrationInput['migrationsList']; schema: CreateMigrationInput['schema']; schemaPath: string },
): Promise<{ migrationScript: string | null; generatedMigrationName: string; extension: string; connectorType: string }> {
  try {
    return await engine.createMigration({ draft: false, migrationName: o.migrationName, migrationsList: o.migrationsList, schema: o.schema, filters: NO_EXTERNAL_ENTITIES });
  } catch (err) {
    if (!/shadow DB must be provided through an external factory/.test(String(err))) throw err;
  }
  const diff = await engine.diff({
    from: { tag: 'schemaDatasource', files: o.schema.files, configDir: path.dirname(path.resolve(o.schemaPath)) },
    to: { tag: 'schemaDatamodel', files: o.schema.files },
    script: true,
    exitCode: null,
    filters: NO_EXTERNAL_ENTITIES,
  });
  const script = diff.stdout ?? '';
  const empty = script.trim() === '' || /^-- This is an empty migration\.?\s*$/.test(script.trim());
  const stamp = new Date().toISOString().replace(/\D/g, '').slice(0, 14);
  return { migrationScript: empty ? null : script, generatedMigrationName: `${stamp}_${o.migrationName}`, extension: 'sql', connectorType: 'postgresql' };
}

// ---------------------------------------------------------------------------------------------
// CLI
// ---------------------------------------------------------------------------------------------

const USAGE = `usage:
  tsx tools/prisma/migrate.ts deploy [--service <svc>] [--database-url <url>]
  tsx tools/prisma/migrate.ts dev --service <svc> --name <name> [--database-url <url>]

A service's database URL: --database-url, else env <SVC>_DATABASE_URL (e.g. AUTH_DATABASE_URL),
else env DATABASE_URL with the database name replaced by platform_<svc>.
`;

export function envVarFor(service: string): string {
  return `${service.toUpperCase().replace(/[^A-Z0-9]/g, '_')}_DATABASE_URL`;
}

/** The database URL for `service` (see USAGE); throws when none can be derived. */
export function resolveDatabaseUrl(service: string, explicit: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  if (explicit) return explicit;
  const own = env[envVarFor(service)];
  if (own) return own;
  const shared = env['DATABASE_URL'];
  if (!shared) {
    throw new Error(`no database URL for service "${service}": pass --database-url, or set ${envVarFor(service)} or DATABASE_URL`);
  }
  let url: URL;
  try {
    url = new URL(shared);
  } catch {
    throw new Error('DATABASE_URL is not a valid URL');
  }
  url.pathname = `/platform_${service.replace(/[^A-Za-z0-9_]/g, '_')}`;
  return url.toString();
}

interface CliArgs {
  command: string | undefined;
  flags: Map<string, string>;
}

function parseArgs(argv: string[]): CliArgs {
  const [command, ...rest] = argv;
  const flags = new Map<string, string>();
  for (let i = 0; i < rest.length; i++) {
    const arg = rest[i] as string;
    if (arg === '--help' || arg === '-h') {
      flags.set('help', 'true');
      continue;
    }
    const m = /^--([a-z-]+)(?:=(.*))?$/.exec(arg);
    if (!m) throw new Error(`unexpected argument: ${arg}`);
    const key = m[1] as string;
    if (!['service', 'name', 'database-url'].includes(key)) throw new Error(`unknown option: --${key}`);
    let value = m[2];
    if (value === undefined) {
      value = rest[++i];
      if (value === undefined || value.startsWith('--')) throw new Error(`--${key} needs a value`);
    }
    flags.set(key, value);
  }
  return { command, flags };
}

const out = (line: string): void => {
  process.stdout.write(`${line}\n`);
};

function selectServices(root: string, service: string | undefined): PrismaService[] {
  const all = discoverPrismaServices(root);
  if (!service) return all;
  const found = all.find((s) => s.service === service);
  if (!found) {
    throw new Error(`no Prisma schema for service "${service}" (expected apps/${service}/prisma/schema.prisma); found: ${all.map((s) => s.service).join(', ') || 'none'}`);
  }
  return [found];
}

export async function main(argv: string[], root: string = path.resolve(__dirname, '..', '..')): Promise<number> {
  const { command, flags } = parseArgs(argv);
  if (flags.has('help') || command === undefined || command === 'help') {
    process.stdout.write(USAGE);
    return command === undefined ? 1 : 0;
  }
  const service = flags.get('service');
  const explicitUrl = flags.get('database-url');

  if (command === 'deploy') {
    const services = selectServices(root, service);
    if (services.length === 0) {
      out('prisma migrate: no apps/<svc>/prisma/schema.prisma found; nothing to deploy');
      return 0;
    }
    if (explicitUrl && !service && services.length > 1) {
      throw new Error('--database-url applies to one database: use it with --service <svc>');
    }
    for (const svc of services) {
      const databaseUrl = resolveDatabaseUrl(svc.service, explicitUrl);
      const started = Date.now();
      const { applied } = await migrateDeploy({ databaseUrl, schemaPath: svc.schemaPath, migrationsDir: svc.migrationsDir });
      const total = readMigrationsList(svc.migrationsDir).migrationDirectories.length;
      const where = redactUrl(databaseUrl);
      if (applied.length === 0) out(`${svc.service}: ${where} is up to date (${total} migration(s)), ${Date.now() - started} ms`);
      else out(`${svc.service}: applied ${applied.length} migration(s) to ${where} in ${Date.now() - started} ms: ${applied.join(', ')}`);
    }
    return 0;
  }

  if (command === 'dev') {
    const name = flags.get('name');
    if (!service || !name) throw new Error(`dev needs --service <svc> and --name <name>\n${USAGE}`);
    const [svc] = selectServices(root, service);
    if (!svc) throw new Error(`no Prisma schema for service "${service}"`);
    const databaseUrl = resolveDatabaseUrl(svc.service, explicitUrl);
    const { created } = await migrateDev({ databaseUrl, schemaPath: svc.schemaPath, migrationsDir: svc.migrationsDir, name });
    if (created) out(`${svc.service}: created and applied ${path.relative(root, path.join(svc.migrationsDir, created))}/${MIGRATION_SCRIPT_FILE}`);
    else out(`${svc.service}: no schema changes; no migration created (database ${redactUrl(databaseUrl)} is up to date)`);
    return 0;
  }

  throw new Error(`unknown command "${command}"\n${USAGE}`);
}

async function fail(err: unknown): Promise<never> {
  const panic = lastEnginePanic();
  process.stderr.write(`prisma migrate failed: ${toError(err).message}\n${panic ? `schema engine panic: ${panic}\n` : ''}`);
  const dropped = await dropLiveShadowDatabases().catch(() => []);
  if (dropped.length > 0) process.stderr.write(`dropped shadow database(s): ${dropped.join(', ')}\n`);
  process.exit(1);
}

if (require.main === module) {
  // A Rust panic inside the engine surfaces here, not as a rejection of the running command.
  process.on('uncaughtException', (err) => void fail(err));
  process.on('unhandledRejection', (err) => void fail(err));
  // Exit explicitly: the engine leaves a 10 s timer behind.
  main(process.argv.slice(2)).then((code) => process.exit(code), fail);
}
