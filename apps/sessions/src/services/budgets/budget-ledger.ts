import type { Redis } from 'ioredis';
import { budgetKeys, budgetWindow, limitsHash, type BudgetLimits, type BudgetPeriod, type BudgetWindow } from '@platform/contracts';
import type { PeriodSpend } from './limits';

// Raises a spend counter to at least what sessions has recorded (never lowers it: the runners' charges
// may be ahead of ingestion) and marks it seeded. KEYS: spend. ARGV: tokens, nano, expire-at (unix s).
const SEED = `
local t = tonumber(redis.call('HGET', KEYS[1], 'tokens') or '0')
local n = tonumber(redis.call('HGET', KEYS[1], 'nano') or '0')
local dt = tonumber(ARGV[1])
local dn = tonumber(ARGV[2])
if dt > t then t = dt end
if dn > n then n = dn end
redis.call('HSET', KEYS[1], 'tokens', string.format('%d', t), 'nano', string.format('%d', n), 'seeded', '1')
redis.call('EXPIREAT', KEYS[1], ARGV[3])
return {string.format('%d', t), string.format('%d', n)}
`;

const PERIODS: BudgetPeriod[] = ['day', 'month'];
/** Spend counters outlive their period by this long (late charges of turns that ended just before it closed). */
const SPEND_GRACE_S = 2 * 86_400;
/** A person's limits stay in Redis this long after their last query or budget change. */
const LIMITS_TTL_S = 35 * 86_400;

/**
 * The Redis side of budgets (keys in contracts' `budgetKeys`): the limits runners check between turns,
 * and the per-period spend counters runners add each turn to. Those counters are the fast, shared view;
 * sessions' `usage_charges` are the durable record. A counter sessions has not yet reconciled with its
 * records (new, or lost with a Redis that restarted empty) is raised to them before it is trusted.
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

  /** What the person spent today and this month, reconciled with `recorded` where Redis has not been yet. */
  async spent(userId: string, now: Date, recorded: (w: BudgetWindow) => Promise<PeriodSpend>): Promise<Record<BudgetPeriod, PeriodSpend>> {
    const keys = budgetKeys(this.eventsStream, userId);
    const windows = PERIODS.map((p) => budgetWindow(p, now));
    const read = await this.redis
      .multi(windows.map((w) => ['hmget', keys.spend(w), 'tokens', 'nano', 'seeded']))
      .exec();
    const out = {} as Record<BudgetPeriod, PeriodSpend>;
    for (const [i, w] of windows.entries()) {
      const [err, fields] = read?.[i] ?? [new Error('no reply'), null];
      if (err) throw err;
      const [tokens, nano, seeded] = fields as Array<string | null>;
      if (seeded === '1') {
        out[w.period] = { tokens: Number(tokens ?? 0), nano: Number(nano ?? 0) };
        continue;
      }
      const db = await recorded(w);
      const expireAt = Math.floor(w.end.getTime() / 1000) + SPEND_GRACE_S;
      const [t, n] = (await this.redis.eval(SEED, 1, keys.spend(w), String(db.tokens), String(db.nano), String(expireAt))) as [string, string];
      out[w.period] = { tokens: Number(t), nano: Number(n) };
    }
    return out;
  }
}
