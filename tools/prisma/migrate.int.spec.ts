/**
 * Real-PostgreSQL tests of the offline migration tooling. Needs a server at TEST_DATABASE_URL /
 * DATABASE_URL (default postgresql://postgres@127.0.0.1:5432/postgres) whose user may create
 * databases; every database created here has a unique name and is dropped in afterAll.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { PrismaPg } from '@prisma/adapter-pg';
import { spawnSync } from 'node:child_process';
import { discoverPrismaServices, migrateDeploy, migrateDev, resolveDatabaseUrl, verifyMigrationsApplied } from './migrate';
import { dropLiveShadowDatabases, pgConfigFromUrl, quoteIdent, readMigrationsList } from './schema-engine';
import { generateAll } from './generate';
import type { PrismaClient as AuthPrismaClient } from '../../apps/auth/src/generated/prisma/client';

const ROOT = path.resolve(__dirname, '..', '..');
const SERVER_URL = process.env['TEST_DATABASE_URL'] ?? process.env['DATABASE_URL'] ?? 'postgresql://postgres@127.0.0.1:5432/postgres';
const RUN_ID = `${process.pid}_${randomBytes(3).toString('hex')}`;
const created: string[] = [];
const tmpDirs: string[] = [];

/** A URL on the test server for a fresh, uniquely named database (created lazily by the tools). */
function freshDatabaseUrl(label: string): string {
  const url = new URL(SERVER_URL);
  const name = `test_prisma_${label}_${RUN_ID}`;
  url.pathname = `/${name}`;
  created.push(name);
  return url.toString();
}

