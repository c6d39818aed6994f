import { z } from 'zod';

/**
 * Budgets: what a person may spend on model calls per UTC day and per UTC month, in tokens (input +
 * output) and in US dollars. sessions owns them (limits, spend, the usage report); runners enforce
 * them between turns through the Redis keys below.
 */
export const BudgetPeriodSchema = z.enum(['day', 'month']);
export type BudgetPeriod = z.infer<typeof BudgetPeriodSchema>;
export const BudgetKindSchema = z.enum(['tokens', 'cost_usd']);
export type BudgetKind = z.infer<typeof BudgetKindSchema>;

const tokenLimit = z.number().int().min(0).max(1e15);
const costLimit = z.number().min(0).max(1e9);

/** The limits that apply to a person; null: no limit. */
export const BudgetLimitsSchema = z.object({
  daily_tokens: tokenLimit.nullable(),
  monthly_tokens: tokenLimit.nullable(),
  daily_cost_usd: costLimit.nullable(),
  monthly_cost_usd: costLimit.nullable(),
});
export type BudgetLimits = z.infer<typeof BudgetLimitsSchema>;
export const BUDGET_LIMIT_FIELDS = ['daily_tokens', 'monthly_tokens', 'daily_cost_usd', 'monthly_cost_usd'] as const;

/**
 * `PUT /api/v1/budgets/{user_id}` (admins): replaces a person's own limits. Each field: a number, `null`
 * for no limit, or left out for the platform default (sessions' BUDGET_* settings).
 */
export const BudgetPutRequestSchema = z.strictObject({
  daily_tokens: tokenLimit.nullable().optional(),
  monthly_tokens: tokenLimit.nullable().optional(),
  daily_cost_usd: costLimit.nullable().optional(),
  monthly_cost_usd: costLimit.nullable().optional(),
});
export type BudgetPutRequest = z.infer<typeof BudgetPutRequestSchema>;

export const BudgetParamsSchema = z.object({ user_id: z.uuid() });

/** A person's budget: the limits that apply, and where each comes from. */
export const BudgetSchema = z.object({
  user_id: z.uuid(),
  limits: BudgetLimitsSchema,
  /** What an admin set for this person (fields left out follow `defaults`). */
  overrides: BudgetPutRequestSchema,
  defaults: BudgetLimitsSchema,
  updated_at: z.string().nullable(),
  /** `user:<id>` of the admin who last set it; null while only the defaults apply. */
  updated_by: z.string().nullable(),
});
export type Budget = z.infer<typeof BudgetSchema>;

/** Tokens and dollars, spent or left. */
export const SpendSchema = z.object({ tokens: z.number().int(), cost_usd: z.number() });
/** A limit or what is left of it; null: no limit. */
export const SpendLimitSchema = z.object({ tokens: z.number().int().nullable(), cost_usd: z.number().nullable() });

/** Where a person stands in one budget period. */
export const BudgetPeriodStatusSchema = z.object({
  period: BudgetPeriodSchema,
  starts_at: z.string(),
  resets_at: z.string(),
  limit: SpendLimitSchema,
  spent: SpendSchema,
  remaining: SpendLimitSchema,
  /** Some limit of this period is used up: queries are refused until `resets_at`. */
  exceeded: z.boolean(),
});
export type BudgetPeriodStatus = z.infer<typeof BudgetPeriodStatusSchema>;

const UsageTotalsShape = {
  input_tokens: z.number().int(),
  output_tokens: z.number().int(),
  tokens: z.number().int(),
  cost_usd: z.number(),
  /** Model calls (turns) charged. */
  turns: z.number().int(),
};
export const UsageTotalsSchema = z.object(UsageTotalsShape);
export type UsageTotals = z.infer<typeof UsageTotalsSchema>;

const IsoDaySchema = z.iso.date();

/** `GET /api/v1/usage`: your own usage; admins may name anyone's `user_id`. Days are UTC, `to` included. */
export const UsageQuerySchema = z.object({
  user_id: z.uuid().optional(),
  from: IsoDaySchema.optional(),
  to: IsoDaySchema.optional(),
});
export type UsageQuery = z.infer<typeof UsageQuerySchema>;

