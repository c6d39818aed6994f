import type { Redis } from 'ioredis';

/** One hit's outcome against a fixed-window limit. */
export interface RateCount {
  allowed: boolean;
  limit: number;
  remaining: number;
  /** Seconds until the window resets (at least 1). */
  resetS: number;
}

// Add ARGV[2] hits to the window's counter, set its expiry on the window's first hits; returns [count, ms left in the window].
const SCRIPT = `
local n = redis.call('INCRBY', KEYS[1], ARGV[2])
if n == tonumber(ARGV[2]) then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
local ttl = redis.call('PTTL', KEYS[1])
return {n, ttl}
`;

type RateHit = (key: string, windowMs: number, hits: number) => Promise<[number, number]>;
interface Waiter {
  resolve: (counted: [number, number]) => void;
  reject: (err: unknown) => void;
}
interface PendingKey {
  windowMs: number;
  waiters: Waiter[];
}

/**
 * Fixed-window counters in Redis (`<keyBase>:<window number>`), shared by every process that counts
 * the same key: the gateway for HTTP requests, sessions for WebSocket queries. Hits on the same counter
 * that arrive in one turn of the event loop go to Redis as one INCRBY (and different counters in one
 * pipeline): each hit still gets its own exact count (the n-th of a batch is `total - size + n`), for one
 * round trip per turn instead of one per hit.
 */
export class FixedWindowCounter {
  private pending = new Map<string, PendingKey>();
  private scheduled = false;

  constructor(private readonly redis: Redis) {
    this.redis.defineCommand('platformRateHit', { numberOfKeys: 1, lua: SCRIPT });
  }

  /** Counts one hit on `keyBase` in the current window of `windowS` seconds. */
  async hit(keyBase: string, limit: number, windowS: number): Promise<RateCount> {
    const windowMs = windowS * 1000;
    const window = Math.floor(Date.now() / windowMs);
    const [count, ttl] = await this.count(`${keyBase}:${window}`, windowMs);
    const resetS = Math.max(1, Math.ceil((ttl > 0 ? ttl : windowMs) / 1000));
    return { allowed: count <= limit, limit, remaining: Math.max(0, limit - count), resetS };
  }

  private count(key: string, windowMs: number): Promise<[number, number]> {
    return new Promise((resolve, reject) => {
      let entry = this.pending.get(key);
      if (!entry) {
        entry = { windowMs, waiters: [] };
        this.pending.set(key, entry);
      }
      entry.waiters.push({ resolve, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  private flush(): void {
    this.scheduled = false;
    const batch = this.pending;
    this.pending = new Map();
    const hit = (this.redis as Redis & { platformRateHit: RateHit }).platformRateHit.bind(this.redis);
    if (batch.size === 1) {
      const [key, entry] = batch.entries().next().value as [string, PendingKey];
      hit(key, entry.windowMs, entry.waiters.length).then(
        (counted) => settle(entry, counted),
        (err: unknown) => fail(entry, err),
      );
      return;
    }
    const pipeline = this.redis.pipeline() as ReturnType<Redis['pipeline']> & { platformRateHit: (...a: Parameters<RateHit>) => unknown };
    const entries = [...batch];
    for (const [key, entry] of entries) pipeline.platformRateHit(key, entry.windowMs, entry.waiters.length);
    pipeline.exec().then(
      (results) =>
        entries.forEach(([, entry], i) => {
          const [err, counted] = results?.[i] ?? [new Error('rate limit pipeline returned no result')];
          if (err) fail(entry, err);
          else settle(entry, counted as [number, number]);
        }),
      (err: unknown) => entries.forEach(([, entry]) => fail(entry, err)),
    );
  }
}

function settle(entry: PendingKey, [total, ttl]: [number, number]): void {
  const first = total - entry.waiters.length + 1;
  entry.waiters.forEach((w, i) => w.resolve([first + i, ttl]));
}

function fail(entry: PendingKey, err: unknown): void {
  for (const w of entry.waiters) w.reject(err);
}

/**
 * The gateway tells the service behind a WebSocket which counter its messages count against:
 * `X-Gateway-Rate-Limit: key=<counter key base>, limit=<n>, window=<s>` (the counter and rule the
 * gateway applies to the equivalent HTTP request). A client's own header of that name is dropped.
 */
export const GATEWAY_RATE_LIMIT_HEADER = 'x-gateway-rate-limit';

export interface DelegatedRateLimit {
  keyBase: string;
  limit: number;
  windowS: number;
}

export const formatDelegatedRateLimit = (l: DelegatedRateLimit): string => `key=${l.keyBase}, limit=${l.limit}, window=${l.windowS}`;

/** The delegated limit of a header, if it is well-formed (anything else: none). */
export function parseDelegatedRateLimit(value: string | string[] | undefined): DelegatedRateLimit | undefined {
  if (typeof value !== 'string') return undefined;
  const m = /^key=([\x21-\x2b\x2d-\x7e]{1,300}), limit=([1-9][0-9]{0,8}), window=([1-9][0-9]{0,6})$/.exec(value);
  const [, keyBase, limit, windowS] = m ?? [];
  if (keyBase === undefined) return undefined;
  return { keyBase, limit: Number(limit), windowS: Number(windowS) };
}
