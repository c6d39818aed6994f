import os from 'node:os';
import { Redis } from 'ioredis';
import { PlatformError, messageOf } from './errors';
import { redactUrl } from './plan';
import type { StreamName } from './output';
import { ManagedProcess, describeExit, sleep } from './processes';

const START_TIMEOUT_MS = 10_000;
const STOP_TIMEOUT_MS = 5_000;

export interface RedisOptions {
  /** REDIS_URL as given; when unset, 127.0.0.1:`defaultPort` is used and started if nothing answers. */
  url: string | undefined;
  defaultPort: number;
  log: (line: string, stream: StreamName) => void;
  note: (text: string) => void;
  /** Gets redis-server's stop function, when one is started, as soon as the process exists. */
  registerStop: (stop: () => Promise<void>) => void;
}

export interface RunningRedis {
  url: string;
}

type Probe = { ok: true } | { ok: false; refused: boolean; error: string };

/** Whether a Redis answers PING at `url`. */
async function probe(url: string): Promise<Probe> {
  const client = new Redis(url, {
    lazyConnect: true,
    connectTimeout: 1000,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
    retryStrategy: () => null,
  });
  // The socket's own error (ECONNREFUSED, ...) arrives here; connect() then only says "Connection is closed".
  let socketError: NodeJS.ErrnoException | undefined;
  client.on('error', (err: NodeJS.ErrnoException) => (socketError ??= err));
  try {
    await client.connect();
    await client.ping();
    return { ok: true };
  } catch (err) {
    const cause = socketError ?? (err as NodeJS.ErrnoException);
    return { ok: false, refused: cause.code === 'ECONNREFUSED', error: messageOf(cause) };
  } finally {
    client.disconnect();
  }
}

const HOW_TO_GET_REDIS = [
  'install it: `sudo apt-get install redis-server` (Debian/Ubuntu), `brew install redis` (macOS); `npm start` then runs it for you,',
  'or run one in Docker: `docker run --rm -p 6379:6379 redis:7`,',
  'or point REDIS_URL at a Redis you have, e.g. REDIS_URL=redis://127.0.0.1:6380 npm start',
];

async function startRedisServer(o: RedisOptions, url: string): Promise<RunningRedis> {
  o.note(`nothing answers on 127.0.0.1:${o.defaultPort}: starting redis-server (in memory, stopped on exit)`);
  const proc = ManagedProcess.spawn({
    name: 'redis',
    command: 'redis-server',
    args: [
      '--port',
      String(o.defaultPort),
      '--bind',
      '127.0.0.1',
      '--save',
      '',
      '--appendonly',
      'no',
      '--loglevel',
      'warning',
    ],
    cwd: os.tmpdir(),
    env: process.env,
    onLine: o.log,
    orphanStop: { signal: 'SIGTERM', stage: 1 },
  });
  o.registerStop(async () => void (await proc.stop('SIGTERM', Date.now() + STOP_TIMEOUT_MS)));
  const deadline = Date.now() + START_TIMEOUT_MS;
  for (;;) {
    if (!proc.running) {
      const exit = proc.exitInfo!;
      if ((exit.error as NodeJS.ErrnoException | undefined)?.code === 'ENOENT') {
        throw new PlatformError(
          `Redis is not running on 127.0.0.1:${o.defaultPort} and redis-server is not on PATH`,
          HOW_TO_GET_REDIS,
        );
      }
      throw new PlatformError(`redis-server ${describeExit(exit)}`, proc.recentLines());
    }
    if ((await probe(url)).ok) break;
    if (Date.now() > deadline)
      throw new PlatformError(`redis-server is not answering after ${START_TIMEOUT_MS / 1000} s`, proc.recentLines());
    await sleep(100);
  }
  return { url };
}

/** A Redis that answers: REDIS_URL's, else the one on 127.0.0.1:6379, else a redis-server started here. */
export async function ensureRedis(o: RedisOptions): Promise<RunningRedis> {
  if (o.url) {
    const found = await probe(o.url);
    if (!found.ok) throw new PlatformError(`Redis at REDIS_URL=${redactUrl(o.url)} does not answer: ${found.error}`);
    return { url: o.url };
  }
  const url = `redis://127.0.0.1:${o.defaultPort}`;
  const found = await probe(url);
  if (found.ok) {
    o.note(`using the Redis already running on 127.0.0.1:${o.defaultPort}`);
    return { url };
  }
  if (!found.refused) {
    throw new PlatformError(
      `something listens on 127.0.0.1:${o.defaultPort} but does not answer as a Redis: ${found.error}`,
      [
        `if it is a Redis with a password, set REDIS_URL=redis://:<password>@127.0.0.1:${o.defaultPort}`,
        ...HOW_TO_GET_REDIS.slice(2),
      ],
    );
  }
  return startRedisServer(o, url);
}
