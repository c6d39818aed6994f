// Prisma 7 CLI configuration for the status-aggregator (`prisma generate --config apps/status-aggregator/prisma.config.ts`).
// Migrations are applied by tools/prisma/migrate.ts (WebAssembly schema engine, works offline); the
// paths below are the same ones it uses, so the native `prisma migrate deploy` works on these files too.
import path from 'node:path';
import { defineConfig } from 'prisma/config';

export default defineConfig({
  schema: path.join(__dirname, 'prisma', 'schema.prisma'),
  migrations: {
    path: path.join(__dirname, 'prisma', 'migrations'),
  },
  datasource: {
    // Only Migrate reads this; `prisma generate` needs a value but never connects.
    url:
      process.env.STATUS_AGGREGATOR_DATABASE_URL ??
      process.env.DATABASE_URL ??
      'postgresql://postgres@127.0.0.1:5432/platform_status_aggregator',
  },
});
