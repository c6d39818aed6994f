import path from 'node:path';
import { ensureDatabase, migrateDeploy } from '../prisma/migrate';
import { PlatformError, messageOf } from './errors';
import { databaseUrlFor, type PlannedService } from './plan';

export interface PrepareDatabasesOptions {
  services: PlannedService[];
  /** Any URL on the server that holds the services' databases. */
  serverUrl: string;
  /** Whether the server is the embedded one (for hints on failure). */
  embedded: boolean;
  note: (text: string) => void;
  signal: AbortSignal;
}

function hints(err: unknown, embedded: boolean): string[] {
  const message = messageOf(err);
  if (embedded && message.includes('password authentication failed')) {
    return [
      '.data/postgres was created with another password than the one in .data/dev-secrets.json;',
      'delete .data/postgres (its data is lost) and run `npm start` again',
    ];
  }
  if (!embedded && /ECONNREFUSED|ENOTFOUND|cannot connect/.test(message)) {
    return ['check DATABASE_URL, or unset it to use the embedded PostgreSQL'];
  }
  return [];
}

/**
 * For each service with a Prisma schema, one after the other: creates its database if missing and
 * applies its pending migrations. Returns service → database URL.
 */
export async function prepareDatabases(o: PrepareDatabasesOptions): Promise<Map<string, string>> {
  const urls = new Map<string, string>();
  for (const svc of o.services.filter((s) => s.prisma)) {
    if (o.signal.aborted) break;
    const databaseUrl = databaseUrlFor(o.serverUrl, svc.name);
    const database = new URL(databaseUrl).pathname.slice(1);
    const started = Date.now();
    try {
      if (await ensureDatabase(databaseUrl)) o.note(`${svc.name}: created database ${database}`);
      const { applied } = await migrateDeploy({ databaseUrl, ...svc.prisma! });
      const took = `${Date.now() - started} ms`;
      o.note(
        applied.length > 0
          ? `${svc.name}: applied ${applied.length} migration(s) to ${database} in ${took}: ${applied.join(', ')}`
          : `${svc.name}: database ${database} is up to date (${took})`,
      );
    } catch (err) {
      const where = path.relative(process.cwd(), svc.prisma!.migrationsDir);
      throw new PlatformError(`migrating ${svc.name} (${where}) failed: ${messageOf(err)}`, hints(err, o.embedded));
    }
    urls.set(svc.name, databaseUrl);
  }
  return urls;
}
