/**
 * Prisma's schema engine (the part of Prisma that plans and applies migrations), driven offline:
 * the WebAssembly build published as `@prisma/schema-engine-wasm`, talking to PostgreSQL through
 * `@prisma/adapter-pg`. The Prisma 7 CLI can only run Migrate with the native `schema-engine`
 * binary, which it downloads from Prisma's servers; this module needs nothing but npm packages.
 *
 * Three defects of @prisma/adapter-pg 7.10.1 on this path are worked around here:
 *  1. catalog queries return `"char"` (OID 18) and `name` (OIDs 19, 1003) columns, which the
 *     adapter refuses to deserialize: {@link CatalogSafePgClient} reports them as text / text[];
 *  2. `connectToShadowDb()` spreads `{ ...config, database }` and `pg` lets a `connectionString`
 *     win over `database`, so the "shadow" database would be the main one: the URL is split into
 *     host/port/user/password/database fields ({@link pgConfigFromUrl});
 *  3. it drops the shadow database before closing that database's pool ("is being accessed by
 *     other users") and never closes its admin pool: {@link MigrationAwarePgFactory} closes the
 *     shadow connection first, then drops it, then closes the admin connection.
 * Found while writing the first migration, two more:
 *  4. its `executeScript()` splits a migration on every `;`, comments and string literals
 *     included: scripts are sent whole instead (one simple-query message, like the native engine);
 *  5. reporting `"char"` as text (workaround 1) is not enough: the engine reads
 *     pg_constraint.contype strictly as a character and panics ("as char failed") on any database
 *     with a CHECK or EXCLUDE constraint. Those columns are given the Character column type back.
 */
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { parseIntoClientConfig } from 'pg-connection-string';
import { PrismaPg } from '@prisma/adapter-pg';
import {
  bindMigrationAwareSqlAdapterFactory,
  ColumnTypeEnum,
  type SqlDriverAdapter,
  type SqlMigrationAwareDriverAdapterFactory,
  type SqlQuery,
  type SqlQueryable,
  type SqlResultSet,
  type Transaction,
} from '@prisma/driver-adapter-utils';
import type { MigrationList, SchemaEngine, SchemaFilter, SchemasContainer } from '@prisma/schema-engine-wasm';

export type { MigrationList, SchemaEngine } from '@prisma/schema-engine-wasm';

/** Nothing is managed outside Prisma: the filter every engine command takes. */
export const NO_EXTERNAL_ENTITIES: SchemaFilter = { externalTables: [], externalEnums: [] };

export const MIGRATION_LOCK_FILE = 'migration_lock.toml';
export const MIGRATION_SCRIPT_FILE = 'migration.sql';

// ---------------------------------------------------------------------------------------------
// Loading the WebAssembly engine
// ---------------------------------------------------------------------------------------------

interface SchemaEngineStatic {
  new: (options: { datamodels: [string, string][] | undefined }, log: (line: string) => void, adapter: object) => Promise<SchemaEngine>;
}

interface SchemaEngineModule {
  SchemaEngine: SchemaEngineStatic;
  version: () => string;
}

/** The slice of the WebAssembly JS API used here (lib ES2023 and @types/node 20 do not declare it). */
interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: Record<string, Record<string, unknown>>) => { exports: Record<string, unknown> };
}

type GlueExports = Record<string, unknown> & {
  __wbg_set_wasm: (exports: Record<string, unknown>) => void;
  SchemaEngine: SchemaEngineStatic;
  version: () => string;
};

let cachedModule: SchemaEngineModule | undefined;

function packageDir(): string {
  return path.dirname(require.resolve('@prisma/schema-engine-wasm'));
}

/**
 * Evaluates the package's wasm-bindgen glue (an ES module with no imports) as a function body in
 * the current realm. Node 20 cannot `import` a .wasm file, and `require()` of this `"type":
 * "module"` package fails under Jest; evaluating the text works the same under tsx, node and Jest.
 * The glue's `setTimeout` is replaced by one whose timers are unref'd: the engine leaves a 10 s
 * timer pending after its work, which would otherwise hold the process (or a Jest worker) open.
 */
