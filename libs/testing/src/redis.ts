import { Redis } from 'ioredis';

/** The Redis tests use: env TEST_REDIS_URL, else REDIS_URL, else the local default. */
export function testRedisUrl(): string {
  return process.env.TEST_REDIS_URL ?? process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
}

/** Escapes Redis glob metacharacters so a prefix matches only itself in SCAN MATCH. */
export function escapeRedisGlob(s: string): string {
  return s.replace(/[*?[\]\\]/g, (c) => `\\${c}`);
}

/**
 * Deletes every key starting with `prefix` (found by SCAN, removed with UNLINK) and returns how
 * many went. Uses `redis` when it is a client, else a short-lived client on that URL (default
 * {@link testRedisUrl}).
 */
export async function cleanupRedisPrefix(prefix: string, redis?: Redis | string): Promise<number> {
  if (prefix.length === 0) throw new Error('cleanupRedisPrefix refuses an empty prefix (it would delete every key)');
  const own = typeof redis !== 'object';
  const client = typeof redis === 'object' ? redis : new Redis(redis ?? testRedisUrl(), { maxRetriesPerRequest: 1, lazyConnect: true });
  let deleted = 0;
  try {
    if (own) await client.connect();
    const match = `${escapeRedisGlob(prefix)}*`;
    let cursor = '0';
    do {
      const [next, keys] = await client.scan(cursor, 'MATCH', match, 'COUNT', 500);
      cursor = next;
      if (keys.length > 0) deleted += await client.unlink(...keys);
    } while (cursor !== '0');
  } finally {
    if (own) client.disconnect();
  }
  return deleted;
}
