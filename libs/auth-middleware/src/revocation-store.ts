import type { Redis } from 'ioredis';
import { revocationKeys, type RevocationEvent } from '@platform/contracts';

/** The revocation state as every verifier holds it in memory. */
export interface RevocationState {
  /** user id → lowest valid token version */
  users: Map<string, number>;
  /** revoked login ids (`sid`) */
  sessions: Set<string>;
}

// KEYS: users, usersAt, sessions, channel. ARGV: event JSON, kind, id, min version, now ms, retention ms.
// Raises (never lowers) a user's minimum version, records when, prunes what has outlived every token, publishes.
const PUBLISH = `
if ARGV[2] == 'user' then
  local current = tonumber(redis.call('HGET', KEYS[1], ARGV[3]) or '-1')
  if tonumber(ARGV[4]) > current then redis.call('HSET', KEYS[1], ARGV[3], ARGV[4]) end
  redis.call('ZADD', KEYS[2], ARGV[5], ARGV[3])
else
  redis.call('ZADD', KEYS[3], ARGV[5], ARGV[3])
end
local horizon = tonumber(ARGV[5]) - tonumber(ARGV[6])
local old = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', horizon, 'LIMIT', 0, 1000)
for _, id in ipairs(old) do redis.call('HDEL', KEYS[1], id) end
if #old > 0 then redis.call('ZREM', KEYS[2], unpack(old)) end
redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', horizon)
return redis.call('PUBLISH', KEYS[4], ARGV[1])
`;

type PublishCommand = (users: string, usersAt: string, sessions: string, channel: string, ...argv: string[]) => Promise<number>;

/**
 * Writes one revocation into the shared state and publishes it, atomically (auth's side). `retentionMs`
 * is how long an entry must outlive its revocation: the longest access-token lifetime plus a margin.
 */
export async function publishRevocation(redis: Redis, prefix: string, event: RevocationEvent, retentionMs: number): Promise<void> {
  const k = revocationKeys(prefix);
  const cmd = redis as Redis & { platformRevoke?: PublishCommand };
  if (!cmd.platformRevoke) redis.defineCommand('platformRevoke', { numberOfKeys: 4, lua: PUBLISH });
  const id = event.kind === 'user' ? event.user_id : event.session_id;
  const minVersion = event.kind === 'user' ? String(event.min_version) : '0';
  await (cmd as Redis & { platformRevoke: PublishCommand }).platformRevoke(
    k.users,
    k.usersAt,
    k.sessions,
    k.channel,
    JSON.stringify(event),
    event.kind,
    id,
    minVersion,
    String(event.at),
    String(retentionMs),
  );
}

/** The whole revocation state, read in one round trip (a verifier's (re)load). */
export async function loadRevocations(redis: Redis, prefix: string): Promise<RevocationState> {
  const k = revocationKeys(prefix);
  const results = await redis.multi().hgetall(k.users).zrange(k.sessions, 0, -1).exec();
  if (!results) throw new Error('revocation state: transaction aborted');
  const [usersResult, sessionsResult] = results;
  if (usersResult?.[0]) throw usersResult[0];
  if (sessionsResult?.[0]) throw sessionsResult[0];
  const users = new Map<string, number>();
  for (const [id, version] of Object.entries((usersResult?.[1] ?? {}) as Record<string, string>)) users.set(id, Number(version));
  return { users, sessions: new Set((sessionsResult?.[1] ?? []) as string[]) };
}
