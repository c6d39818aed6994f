import type { Redis } from 'ioredis';
import type { RateRuleConfig } from '../config';

export interface RateRule {
  id: string;
  prefix: string;
  method?: string | undefined;
  limit: number;
  windowS: number;
}

export interface RateDecision {
  allowed: boolean;
  rule: RateRule;
  limit: number;
  remaining: number;
  resetS: number;
}

/** The seeds' limits, per route and per client. */
export function defaultRules(defaultPerMin: number): RateRule[] {
  return [
    { id: 'auth-login', prefix: '/auth/login', method: 'POST', limit: 10, windowS: 60 },
    { id: 'auth-register', prefix: '/auth/register', method: 'POST', limit: 5, windowS: 60 },
    { id: 'channels', prefix: '/api/channels', limit: 100, windowS: 60 },
    { id: 'channels-root', prefix: '/channels', limit: 100, windowS: 60 },
    { id: 'discovery', prefix: '/api/discovery', limit: 200, windowS: 60 },
    { id: 'default', prefix: '/', limit: defaultPerMin, windowS: 60 },
  ];
}

export function rulesFrom(overrides: RateRuleConfig[] | undefined, defaultPerMin: number): RateRule[] {
  const custom = (overrides ?? []).map((r) => ({ id: r.id, prefix: r.prefix, method: r.method, limit: r.limit, windowS: r.window_s }));
  const ids = new Set(custom.map((r) => r.id));
  return [...custom, ...defaultRules(defaultPerMin).filter((r) => !ids.has(r.id))];
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
 * Fixed-window counters in Redis, shared by every gateway replica. Hits on the same counter that arrive
 * in one turn of the event loop go to Redis as one INCRBY (and different counters in one pipeline):
 * each request still gets its own exact count (the n-th of a batch is `total - size + n`), for one round
 * trip per turn instead of one per request.
 */
export class RateLimiter {
  private pending = new Map<string, PendingKey>();
  private scheduled = false;
  private readonly matchers: Array<{ rule: RateRule; prefix: string; below: string }>;

  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    rules: RateRule[],
  ) {
    this.redis.defineCommand('gatewayRateHit', { numberOfKeys: 1, lua: SCRIPT });
    this.matchers = rules.map((rule) => ({ rule, prefix: rule.prefix.toLowerCase(), below: `${rule.prefix.toLowerCase()}/` }));
  }

  ruleFor(method: string, path: string): RateRule | undefined {
    // Upstreams route case-insensitively (Express's default): /auth/LOGIN must count as /auth/login.
    const p = path.toLowerCase();
    return this.matchers.find((m) => (!m.rule.method || m.rule.method === method) && (m.prefix === '/' || p === m.prefix || p.startsWith(m.below)))?.rule;
  }

  async hit(rule: RateRule, client: string): Promise<RateDecision> {
    const windowMs = rule.windowS * 1000;
    const window = Math.floor(Date.now() / windowMs);
    const key = `${this.prefix}rl:${rule.id}:${client}:${window}`;
    const [count, ttl] = await this.count(key, windowMs);
    const resetS = Math.max(1, Math.ceil((ttl > 0 ? ttl : windowMs) / 1000));
    return { allowed: count <= rule.limit, rule, limit: rule.limit, remaining: Math.max(0, rule.limit - count), resetS };
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
    const hit = (this.redis as Redis & { gatewayRateHit: RateHit }).gatewayRateHit.bind(this.redis);
    if (batch.size === 1) {
      const [key, entry] = batch.entries().next().value as [string, PendingKey];
      hit(key, entry.windowMs, entry.waiters.length).then(
        (counted) => settle(entry, counted),
        (err: unknown) => fail(entry, err),
      );
      return;
    }
    const pipeline = this.redis.pipeline() as ReturnType<Redis['pipeline']> & { gatewayRateHit: (...a: Parameters<RateHit>) => unknown };
    const entries = [...batch];
    for (const [key, entry] of entries) pipeline.gatewayRateHit(key, entry.windowMs, entry.waiters.length);
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