function evaluateGlue(source: string): GlueExports {
  const names: string[] = [];
  const body = source.replace(/^export (function|class|const|let) ([A-Za-z_$][\w$]*)/gm, (_m, kind: string, name: string) => {
    names.push(name);
    return `${kind} ${name}`;
  });
  if (/^export\s/m.test(body) || /^import\s/m.test(body)) {
    throw new Error('@prisma/schema-engine-wasm: unexpected export/import form in schema_engine_bg.js (glue format changed)');
  }
  const unrefSetTimeout = (fn: () => void, ms?: number): NodeJS.Timeout => {
    const timer = setTimeout(fn, ms);
    timer.unref();
    return timer;
  };
  const factory = new Function('setTimeout', 'module', `"use strict";\n${body}\nreturn { ${names.join(', ')} };`) as (
    st: typeof unrefSetTimeout,
    mod: { require: NodeJS.Require },
  ) => GlueExports;
  return factory(unrefSetTimeout, { require });
}

/** Loads (once per process) and returns the schema engine module. */
export function loadSchemaEngineModule(): SchemaEngineModule {
  if (cachedModule) return cachedModule;
  const dir = packageDir();
  const glue = evaluateGlue(fs.readFileSync(path.join(dir, 'schema_engine_bg.js'), 'utf8'));
  for (const required of ['__wbg_set_wasm', 'SchemaEngine', 'version']) {
    if (!(required in glue)) throw new Error(`@prisma/schema-engine-wasm: glue does not export ${required}`);
  }
  const wasm = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;
  const wasmModule = new wasm.Module(fs.readFileSync(path.join(dir, 'schema_engine_bg.wasm')));
  const instance = new wasm.Instance(wasmModule, { './schema_engine_bg.js': glue });
  glue.__wbg_set_wasm(instance.exports);
  const start = instance.exports['__wbindgen_start'];
  if (typeof start !== 'function') throw new Error('@prisma/schema-engine-wasm: wasm has no __wbindgen_start export');
  (start as () => void)();
  // The glue reports Rust panics to this registry (the Prisma CLI installs the same object).
  const g = globalThis as { PRISMA_WASM_PANIC_REGISTRY?: unknown };
  if (!g.PRISMA_WASM_PANIC_REGISTRY) {
    let message = '';
    g.PRISMA_WASM_PANIC_REGISTRY = {
      get: (): string => message,
      set_message: (value: string): void => {
        message = `RuntimeError: ${value}`;
      },
    };
  }
  cachedModule = { SchemaEngine: glue.SchemaEngine, version: glue.version };
  return cachedModule;
}

// ---------------------------------------------------------------------------------------------
// The migration-aware PostgreSQL adapter
// ---------------------------------------------------------------------------------------------

/** Postgres OIDs the adapter cannot deserialize, parsed as: "char", name -> text; name[] -> text[]. */
const OID_REMAP: ReadonlyMap<number, number> = new Map([
  [18, 25],
  [19, 25],
  [1003, 1009],
]);
const PG_CHAR_OID = 18;

interface TypeParserSource {
  getTypeParser(oid: number, format?: string): unknown;
}

/** Called with a query's SQL text and the indexes of its `"char"` (OID 18) result columns. */
export type CharColumnsSink = (sql: string, indexes: number[]) => void;

/** pg.Client options understood by {@link CatalogSafePgClient} (passed through pg.Pool's config). */
export interface CatalogSafeClientConfig extends pg.ClientConfig {
  onCharColumns?: CharColumnsSink;
}

function remapFields(result: unknown, sql: string | undefined, sink: CharColumnsSink | undefined): void {
  const results = Array.isArray(result) ? (result as unknown[]) : [result];
  for (const r of results) {
    const fields = (r as { fields?: unknown } | null | undefined)?.fields;
    if (!Array.isArray(fields)) continue;
    const charIndexes: number[] = [];
    (fields as Array<{ dataTypeID?: number }>).forEach((field, i) => {
      if (typeof field.dataTypeID !== 'number') return;
      if (field.dataTypeID === PG_CHAR_OID) charIndexes.push(i);
      field.dataTypeID = OID_REMAP.get(field.dataTypeID) ?? field.dataTypeID;
    });
    if (sink && sql !== undefined && !Array.isArray(result)) sink(sql, charIndexes);
  }
}

/**
 * A `pg.Client` that parses and reports Postgres `"char"`/`name` columns as text (and `name[]` as
 * text[]), the types the schema engine's catalog queries return and @prisma/adapter-pg rejects
 * ("Column type 'char' could not be deserialized from the database"). The engine reads some
 * `"char"` columns (pg_constraint.contype) strictly as a character, so the positions of those
 * columns are reported to `onCharColumns` for {@link MigrationAwarePgFactory} to restore.
 */
export class CatalogSafePgClient extends pg.Client {
  private readonly onCharColumns: CharColumnsSink | undefined;

