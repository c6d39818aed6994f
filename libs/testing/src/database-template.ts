import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type pg from 'pg';
import { randomSuffix } from './ids';
import { admin, quote } from './pg-admin';
import { findRepoRoot } from './repo-root';

// Bump when the way templates are made changes, so old ones are not reused.
const FORMAT = 'template-v1';
/** Advisory-lock namespace of template builds (the second key is per template). */
const LOCK_NAMESPACE = 0x7e57db;
/** Templates of older migrations are dropped once unused this long (other checkouts may still use them). */
const PRUNE_AFTER_MS = 24 * 3600_000;

type Migrate = (service: string, databaseUrl: string) => Promise<void>;

const made = new Map<string, Promise<string>>();

function filesUnder(dir: string): string[] {
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .flatMap((e) => (e.isDirectory() ? filesUnder(path.join(dir, e.name)) : e.isFile() ? [path.join(dir, e.name)] : []))
    .sort();
}

/** A digest of what the migrated database depends on: the service's Prisma folder and the migrate tool. */
function digest(prismaDir: string): string {
  const root = findRepoRoot();
  const hash = createHash('sha256').update(FORMAT);
  const tool = ['migrate.ts', 'schema-engine.ts'].map((f) => path.join(root, 'tools', 'prisma', f)).filter((f) => fs.existsSync(f));
  for (const file of [...filesUnder(prismaDir), ...tool]) hash.update(`\0${path.relative(root, file)}\0`).update(fs.readFileSync(file));
  return hash.digest('hex');
}

const exists = async (c: pg.Client, name: string): Promise<boolean> =>
  ((await c.query('SELECT 1 FROM pg_database WHERE datname = $1', [name])).rowCount ?? 0) > 0;

async function dropDatabase(c: pg.Client, name: string): Promise<void> {
  await c.query(`ALTER DATABASE ${quote(name)} WITH IS_TEMPLATE false`).catch(() => undefined);
  await c.query(`DROP DATABASE IF EXISTS ${quote(name)} WITH (FORCE)`);
}

/** Drops half-built copies of `name` (a run that died mid-build) and templates of older migrations nobody made lately. */
async function prune(c: pg.Client, family: string, name: string): Promise<void> {
  const like = `${family.replace(/_/g, '\\_')}\\_%`;
  const { rows } = await c.query<{ datname: string; note: string | null }>(
    "SELECT datname, shobj_description(oid, 'pg_database') AS note FROM pg_database WHERE datname LIKE $1 AND datname <> $2",
    [like, name],
  );
  for (const { datname, note } of rows) {
    const builtAt = Date.parse((note ?? '').replace(/^made by libs\/testing at /, ''));
    const halfBuilt = datname.startsWith(`${name}_b`);
    if (halfBuilt || (Number.isFinite(builtAt) && Date.now() - builtAt > PRUNE_AFTER_MS)) await dropDatabase(c, datname).catch(() => undefined);
  }
}

async function build(service: string, serverUrl: string, prismaDir: string, migrate: Migrate): Promise<string> {
  const clean = service.toLowerCase().replace(/[^a-z0-9_]+/g, '_').slice(0, 30);
  const hash = digest(prismaDir);
  const family = `tpl_${clean}`;
  const name = `${family}_${hash.slice(0, 16)}`;
  await admin(serverUrl, async (c) => {
    if (await exists(c, name)) return;
    // One builder per template across every test process on this server; the others wait, then clone.
    await c.query('SELECT pg_advisory_lock($1, $2)', [LOCK_NAMESPACE, Number.parseInt(hash.slice(0, 7), 16)]);
    try {
      if (await exists(c, name)) return;
      await prune(c, family, name);
      const building = `${name}_b${randomSuffix(3)}`;
      await c.query(`CREATE DATABASE ${quote(building)}`);
      try {
        const url = new URL(serverUrl);
        url.pathname = `/${building}`;
        await migrate(service, url.toString());
        // A clone fails while anyone is connected to its template: nobody may connect to it any more.
        await c.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()', [building]);
        await c.query(`ALTER DATABASE ${quote(building)} WITH IS_TEMPLATE true ALLOW_CONNECTIONS false`);
        await c.query(`COMMENT ON DATABASE ${quote(building)} IS 'made by libs/testing at ${new Date().toISOString()}'`);
        // The final name appears only once the template is complete.
        await c.query(`ALTER DATABASE ${quote(building)} RENAME TO ${quote(name)}`);
      } catch (err) {
        await dropDatabase(c, building).catch(() => undefined);
        throw err;
      }
    } finally {
      await c.query('SELECT pg_advisory_unlock($1, $2)', [LOCK_NAMESPACE, Number.parseInt(hash.slice(0, 7), 16)]);
    }
  });
  return name;
}

/**
 * The name of a database on `serverUrl` holding `service`'s migrations (`prismaDir`) and nothing
 * else, made by `migrate` the first time those migrations are seen and reused by every later
 * `CREATE DATABASE … TEMPLATE` (a copy takes a fraction of migrating). Named
 * `tpl_<service>_<digest of the migrations>`, so a changed migration gets a new template.
 */
export function migratedTemplate(service: string, serverUrl: string, prismaDir: string, migrate: Migrate): Promise<string> {
  const key = `${serverUrl}\0${service}`;
  let template = made.get(key);
  if (!template) {
    template = build(service, serverUrl, prismaDir, migrate);
    template.catch(() => made.delete(key));
    made.set(key, template);
  }
  return template;
}

/** Forgets the template remembered for `service` (it was dropped): the next call checks the server again. */
export function forgetTemplate(service: string, serverUrl: string): void {
  made.delete(`${serverUrl}\0${service}`);
}
