import fs from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { randomSuffix } from './ids';
import { findRepoRoot } from './repo-root';

export interface TestDatabase {
  /** Connection URL of the new database (same server and credentials as TEST_DATABASE_URL). */
  url: string;
  /** The database name, `t_<service>_<random>`. */
  name: string;
  /** Drops the database, closing any connection still open to it. Safe to call twice. */
  drop(): Promise<void>;
}

export interface CreateTestDatabaseOptions {
  /** Apply `apps/<service>/prisma/migrations` (default true). */
  migrate?: boolean;
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

const quote = (ident: string) => `"${ident.replace(/"/g, '""')}"`;

async function admin<T>(serverUrl: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: serverUrl });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/**
 * Creates a fresh database `t_<service>_<random>` and, by default, applies the service's Prisma
 * migrations to it (tools/prisma/migrate.ts `migrateDeploy`). Drop it in afterAll.
 */
export async function createTestDatabase(service: string, opts: CreateTestDatabaseOptions = {}): Promise<TestDatabase> {
  const serverUrl = opts.serverUrl ?? testDatabaseServerUrl();
  const name = testDatabaseName(service);
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  await admin(serverUrl, (c) => c.query(`CREATE DATABASE ${quote(name)}`));

  let dropped = false;
  const drop = async () => {
    if (dropped) return;
    await admin(serverUrl, (c) => c.query(`DROP DATABASE IF EXISTS ${quote(name)} WITH (FORCE)`));
    dropped = true;
  };

  if (opts.migrate !== false) {
    try {
      await migrate(service, url.toString());
    } catch (err) {
      await drop().catch(() => undefined);
      throw err;
    }
  }
  return { url: url.toString(), name, drop };
}

async function migrate(service: string, databaseUrl: string): Promise<void> {
  const root = findRepoRoot();
  const prismaDir = path.join(root, 'apps', service, 'prisma');
  const schemaPath = path.join(prismaDir, 'schema.prisma');
  if (!fs.existsSync(schemaPath)) {
    throw new Error(`createTestDatabase: ${service} has no Prisma schema at ${schemaPath} (pass { migrate: false } for an empty database)`);
  }
  // Loaded on first use (the WebAssembly schema engine is heavy and most tests never need it), by
  // path because tools/ is not an Nx project the module-boundary rule could resolve.
  const mod = (await import(path.join(root, 'tools', 'prisma', 'migrate'))) as { migrateDeploy?: MigrateDeploy };
  if (typeof mod.migrateDeploy !== 'function') throw new Error('tools/prisma/migrate.ts does not export migrateDeploy');
  const { migrateDeploy } = mod;
  await migrateDeploy({ databaseUrl, schemaPath, migrationsDir: path.join(prismaDir, 'migrations') });
}