  constructor(config?: string | CatalogSafeClientConfig) {
    super(config);
    this.onCharColumns = typeof config === 'object' ? config.onCharColumns : undefined;
  }

  // The overloads of pg.Client#query cannot be re-declared one by one; this forwards all of them.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  override query(...args: any[]): any {
    const config: unknown = args[0];
    const base = super.query as (...a: unknown[]) => unknown;
    if (config === null || typeof config !== 'object' || typeof (config as { submit?: unknown }).submit === 'function') {
      return base.apply(this, args);
    }
    const sql = (config as { text?: unknown }).text;
    const sqlText = typeof sql === 'string' ? sql : undefined;
    const types: TypeParserSource = (config as { types?: TypeParserSource }).types ?? pg.types;
    const patched = [...args];
    patched[0] = {
      ...(config as object),
      types: { getTypeParser: (oid: number, format?: string) => types.getTypeParser(OID_REMAP.get(oid) ?? oid, format) },
    };
    const cbIndex = patched.findIndex((a, i) => i > 0 && typeof a === 'function');
    if (cbIndex >= 0) {
      const cb = patched[cbIndex] as (err: unknown, res: unknown) => void;
      patched[cbIndex] = (err: unknown, res: unknown) => {
        if (!err) remapFields(res, sqlText, this.onCharColumns);
        cb(err, res);
      };
      return base.apply(this, patched);
    }
    const out = base.apply(this, patched);
    if (out && typeof (out as Promise<unknown>).then === 'function') {
      return (out as Promise<unknown>).then((res) => {
        remapFields(res, sqlText, this.onCharColumns);
        return res;
      });
    }
    return out;
  }
}

export interface PgTarget {
  /** node-postgres pool config with separate host/port/user/password/database fields (no connectionString). */
  config: pg.PoolConfig;
  /** Postgres schema from `?schema=` (Prisma's URL convention), default `public`. */
  schema: string;
  database: string;
}

/** Splits a postgres:// URL into separate pg fields (never a connectionString, see defect 2). */
export function pgConfigFromUrl(databaseUrl: string): PgTarget {
  let parsed: ReturnType<typeof parseIntoClientConfig>;
  try {
    parsed = parseIntoClientConfig(databaseUrl);
  } catch (err) {
    throw new Error(`invalid database URL ${redactUrl(databaseUrl)}: ${(err as Error).message}`);
  }
  const database = parsed.database;
  if (!database) throw new Error(`database URL ${redactUrl(databaseUrl)} names no database`);
  let schema = 'public';
  try {
    schema = new URL(databaseUrl).searchParams.get('schema') ?? 'public';
  } catch {
    /* socket-style URLs: keep the default schema */
  }
  const config: pg.PoolConfig = {
    host: parsed.host ?? undefined,
    port: parsed.port ?? undefined,
    user: parsed.user,
    password: parsed.password,
    database,
  };
  if (parsed.ssl !== undefined) config.ssl = parsed.ssl;
  if (parsed.application_name) config.application_name = parsed.application_name;
  if (parsed.options) config.options = parsed.options;
  return { config, schema, database };
}

/** The URL with its password masked, for messages. */
export function redactUrl(databaseUrl: string): string {
  try {
    const u = new URL(databaseUrl);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return databaseUrl.replace(/:\/\/([^:/@]+):[^@]*@/, '://$1:***@');
  }
}

export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/**
 * `@prisma/adapter-pg`'s factory with the three workarounds above, ready for the schema engine.
 * `close()` disposes every connection it handed out (idempotent), so a caller in a long-lived
 * process (a Jest worker) leaks no pools.
 */
/** Shadow databases created and not dropped yet, for {@link dropLiveShadowDatabases}. */
const liveShadowDatabases = new Map<string, pg.ClientConfig>();

/**
 * Best-effort drop of the shadow databases this process created and has not dropped yet. For a
 * crash handler: a Rust panic in the engine surfaces as an uncaught exception and its pending
 * promises never settle, so the normal cleanup never runs.
 */
export async function dropLiveShadowDatabases(): Promise<string[]> {
  const dropped: string[] = [];
  for (const [name, config] of [...liveShadowDatabases]) {
    const client = new pg.Client({ ...config, database: 'postgres' });
    try {
      await client.connect();
      await client.query(`DROP DATABASE IF EXISTS ${quoteIdent(name)} WITH (FORCE)`);
      liveShadowDatabases.delete(name);
      dropped.push(name);
    } catch {
      /* best effort */
    } finally {
      await client.end().catch(() => undefined);
    }
  }
  return dropped;
}

