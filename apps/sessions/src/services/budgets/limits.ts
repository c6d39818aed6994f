import {
  BUDGET_LIMIT_FIELDS,
  budgetWindow,
  fromNanoUsd,
  type BudgetLimits,
  type BudgetPeriod,
  type BudgetPeriodStatus,
  type BudgetPutRequest,
  type BudgetStop,
} from '@platform/contracts';

/** What a person spent in one period: tokens (input + output) and dollars in billionths. */
export interface PeriodSpend {
  tokens: number;
  nano: number;
}

/** The limits that apply: each one an admin set for the person (null included: no limit), else the default. */
export function effectiveLimits(overrides: BudgetPutRequest, defaults: BudgetLimits): BudgetLimits {
  const out = { ...defaults };
  for (const f of BUDGET_LIMIT_FIELDS) if (Object.hasOwn(overrides, f) && overrides[f] !== undefined) out[f] = overrides[f] ?? null;
  return out;
}

export const hasAnyLimit = (l: BudgetLimits): boolean => BUDGET_LIMIT_FIELDS.some((f) => l[f] !== null);

const limitOf = (l: BudgetLimits, period: BudgetPeriod) =>
  period === 'day' ? { tokens: l.daily_tokens, cost_usd: l.daily_cost_usd } : { tokens: l.monthly_tokens, cost_usd: l.monthly_cost_usd };

const round9 = (usd: number): number => Math.round(usd * 1e9) / 1e9;

/** Where a person stands in `period` (the one `now` falls in) given what they spent in it. */
export function periodStatus(period: BudgetPeriod, limits: BudgetLimits, spent: PeriodSpend, now: Date): BudgetPeriodStatus {
  const w = budgetWindow(period, now);
  const limit = limitOf(limits, period);
  const cost = fromNanoUsd(spent.nano);
  const remaining = {
    tokens: limit.tokens === null ? null : Math.max(0, limit.tokens - spent.tokens),
    cost_usd: limit.cost_usd === null ? null : Math.max(0, round9(limit.cost_usd - cost)),
  };
  return {
    period,
    starts_at: w.start.toISOString(),
    resets_at: w.end.toISOString(),
    limit,
    spent: { tokens: spent.tokens, cost_usd: cost },
    remaining,
    exceeded: remaining.tokens === 0 || remaining.cost_usd === 0,
  };
}

/** The first limit used up, day before month and tokens before dollars; undefined when none is. */
export function firstExceeded(statuses: BudgetPeriodStatus[]): BudgetStop | undefined {
  for (const s of statuses) {
    if (s.remaining.tokens === 0 && s.limit.tokens !== null)
      return { period: s.period, kind: 'tokens', limit: s.limit.tokens, spent: s.spent.tokens, remaining: 0, resets_at: s.resets_at };
    if (s.remaining.cost_usd === 0 && s.limit.cost_usd !== null)
      return { period: s.period, kind: 'cost_usd', limit: s.limit.cost_usd, spent: s.spent.cost_usd, remaining: 0, resets_at: s.resets_at };
  }
  return undefined;
}

/** The sentence a refusal says: which budget, how much of it went, and when it comes back. */
export function describeStop(s: BudgetStop): string {
  const period = s.period === 'day' ? 'Daily' : 'Monthly';
  const amount = (v: number) => (s.kind === 'tokens' ? `${v} tokens` : `$${v}`);
  return `${period} ${s.kind === 'tokens' ? 'token' : 'cost'} budget spent (${amount(s.spent)} of ${amount(s.limit)}); it resets at ${s.resets_at}`;
}