async function withClient<T>(databaseUrl: string, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client(pgConfigFromUrl(databaseUrl).config);
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

const auth = discoverPrismaServices(ROOT).find((s) => s.service === 'auth');

afterAll(async () => {
  for (const dir of tmpDirs) fs.rmSync(dir, { recursive: true, force: true });
  const admin = new pg.Client({ ...pgConfigFromUrl(SERVER_URL).config, database: 'postgres' });
  await admin.connect();
  try {
    for (const name of created) await admin.query(`DROP DATABASE IF EXISTS ${quoteIdent(name)} WITH (FORCE)`);
  } finally {
    await admin.end();
  }
});

describe('discoverPrismaServices', () => {
  it('finds the auth service schema and migrations', () => {
    expect(auth).toEqual({
      service: 'auth',
      schemaPath: path.join(ROOT, 'apps/auth/prisma/schema.prisma'),
      migrationsDir: path.join(ROOT, 'apps/auth/prisma/migrations'),
    });
  });
});

describe('resolveDatabaseUrl', () => {
  it('prefers --database-url, then <SVC>_DATABASE_URL, then DATABASE_URL with platform_<svc>', () => {
    const env = { DATABASE_URL: 'postgresql://u:p@db:5432/app?schema=public', AUTH_DATABASE_URL: 'postgresql://a@db/auth_db' };
    expect(resolveDatabaseUrl('auth', 'postgresql://x@h/explicit', env)).toBe('postgresql://x@h/explicit');
    expect(resolveDatabaseUrl('auth', undefined, env)).toBe('postgresql://a@db/auth_db');
    expect(resolveDatabaseUrl('agent-runner', undefined, env)).toBe('postgresql://u:p@db:5432/platform_agent_runner?schema=public');
    expect(() => resolveDatabaseUrl('auth', undefined, {})).toThrow(/no database URL/);
  });
});

describe('auth migrations on a real database', () => {
  const databaseUrl = freshDatabaseUrl('auth');
  if (!auth) throw new Error('apps/auth/prisma/schema.prisma not found');
  const migrationNames = readMigrationsList(auth.migrationsDir).migrationDirectories.map((d) => d.path);

  it('has at least the init migration on disk', () => {
    expect(migrationNames.length).toBeGreaterThanOrEqual(1);
    expect(migrationNames[0]).toMatch(/^\d{14}_init$/);
  });

  it('deploy creates the database, applies every migration and records it', async () => {
    const { applied } = await migrateDeploy({ databaseUrl, schemaPath: auth.schemaPath, migrationsDir: auth.migrationsDir });
    expect(applied).toEqual(migrationNames);

    const tables = await withClient(databaseUrl, async (c) =>
      (
        await c.query<{ table_name: string }>(
          `SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY table_name`,
        )
      ).rows.map((r) => r.table_name),
    );
    expect(tables).toEqual(['_prisma_migrations', 'auth_audit_log', 'refresh_tokens', 'token_revocations', 'users']);

    const rows = await withClient(databaseUrl, async (c) =>
      (
        await c.query<{ migration_name: string; finished_at: Date | null; checksum: string }>(
          'SELECT migration_name, finished_at, checksum FROM _prisma_migrations ORDER BY migration_name',
        )
      ).rows,
    );
    expect(rows.map((r) => r.migration_name)).toEqual(migrationNames);
    expect(rows.every((r) => r.finished_at instanceof Date && /^[0-9a-f]{64}$/.test(r.checksum))).toBe(true);
  });

  it('deploy again applies nothing', async () => {
    const { applied } = await migrateDeploy({ databaseUrl, schemaPath: auth.schemaPath, migrationsDir: auth.migrationsDir });
    expect(applied).toEqual([]);
  });

  it('the generated client (PrismaPg adapter) creates and reads a User', async () => {
    const clientModule = path.join(ROOT, 'apps/auth/src/generated/prisma/client.ts');
    if (!fs.existsSync(clientModule)) {
      const [result] = await generateAll(ROOT, ['auth']);
      if (!result?.ok) throw new Error(`prisma generate failed:\n${result?.output}`);
    }
    // Loaded lazily: generated on demand above when postinstall has not run.
    const { PrismaClient } = require('../../apps/auth/src/generated/prisma/client') as { PrismaClient: typeof AuthPrismaClient };
    const prisma = new PrismaClient({ adapter: new PrismaPg({ connectionString: databaseUrl }) });
    try {
      const user = await prisma.user.create({
        data: { email: 'ada@example.com', username: 'ada', usernameKey: 'ada', passwordHash: '$argon2id$test' },
      });
      expect(user).toMatchObject({ role: 'user', isActive: true, maxConcurrentSessions: 5 });
      expect(user.id).toMatch(/^[0-9a-f-]{36}$/);
      const token = await prisma.refreshToken.create({
        data: {
          userId: user.id,
          familyId: user.id,
          tokenHash: 'a'.repeat(64),
          expiresAt: new Date(Date.now() + 60_000),
        },
      });
      const found = await prisma.user.findUnique({ where: { email: 'ada@example.com' }, include: { refreshTokens: true } });
      expect(found?.username).toBe('ada');
      expect(found?.refreshTokens.map((t) => t.id)).toEqual([token.id]);
      await prisma.auditLog.create({ data: { event: 'user.created', userId: user.id } });
      // The init migration's CHECK keeps emails lowercase.
      await expect(prisma.user.create({ data: { email: 'Bob@Example.com', username: 'bob', usernameKey: 'bob', passwordHash: 'x' } })).rejects.toThrow();
      // And usernames are unique whatever their case (the key is lower(username), held by a CHECK).
      await expect(prisma.user.create({ data: { email: 'ada2@example.com', username: 'ADA', usernameKey: 'ada', passwordHash: 'x' } })).rejects.toThrow();
      await expect(prisma.user.create({ data: { email: 'eve@example.com', username: 'Eve', usernameKey: 'Eve', passwordHash: 'x' } })).rejects.toThrow();
      // Cascade: deleting the user deletes its tokens; audit rows (no FK) survive.
      await prisma.user.delete({ where: { id: user.id } });
      expect(await prisma.refreshToken.count()).toBe(0);
      expect(await prisma.auditLog.count({ where: { userId: user.id } })).toBe(1);
    } finally {
      await prisma.$disconnect();
    }
  });

  it('dev on the unchanged schema creates nothing and leaves no shadow database', async () => {
    const { created: migration } = await migrateDev({
      databaseUrl,
      schemaPath: auth.schemaPath,
      migrationsDir: auth.migrationsDir,
      name: 'noop',
    });
    expect(migration).toBeNull();
    expect(readMigrationsList(auth.migrationsDir).migrationDirectories.map((d) => d.path)).toEqual(migrationNames);
    expect(await dropLiveShadowDatabases()).toEqual([]);
  });
});

describe('scripts with semicolons in comments, strings and $$ bodies', () => {
  it('are applied whole (not split on ";")', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'prisma-migrate-spec-'));
    tmpDirs.push(dir);
    const schemaPath = path.join(dir, 'schema.prisma');
    fs.writeFileSync(
      schemaPath,
      'datasource db {\n  provider = "postgresql"\n}\n\nmodel Note {\n  id   Int    @id\n  body String\n\n  @@map("notes")\n}\n',
    );
    const migrationsDir = path.join(dir, 'migrations');
    fs.mkdirSync(path.join(migrationsDir, '20000101000000_init'), { recursive: true });
    fs.writeFileSync(path.join(migrationsDir, 'migration_lock.toml'), 'provider = "postgresql"\n');
    fs.writeFileSync(
      path.join(migrationsDir, '20000101000000_init', 'migration.sql'),
      [
        '-- a comment; with a semicolon',
        'CREATE TABLE "notes" ("id" INTEGER NOT NULL, "body" TEXT NOT NULL DEFAULT \'a;b\', CONSTRAINT "notes_pkey" PRIMARY KEY ("id"));',
        'CREATE FUNCTION notes_touch() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN NEW.body := NEW.body; RETURN NEW; END $$;',
        '',
      ].join('\n'),
    );
    const databaseUrl = freshDatabaseUrl('semicolons');
    const { applied } = await migrateDeploy({ databaseUrl, schemaPath, migrationsDir });
    expect(applied).toEqual(['20000101000000_init']);
    // The "did nothing but exited 0" trap: these migrations are not the auth ones.
    if (auth) await expect(verifyMigrationsApplied(databaseUrl, auth.migrationsDir)).rejects.toThrow(/not applied/);
    const def = await withClient(databaseUrl, async (c) => {
      await c.query('INSERT INTO notes (id) VALUES (1)');
      return (await c.query<{ body: string }>('SELECT body FROM notes')).rows[0]?.body;
    });
    expect(def).toBe('a;b');
  });
});

