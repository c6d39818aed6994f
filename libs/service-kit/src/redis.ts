import { Redis, type RedisOptions } from 'ioredis';
import { errorFields, type Logger } from './logger';
import type { ReadinessCheck } from './health';

/** An ioredis client that reconnects forever, logs (not throws) connection errors, and fails commands fast while down. */
export function createRedis(url: string, logger: Logger, opts: RedisOptions = {}): Redis {
  const redis = new Redis(url, {
    maxRetriesPerRequest: 1,
    enableOfflineQueue: true,
    connectTimeout: 2000,
    retryStrategy: (times) => Math.min(times * 100, 2000),
    ...opts,
  });
  let down = false;
  redis.on('error', (err) => {
    if (!down) logger.warn('redis connection error', errorFields(err));
    down = true;
  });
  redis.on('ready', () => {
    if (down) logger.info('redis reconnected');
    down = false;
  });
  return redis;
}

export function redisCheck(redis: Redis, name = 'redis'): ReadinessCheck {
  return {
    name,
    check: async () => {
      const pong = await redis.ping();
      if (pong !== 'PONG') throw new Error(`unexpected PING reply ${pong}`);
    },
  };
}

/** Closes a client politely, falling back to disconnect when the server is gone. */
export async function closeRedis(redis: Redis): Promise<void> {
  if (redis.status === 'end') return;
  try {
    await Promise.race([redis.quit(), new Promise((_, r) => setTimeout(() => r(new Error('quit timeout')), 1000).unref())]);
  } catch {
    redis.disconnect();
  }
}
