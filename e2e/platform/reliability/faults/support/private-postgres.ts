import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { LineBuffer, freePort } from '@platform/testing';

/** A PostgreSQL cluster of this test file's own, on a free loopback port: the shared one is never touched. */
export interface PrivatePostgres {
  /** Superuser URL of its `postgres` database (trust auth, loopback only). */
  readonly url: string;
  readonly port: number;
  /** Fast shutdown (SIGINT: sessions are ended, nothing to recover); resolves once the server exited. */
  stop(): Promise<void>;
  /** Starts the server again on the same data and port; resolves once it accepts connections. */
  start(): Promise<void>;
  /** Stops the server and deletes the cluster. */
  destroy(): Promise<void>;
  logs(): string[];
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Debian's newest PostgreSQL binaries (`/usr/lib/postgresql/<major>/bin`), or PG_BIN when set. */
function binDir(): string {
  if (process.env.PG_BIN) return process.env.PG_BIN;
  const root = '/usr/lib/postgresql';
  const majors = fs.existsSync(root)
    ? fs
        .readdirSync(root)
        .filter((d) => /^\d+$/.test(d))
        .sort((a, b) => Number(b) - Number(a))
    : [];
  const found = majors.map((m) => path.join(root, m, 'bin')).find((d) => fs.existsSync(path.join(d, 'initdb')));
  if (!found)
    throw new Error(
      'no PostgreSQL server binaries under /usr/lib/postgresql (apt-get install postgresql), or set PG_BIN',
    );
  return found;
}

/** Postgres refuses to run as root: as root, run it as the `postgres` system user (the server package creates it). */
function runAs(): { uid: number; gid: number } | Record<string, never> {
  if (process.getuid?.() !== 0) return {};
  const id = (flag: string) => Number(execFileSync('id', [flag, 'postgres'], { encoding: 'utf8' }).trim());
  return { uid: id('-u'), gid: id('-g') };
}

async function accepts(url: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 1000 });
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.query('SELECT 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

/**
 * initdb + postgres on a free port, data in a temporary directory, durability off (fsync=off: the
 * cluster is thrown away; a stop is still a clean shutdown, a start a real restart).
 */
export async function startPrivatePostgres(): Promise<PrivatePostgres> {
  const bin = binDir();
  const user = runAs();
  const port = await freePort();
  const url = `postgresql://postgres@127.0.0.1:${port}/postgres`;
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'reliability-pg-'));
  const dataDir = path.join(root, 'data');
  if ('uid' in user) fs.chownSync(root, user.uid, user.gid);
  execFileSync(
    path.join(bin, 'initdb'),
    ['-D', dataDir, '-U', 'postgres', '--auth=trust', '--no-sync', '-E', 'UTF8', '--locale=C'],
    {
      ...user,
      stdio: 'ignore',
    },
  );
  const logs = new LineBuffer(500);
  let child: ChildProcess | undefined;
  let exited: Promise<void> = Promise.resolve();
  const killOnExit = () => child?.kill('SIGKILL');
  process.once('exit', killOnExit);

  const start = async () => {
    const args = [
      '-D',
      dataDir,
      '-p',
      String(port),
      '-k',
      root,
      '-c',
      'listen_addresses=127.0.0.1',
      '-c',
      'fsync=off',
      '-c',
      'max_connections=200',
    ];
    const proc = spawn(path.join(bin, 'postgres'), args, {
      ...user,
      env: { ...process.env, LC_MESSAGES: 'C' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child = proc;
    let gone = false;
    exited = new Promise((resolve) => proc.once('exit', () => resolve()));
    void exited.then(() => (gone = true));
    proc.stdout?.setEncoding('utf8').on('data', (c: string) => logs.push('stdout', c));
    proc.stderr?.setEncoding('utf8').on('data', (c: string) => logs.push('stderr', c));
    const deadline = Date.now() + 30_000;
    while (!(await accepts(url))) {
      if (gone) throw new Error(`postgres exited on start:\n${logs.snapshot().join('\n')}`);
      if (Date.now() > deadline) throw new Error(`postgres not accepting connections on ${port} after 30 s`);
      await sleep(100);
    }
  };
  const stop = async () => {
    child?.kill('SIGINT');
    await exited;
  };

  try {
    await start();
  } catch (err) {
    fs.rmSync(root, { recursive: true, force: true });
    throw err;
  }
  return {
    url,
    port,
    stop,
    start,
    destroy: async () => {
      process.removeListener('exit', killOnExit);
      await stop();
      fs.rmSync(root, { recursive: true, force: true });
    },
    logs: () => logs.snapshot(),
  };
}