/** The message of the last Rust panic inside a WebAssembly engine, if any. */
export function lastEnginePanic(): string | undefined {
  const registry = (globalThis as { PRISMA_WASM_PANIC_REGISTRY?: { get?: () => string } }).PRISMA_WASM_PANIC_REGISTRY;
  const message = registry?.get?.();
  return message ? message : undefined;
}

export class MigrationAwarePgFactory implements SqlMigrationAwareDriverAdapterFactory {
  readonly provider = 'postgres' as const;
  readonly adapterName: string;
  private readonly inner: PrismaPg;
  private readonly open = new Set<SqlDriverAdapter>();
  /** SQL text -> indexes of its `"char"` result columns (a query's column types depend on its text only). */
  private readonly charColumns = new Map<string, number[]>();

  constructor(private readonly target: PgTarget) {
    this.inner = this.adapterFor(target.config);
    this.adapterName = this.inner.adapterName;
  }

  private adapterFor(config: pg.PoolConfig): PrismaPg {
    const onCharColumns: CharColumnsSink = (sql, indexes) => {
      if (indexes.length > 0) this.charColumns.set(sql, indexes);
      else this.charColumns.delete(sql);
    };
    const poolConfig: pg.PoolConfig & CatalogSafeClientConfig = { ...config, Client: CatalogSafePgClient, max: 4, onCharColumns };
    return new PrismaPg(poolConfig, { schema: this.target.schema });
  }

  /** Restores the Character column type of `"char"` columns, which the engine reads as chars. */
  private fixQueryable<T extends SqlQueryable>(queryable: T): T {
    const queryRaw = queryable.queryRaw.bind(queryable);
    queryable.queryRaw = async (query: SqlQuery): Promise<SqlResultSet> => {
      const result = await queryRaw(query);
      const indexes = this.charColumns.get(query.sql);
      if (indexes) {
        const columnTypes = [...result.columnTypes];
        for (const i of indexes) if (i < columnTypes.length) columnTypes[i] = ColumnTypeEnum.Character;
        return { ...result, columnTypes };
      }
      return result;
    };
    return queryable;
  }

  private track(adapter: SqlDriverAdapter, afterClose?: () => Promise<void>): SqlDriverAdapter {
    this.fixQueryable(adapter);
    const startTransaction = adapter.startTransaction.bind(adapter);
    adapter.startTransaction = async (...args: Parameters<SqlDriverAdapter['startTransaction']>): Promise<Transaction> =>
      this.fixQueryable(await startTransaction(...args));
    // Defect 4: executeScript() splits the script on every ";" (even inside comments, string
    // literals and $$ bodies). Send it whole instead, as the native engine does: one simple-query
    // message (no parameters), which Postgres runs as one implicit transaction. executeRaw keeps the
    // adapter's error mapping.
    adapter.executeScript = async (script: string): Promise<void> => {
      await adapter.executeRaw({ sql: script, args: [], argTypes: [] });
    };
    const dispose = adapter.dispose.bind(adapter);
    let closing: Promise<void> | undefined;
    adapter.dispose = () => {
      closing ??= (async () => {
        this.open.delete(adapter);
        try {
          await dispose();
        } finally {
          await afterClose?.();
        }
      })();
      return closing;
    };
    this.open.add(adapter);
    return adapter;
  }

  async connect(): Promise<SqlDriverAdapter> {
    return this.track(await this.inner.connect());
  }

  async connectToShadowDb(): Promise<SqlDriverAdapter> {
    const admin = await this.inner.connect();
    const shadowName = `prisma_migrate_shadow_db_${randomUUID()}`;
    try {
      await admin.executeRaw({ sql: `CREATE DATABASE ${quoteIdent(shadowName)}`, args: [], argTypes: [] });
    } catch (err) {
      await admin.dispose();
      throw err;
    }
    liveShadowDatabases.set(shadowName, this.target.config);
    const dropShadow = async (): Promise<void> => {
      try {
        // WITH (FORCE) (PG 13+) guards against a backend that has not finished exiting yet.
        await admin.executeRaw({ sql: `DROP DATABASE IF EXISTS ${quoteIdent(shadowName)} WITH (FORCE)`, args: [], argTypes: [] });
        liveShadowDatabases.delete(shadowName);
      } finally {
        await admin.dispose();
      }
    };
    let shadow: SqlDriverAdapter;
    try {
      shadow = await this.adapterFor({ ...this.target.config, database: shadowName }).connect();
    } catch (err) {
      await dropShadow();
      throw err;
    }
    // Close the shadow pool first, then drop its database (defect 3).
    return this.track(shadow, dropShadow);
  }