describe('dev on an empty migrations directory', () => {
  it('writes <timestamp>_<name>/migration.sql and migration_lock.toml, applies it, then reports no change', async () => {
    if (!auth) throw new Error('auth service missing');
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'prisma-migrate-spec-'));
    tmpDirs.push(dir);
    const migrationsDir = path.join(dir, 'migrations');
    const databaseUrl = freshDatabaseUrl('dev');
    const first = await migrateDev({ databaseUrl, schemaPath: auth.schemaPath, migrationsDir, name: 'first try' });
    expect(first.created).toMatch(/^\d{14}_first_try$/);
    const sql = fs.readFileSync(path.join(migrationsDir, first.created as string, 'migration.sql'), 'utf8');
    expect(sql).toContain('CREATE TABLE "users"');
    expect(fs.readFileSync(path.join(migrationsDir, 'migration_lock.toml'), 'utf8')).toContain('provider = "postgresql"');
    const second = await migrateDev({ databaseUrl, schemaPath: auth.schemaPath, migrationsDir, name: 'again' });
    expect(second.created).toBeNull();
  });
});

describe('CLI', () => {
  const tsx = path.join(ROOT, 'node_modules/.bin/tsx');
  const run = (...args: string[]) =>
    spawnSync(tsx, ['tools/prisma/migrate.ts', ...args], { cwd: ROOT, encoding: 'utf8', timeout: 20_000 });

  it('deploy --service auth --database-url <fresh> applies the migrations and exits 0', () => {
    const res = run('deploy', '--service', 'auth', '--database-url', freshDatabaseUrl('cli'));
    expect(res.stderr).not.toMatch(/failed/);
    expect(res.status).toBe(0);
    expect(res.stdout).toMatch(/^auth: applied \d+ migration\(s\)/);
  });

  it('fails with a clear message and a non-zero exit', () => {
    const res = run('deploy', '--service', 'nope', '--database-url', SERVER_URL);
    expect(res.status).toBe(1);
    expect(res.stderr).toMatch(/no Prisma schema for service "nope"/);
  });
});
