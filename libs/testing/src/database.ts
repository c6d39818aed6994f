import fs from 'node:fs';
import path from 'node:path';
import { randomSuffix } from './ids';
import { findRepoRoot } from './repo-root';
import { forgetTemplate, migratedTemplate } from './database-template';
import { admin, quote } from './pg-admin';

export interface TestDatabase {
  /** Connection URL of the new database (same server and credentials as TEST_DATABASE_URL). */
  url: string;
  /** The database name, `t_<service>_<random>`. */
  name: string;
  /** Drops the database, closing any connection still open to it. Safe to call twice. */
  drop(): Promise<void>;
}

export interface CreateTestDatabaseOptions {
  /**
   * Apply `apps/<service>/prisma/migrations` (default true): the database is cloned from a template
   * migrated once per set of migrations (`CREATE DATABASE … TEMPLATE`), unless `template` is false.
   */
  migrate?: boolean;
  /** Clone a migrated template instead of migrating the new database itself (default true). */
  template?: boolean;
  /** Server to create it on; defaults to env TEST_DATABASE_URL, else the local postgres. */
  serverUrl?: string;
}

/** The server tests create databases on: env TEST_DATABASE_URL, else local trust auth. */
export function testDatabaseServerUrl(): string {
  return process.env.TEST_DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';
}

/** `t_<service>_<random>`, a valid lowercase identifier of at most 63 characters. */
export function testDatabaseName(service: string): string {
  const clean = service.toLowerCase().replace(/[^a-z0-9_]+/g, '_').slice(0, 40);
  return `t_${clean}_${randomSuffix(6)}`;
}

/** The signature agreed for tools/prisma/migrate.ts (declared here: tools/ is outside the Nx graph). */
type MigrateDeploy = (opts: { databaseUrl: string; schemaPath: string; migrationsDir: string }) => Promise<{ applied: string[] }>;

/**
 * Creates a fresh database `t_<service>_<random>` and, by default, applies the service's Prisma
 * migrations to it (tools/prisma/migrate.ts `migrateDeploy`). Drop it in afterAll.
 */
export async function createTestDatabase(service: string, opts: CreateTestDatabaseOptions = {}): Promise<TestDatabase> {
  const serverUrl = opts.serverUrl ?? testDatabaseServerUrl();
  const name = testDatabaseName(service);
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  const migrated = opts.migrate !== false;
  if (migrated && opts.template !== false) {
    await cloneTemplate(service, serverUrl, name);
    return { url: url.toString(), name, drop: dropper(serverUrl, name) };
  }
  await admin(serverUrl, (c) => c.query(`CREATE DATABASE ${quote(name)}`));
  const drop = dropper(serverUrl, name);
  if (migrated) {
    try {
      await migrate(service, url.toString());
    } catch (err) {
      await drop().catch(() => undefined);
      throw err;
    }
  }
  return { url: url.toString(), name, drop };
}

/**
 * Makes sure `service`'s migrated template exists on the server (made now if not), so the first
 * createTestDatabase of a run does not pay for the migration inside a test's time limit.
 */
export async function ensureMigratedTemplate(service: string, serverUrl: string = testDatabaseServerUrl()): Promise<string> {
  return migratedTemplate(service, serverUrl, prismaDirOf(service), migrate);
}

function dropper(serverUrl: string, name: string): () => Promise<void> {
  let dropped = false;
  return async () => {
    if (dropped) return;
    await admin(serverUrl, (c) => c.query(`DROP DATABASE IF EXISTS ${quote(name)} WITH (FORCE)`));
    dropped = true;
  };
}

async function cloneTemplate(service: string, serverUrl: string, name: string): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    const template = await migratedTemplate(service, serverUrl, prismaDirOf(service), migrate);
    try {
      await admin(serverUrl, (c) => c.query(`CREATE DATABASE ${quote(name)} TEMPLATE ${quote(template)}`));
      return;
    } catch (err) {
      // 3D000: the template was dropped meanwhile (an old one pruned by another run): make it again.
      if ((err as { code?: string }).code !== '3D000' || attempt >= 3) throw err;
      forgetTemplate(service, serverUrl);
    }
  }
}

/** `apps/<service>/prisma`, which must hold a schema.prisma. */
function prismaDirOf(service: string): string {
  const prismaDir = path.join(findRepoRoot(), 'apps', service, 'prisma');
  const schemaPath = path.join(prismaDir, 'schema.prisma');
  if (!fs.existsSync(schemaPath)) {
    throw new Error(`createTestDatabase: ${service} has no Prisma schema at ${schemaPath} (pass { migrate: false } for an empty database)`);
  }
  return prismaDir;
}

async function migrate(service: string, databaseUrl: string): Promise<void> {
  const root = findRepoRoot();
  const prismaDir = prismaDirOf(service);
  const schemaPath = path.join(prismaDir, 'schema.prisma');
  // Loaded on first use (the WebAssembly schema engine is heavy and most tests never need it), by
  // path because tools/ is not an Nx project the module-boundary rule could resolve.
  const mod = (await import(path.join(root, 'tools', 'prisma', 'migrate'))) as { migrateDeploy?: MigrateDeploy };
  if (typeof mod.migrateDeploy !== 'function') throw new Error('tools/prisma/migrate.ts does not export migrateDeploy');
  const { migrateDeploy } = mod;
  await migrateDeploy({ databaseUrl, schemaPath, migrationsDir: path.join(prismaDir, 'migrations') });
}
