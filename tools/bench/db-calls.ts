/**
 * CPU per database call from the sessions service's point of view: Prisma 7 (driver adapter) against the `pg`
 * driver it runs on, for one-row reads and a one-statement transaction, on a private migrated sessions database.
 * Why ingestion, the query and the runner's history are SQL on the driver (docs/benchmarks.md).
 *
 *   node --import tsx tools/bench/db-calls.ts [calls=3000]
 */
import { createTestDatabase } from '@platform/testing';
import { createDb } from '../../apps/sessions/src/db';

async function time(label: string, calls: number, fn: () => Promise<unknown>): Promise<void> {
  for (let i = 0; i < 200; i++) await fn();
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  for (let i = 0; i < calls; i++) await fn();
  const cpu = process.cpuUsage(cpu0);
  const wallUs = ((performance.now() - t0) * 1000) / calls;
  console.log(`${label.padEnd(44)} ${((cpu.user + cpu.system) / calls).toFixed(0).padStart(5)} us CPU/call ${wallUs.toFixed(0).padStart(6)} us wall`);
}

async function main(): Promise<void> {
  const calls = Number(process.argv[2] ?? 3000);
  const database = await createTestDatabase('sessions');
  const db = createDb(database.url);
  const id = '00000000-0000-0000-0000-000000000001';
  try {
    await time('prisma findUnique', calls, () => db.session.findUnique({ where: { id } }));
    await time('prisma $queryRaw', calls, () => db.$queryRaw`SELECT id FROM sessions WHERE id = ${id}::uuid`);
    await time('pg query', calls, () => db.$pool.query('SELECT id FROM sessions WHERE id = $1::uuid', [id]));
    await time('pg prepared statement', calls, () => db.$pool.query({ name: 'one-session', text: 'SELECT id FROM sessions WHERE id = $1::uuid', values: [id] }));
    await time('prisma $transaction, one statement', calls, () => db.$transaction((tx) => tx.$queryRaw`SELECT 1`));
    await time('pg BEGIN, one statement, COMMIT', calls, async () => {
      const client = await db.$pool.connect();
      try {
        await client.query('BEGIN');
        await client.query('SELECT 1');
        await client.query('COMMIT');
      } finally {
        client.release();
      }
    });
  } finally {
    await db.$disconnect();
    await database.drop();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
