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

// INCR the window's counter, set its expiry on first hit; returns [count, ms left in the window].
const SCRIPT = `
local n = redis.call('INCR', KEYS[1])
if n == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
local ttl = redis.call('PTTL', KEYS[1])
return {n, ttl}
`;

/** Fixed-window counters in Redis, shared by every gateway replica. */
export class RateLimiter {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly rules: RateRule[],
  ) {
    this.redis.defineCommand('gatewayRateHit', { numberOfKeys: 1, lua: SCRIPT });
  }

  ruleFor(method: string, path: string): RateRule | undefined {
    // Upstreams route case-insensitively (Express's default): /auth/LOGIN must count as /auth/login.
    const p = path.toLowerCase();
    return this.rules.find((r) => {
      const prefix = r.prefix.toLowerCase();
      return (!r.method || r.method === method) && (prefix === '/' || p === prefix || p.startsWith(`${prefix}/`));
    });
  }

  async hit(rule: RateRule, client: string): Promise<RateDecision> {
    const windowMs = rule.windowS * 1000;
    const window = Math.floor(Date.now() / windowMs);
    const key = `${this.prefix}rl:${rule.id}:${client}:${window}`;
    const [count, ttl] = (await (this.redis as Redis & { gatewayRateHit(key: string, ms: number): Promise<[number, number]> }).gatewayRateHit(key, windowMs));
    const resetS = Math.max(1, Math.ceil((ttl > 0 ? ttl : windowMs) / 1000));
    return { allowed: count <= rule.limit, rule, limit: rule.limit, remaining: Math.max(0, rule.limit - count), resetS };
  }
}
