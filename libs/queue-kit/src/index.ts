import type { ConnectionOptions } from 'bullmq';

/** BullMQ connection options from a Redis URL; workers need `maxRetriesPerRequest: null` to block on the queue. */
export function bullConnection(redisUrl: string, opts: { forWorker?: boolean } = {}): ConnectionOptions {
  const url = new URL(redisUrl);
  return {
    host: url.hostname,
    port: Number(url.port || 6379),
    ...(url.username ? { username: decodeURIComponent(url.username) } : {}),
    ...(url.password ? { password: decodeURIComponent(url.password) } : {}),
    ...(url.pathname.length > 1 ? { db: Number(url.pathname.slice(1)) } : {}),
    ...(url.protocol === 'rediss:' ? { tls: {} } : {}),
    maxRetriesPerRequest: opts.forWorker ? null : 1,
    enableOfflineQueue: true,
  };
}

/** Default job options for agent runs: bounded retries with exponential backoff, bounded history. */
export function defaultJobOptions(attempts: number, backoffMs: number) {
  return {
    attempts,
    backoff: { type: 'exponential' as const, delay: backoffMs },
    removeOnComplete: { age: 3600, count: 10_000 },
    removeOnFail: { age: 7 * 24 * 3600 },
  };
}
