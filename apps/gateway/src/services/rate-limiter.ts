import type { Redis } from 'ioredis';
import { FixedWindowCounter } from '@platform/service-kit';
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

/** Per route and per client, on the shared fixed-window counters (see FixedWindowCounter). */
export class RateLimiter {
  private readonly counter: FixedWindowCounter;
  private readonly matchers: Array<{ rule: RateRule; prefix: string; below: string }>;

  constructor(
    redis: Redis,
    private readonly prefix: string,
    rules: RateRule[],
  ) {
    this.counter = new FixedWindowCounter(redis);
    this.matchers = rules.map((rule) => ({ rule, prefix: rule.prefix.toLowerCase(), below: `${rule.prefix.toLowerCase()}/` }));
  }

  ruleFor(method: string, path: string): RateRule | undefined {
    // Upstreams route case-insensitively (Express's default): /auth/LOGIN must count as /auth/login.
    const p = path.toLowerCase();
    return this.matchers.find((m) => (!m.rule.method || m.rule.method === method) && (m.prefix === '/' || p === m.prefix || p.startsWith(m.below)))?.rule;
  }

  /** The counter a rule keeps for one client (`u:<user id>` or `ip:<address>`). */
  keyBase(rule: RateRule, client: string): string {
    return `${this.prefix}rl:${rule.id}:${client}`;
  }

  async hit(rule: RateRule, client: string): Promise<RateDecision> {
    const counted = await this.counter.hit(this.keyBase(rule, client), rule.limit, rule.windowS);
    return { ...counted, rule };
  }
}
