import type { Redis } from 'ioredis';
import { budgetKeys, budgetWindow, limitsHash, spendExpiresAt, type BudgetLimits, type BudgetPeriod } from '@platform/contracts';
import type { PeriodSpend } from './limits';

// Raises each spend counter to at least what sessions has recorded (never lowers one: the runners' charges may
// be ahead of ingestion) and returns it. KEYS: day spend, month spend.
// ARGV: day tokens, day nano, day expire-at, month tokens, month nano, month expire-at.
const RECONCILE = `
local out = {}
for k = 1, 2 do
  local t = tonumber(redis.call('HGET', KEYS[k], 'tokens') or '0')
  local n = tonumber(redis.call('HGET', KEYS[k], 'nano') or '0')
  local dt, dn = tonumber(ARGV[k * 3 - 2]), tonumber(ARGV[k * 3 - 1])
  if dt > t then t = dt end
  if dn > n then n = dn end
  redis.call('HSET', KEYS[k], 'tokens', string.format('%d', t), 'nano', string.format('%d', n))
  redis.call('EXPIREAT', KEYS[k], ARGV[k * 3])
  out[#out + 1] = string.format('%d', t)
  out[#out + 1] = string.format('%d', n)
end
return out
`;

/** A person's limits stay in Redis this long after their last query or budget change. */
const LIMITS_TTL_S = 35 * 86_400;

/**
 * The Redis side of budgets (keys in contracts' `budgetKeys`): the limits runners check between turns, and
 * the per-period spend counters runners add each turn to. Those counters are the fast, shared view; sessions'
 * `usage_charges` are the durable record. Every read takes the larger of the two and leaves it in Redis: a
 * counter lost with a Redis that restarted empty, or one an older runner never charged, is made whole again,
 * and one ahead of ingestion is kept. Neither counts a turn twice, so the larger is the better lower bound.
 */
export class BudgetLedger {
  constructor(
    private readonly redis: Redis,
    private readonly eventsStream: string,
  ) {}

  /** Writes the limits that apply to a person, for runners to check (empty fields: no limit). */
  async publishLimits(userId: string, limits: BudgetLimits): Promise<void> {
    const key = budgetKeys(this.eventsStream, userId).limits;
    await this.redis.multi().hset(key, limitsHash(limits)).expire(key, LIMITS_TTL_S).exec();
  }

  /** Today's and this month's spend: the counters, raised to what sessions recorded (`recorded`) where they were behind. */
  async reconcile(userId: string, now: Date, recorded: Record<BudgetPeriod, PeriodSpend>): Promise<Record<BudgetPeriod, PeriodSpend>> {
    const keys = budgetKeys(this.eventsStream, userId);
    const [day, month] = [budgetWindow('day', now), budgetWindow('month', now)];
    const args = [recorded.day, recorded.month].flatMap((s, i) => [String(s.tokens), String(s.nano), String(spendExpiresAt(i === 0 ? day : month))]);
    const out = (await this.redis.eval(RECONCILE, 2, keys.spend(day), keys.spend(month), ...args)) as string[];
    return { day: { tokens: Number(out[0]), nano: Number(out[1]) }, month: { tokens: Number(out[2]), nano: Number(out[3]) } };
  }
}
