import { PrismaPg } from '@prisma/adapter-pg';
import pg from 'pg';
import { PrismaClient } from './generated/prisma/client';

/**
 * Prisma client over the pg driver adapter (no native engine), and the same connection pool for the few
 * hot paths written in SQL (`$pool`, see repositories/sql.ts): Prisma costs ~0.7 ms of CPU per statement
 * here against ~0.15 ms for a prepared statement on the driver itself (measured, docs/benchmarks.md).
 */
export type Db = PrismaClient & { readonly $pool: pg.Pool };

export function createDb(databaseUrl: string): Db {
  const pool = new pg.Pool({ connectionString: databaseUrl, max: 10, connectionTimeoutMillis: 3000 });
  // An idle connection the server closed (a restart, an outage) is dropped by the pool; the next query
  // reconnects. Without a listener that would be an unhandled 'error' event.
  pool.on('error', () => undefined);
  // `$disconnect` ends the pool too.
  const prisma = new PrismaClient({ adapter: new PrismaPg(pool, { disposeExternalPool: true }) });
  return Object.assign(prisma, { $pool: pool });
}
