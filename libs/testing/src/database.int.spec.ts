import pg from 'pg';
import { createTestDatabase, testDatabaseServerUrl } from './database';

async function query<T extends pg.QueryResultRow>(url: string, sql: string, params: unknown[] = []): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(sql, params)).rows;
  } finally {
    await client.end();
  }
}

const exists = async (name: string) =>
  (await query(testDatabaseServerUrl(), 'SELECT 1 FROM pg_database WHERE datname = $1', [name])).length === 1;

describe('createTestDatabase', () => {
  it('creates a fresh database with the service migrations applied, and drop removes it', async () => {
    const db = await createTestDatabase('auth');
    try {
      expect(db.name).toMatch(/^t_auth_[0-9a-f]{12}$/);
      expect(new URL(db.url).pathname).toBe(`/${db.name}`);
      const tables = await query<{ table_name: string }>(
        db.url,
        "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY table_name",
      );
      expect(tables.map((t) => t.table_name)).toEqual(expect.arrayContaining(['users', 'refresh_tokens', '_prisma_migrations']));
      const migrations = await query<{ migration_name: string }>(db.url, 'SELECT migration_name FROM _prisma_migrations WHERE finished_at IS NOT NULL');
      expect(migrations.length).toBeGreaterThan(0);
    } finally {
      await db.drop();
    }
    expect(await exists(db.name)).toBe(false);
  }, 30_000);

  it('drops a database that still has open connections, and a second drop is harmless', async () => {
    const db = await createTestDatabase('scratch', { migrate: false });
    const lingering = new pg.Client({ connectionString: db.url });
    lingering.on('error', () => undefined); // the forced drop terminates it
    await lingering.connect();
    await db.drop();
    await db.drop();
    expect(await exists(db.name)).toBe(false);
    await lingering.end().catch(() => undefined);
  });

  it('refuses to migrate a service that has no Prisma schema', async () => {
    await expect(createTestDatabase('no-such-service')).rejects.toThrow(/no Prisma schema/);
    const leftovers = await query(testDatabaseServerUrl(), "SELECT 1 FROM pg_database WHERE datname LIKE 't\\_no\\_such\\_service\\_%'");
    expect(leftovers).toHaveLength(0);
  });
});