export const UsageResponseSchema = z.object({
  user_id: z.uuid(),
  timezone: z.literal('UTC'),
  from: IsoDaySchema,
  to: IsoDaySchema,
  /** Today and this month, whatever `from` and `to` say. */
  budget: z.object({ day: BudgetPeriodStatusSchema, month: BudgetPeriodStatusSchema }),
  totals: UsageTotalsSchema,
  by_day: z.array(z.object({ day: IsoDaySchema, ...UsageTotalsShape })),
  by_model: z.array(z.object({ provider: z.string(), model: z.string(), ...UsageTotalsShape })),
  /** Most expensive first; `name` is null for a session deleted since (its spend still counts). */
  by_session: z.array(z.object({ session_id: z.uuid(), name: z.string().nullable(), ...UsageTotalsShape })),
});
export type UsageResponse = z.infer<typeof UsageResponseSchema>;

/** Which limit a query or a run ran into (the `details` of 402 BUDGET_EXCEEDED, and `budget` of run_completed). */
export const BudgetStopSchema = z.object({
  period: BudgetPeriodSchema,
  kind: BudgetKindSchema,
  limit: z.number(),
  spent: z.number(),
  remaining: z.number(),
  resets_at: z.string(),
});
export type BudgetStop = z.infer<typeof BudgetStopSchema>;

/** One budget period as a window of time: `[start, end)` in UTC, and the key its spend is counted under. */
export interface BudgetWindow {
  period: BudgetPeriod;
  /** `d:2026-11-22` or `m:2026-11`. */
  key: string;
  start: Date;
  end: Date;
}

/** The day or month (UTC) `at` falls in. */
export function budgetWindow(period: BudgetPeriod, at: Date): BudgetWindow {
  const y = at.getUTCFullYear();
  const m = at.getUTCMonth();
  if (period === 'day') {
    const start = new Date(Date.UTC(y, m, at.getUTCDate()));
    return { period, key: `d:${start.toISOString().slice(0, 10)}`, start, end: new Date(Date.UTC(y, m, at.getUTCDate() + 1)) };
  }
  const start = new Date(Date.UTC(y, m, 1));
  return { period, key: `m:${start.toISOString().slice(0, 7)}`, start, end: new Date(Date.UTC(y, m + 1, 1)) };
}

/** Dollars as whole billionths (Redis counts spend in integers). */
export const toNanoUsd = (usd: number): number => Math.round(usd * 1e9);
export const fromNanoUsd = (nano: number): number => Math.round(nano) / 1e9;

/**
 * A person's budget state in Redis, beside the run events (`<prefix>` is EVENTS_STREAM; the user id is a
 * hash tag, so one person's keys share a cluster slot):
 * - `limits`: hash `day_tokens`, `day_nano`, `month_tokens`, `month_nano` ('' = no limit), written by
 *   sessions whenever it accepts a query or an admin changes the budget. Absent: the runner does not check.
 * - `spend(window)`: hash `tokens`, `nano` (and `seeded` once sessions merged its own records in), added to
 *   by the runner in the same script that writes a turn's message_complete, so each turn counts once.
 * - `holds`: hash run_id → `<tokens>|<nano>|<expires ms>|<attempt>`: what turns in flight may still spend,
 *   so concurrent runs of one person cannot together overspend.
 */
export const budgetKeys = (eventsStream: string, userId: string) => {
  const base = `${eventsStream}:budget:{${userId}}`;
  return {
    limits: `${base}:limits`,
    holds: `${base}:holds`,
    spend: (w: BudgetWindow) => `${base}:spend:${w.key}`,
  };
};
export type BudgetKeys = ReturnType<typeof budgetKeys>;

/** A spend counter outlives its period by this long (a turn that ended just before the period closed may be charged late). */
export const BUDGET_SPEND_GRACE_S = 2 * 86_400;

/** When the spend counter of `w` may go (unix seconds). */
export const spendExpiresAt = (w: BudgetWindow): number => Math.floor(w.end.getTime() / 1000) + BUDGET_SPEND_GRACE_S;

/** The limits hash fields for each period and kind. */
export const BUDGET_LIMIT_HASH_FIELDS = {
  day: { tokens: 'day_tokens', cost_usd: 'day_nano' },
  month: { tokens: 'month_tokens', cost_usd: 'month_nano' },
} as const;

/** The limits as sessions writes them into `limits` (dollars as billionths, '' for none). */
export function limitsHash(l: BudgetLimits): Record<string, string> {
  const n = (v: number | null, nano: boolean) => (v === null ? '' : String(nano ? toNanoUsd(v) : v));
  return {
    day_tokens: n(l.daily_tokens, false),
    day_nano: n(l.daily_cost_usd, true),
    month_tokens: n(l.monthly_tokens, false),
    month_nano: n(l.monthly_cost_usd, true),
  };
}