  /** Disposes every adapter still open (shadow databases included). */
  async close(): Promise<void> {
    const errors: unknown[] = [];
    for (const adapter of [...this.open]) {
      try {
        await adapter.dispose();
      } catch (err) {
        errors.push(err);
      }
    }
    if (errors.length > 0) throw errors[0];
  }
}

// ---------------------------------------------------------------------------------------------
// Engine sessions
// ---------------------------------------------------------------------------------------------

export interface SchemaEngineSession {
  engine: SchemaEngine;
  /** The schema files in the shape engine commands take. */
  schema: SchemasContainer;
  /** Engine log lines received so far (JSON strings), for error reports. */
  logs: string[];
  /** Frees the engine and closes every database connection it opened. */
  close(): Promise<void>;
}

export interface OpenSchemaEngineOptions {
  databaseUrl: string;
  schemaPath: string;
  /** Receives each engine log line (JSON). Default: kept in `logs` only. */
  onLog?: (line: string) => void;
}

/** Starts a schema engine on `schemaPath` connected to `databaseUrl` through the patched adapter. */
export async function openSchemaEngine(opts: OpenSchemaEngineOptions): Promise<SchemaEngineSession> {
  const { SchemaEngine: Engine } = loadSchemaEngineModule();
  const schemaPath = path.resolve(opts.schemaPath);
  const content = fs.readFileSync(schemaPath, 'utf8');
  const factory = new MigrationAwarePgFactory(pgConfigFromUrl(opts.databaseUrl));
  const logs: string[] = [];
  const log = (line: string): void => {
    logs.push(String(line));
    if (logs.length > 200) logs.shift();
    opts.onLog?.(String(line));
  };
  let engine: SchemaEngine;
  try {
    engine = await Engine.new({ datamodels: [[schemaPath, content]] }, log, bindMigrationAwareSqlAdapterFactory(factory));
  } catch (err) {
    await factory.close().catch(() => undefined);
    throw toError(err);
  }
  let closed = false;
  return {
    engine,
    schema: { files: [{ path: schemaPath, content }] },
    logs,
    async close() {
      if (closed) return;
      closed = true;
      try {
        engine.free();
      } finally {
        await factory.close();
      }
    },
  };
}

/** Engine rejections are not always Error instances (and may carry a JSON message): normalize. */
export function toError(err: unknown): Error {
  if (err instanceof Error) return err;
  if (typeof err === 'string') return new Error(err);
  if (err && typeof err === 'object') {
    const o = err as { message?: unknown; error?: unknown; meta?: unknown };
    const msg = typeof o.message === 'string' ? o.message : typeof o.error === 'string' ? o.error : JSON.stringify(err);
    return new Error(msg);
  }
  return new Error(String(err));
}

// ---------------------------------------------------------------------------------------------
// Migrations directory, in the Prisma CLI's own format
// ---------------------------------------------------------------------------------------------

/** Reads `<migrationsDir>/<name>/migration.sql` + `migration_lock.toml` the way the Prisma CLI does. */
export function readMigrationsList(migrationsDir: string): MigrationList {
  const baseDir = path.resolve(migrationsDir);
  let lockContent: string | null = null;
  try {
    lockContent = fs.readFileSync(path.join(baseDir, MIGRATION_LOCK_FILE), 'utf8');
  } catch {
    lockContent = null;
  }
  let entries: fs.Dirent[] = [];
  try {
    entries = fs.readdirSync(baseDir, { withFileTypes: true });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  const migrationDirectories = entries
    .filter((e) => e.isDirectory())
    .map((e) => {
      let content: { tag: 'ok'; value: string } | { tag: 'error'; value: string };
      try {
        content = { tag: 'ok', value: fs.readFileSync(path.join(baseDir, e.name, MIGRATION_SCRIPT_FILE), 'utf8') };
      } catch (err) {
        content = { tag: 'error', value: (err as Error).message };
      }
      return { path: e.name, migrationFile: { path: MIGRATION_SCRIPT_FILE, content } };
    })
    .sort((a, b) => a.path.localeCompare(b.path));
  return {
    baseDir,
    lockfile: { path: MIGRATION_LOCK_FILE, content: lockContent },
    shadowDbInitScript: '',
    migrationDirectories,
  };
}

/** The lock file the Prisma CLI writes next to the migrations. */
export function migrationLockContent(provider: string): string {
  return `# Please do not edit this file manually\n# It should be added in your version-control system (e.g., Git)\nprovider = "${provider}"\n`;
}
