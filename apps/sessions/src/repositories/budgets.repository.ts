import { BudgetPutRequestSchema, budgetWindow, type BudgetPeriod, type BudgetPutRequest, type UsageTotals } from '@platform/contracts';
import type { Prisma } from '../generated/prisma/client';
import type { Db } from '../db';
import { pooled } from './sql';

/** A person's own limits as an admin stored them. */
export interface StoredBudget {
  overrides: BudgetPutRequest;
  updatedAt: Date;
  updatedBy: string;
}

interface TotalsRow {
  input_tokens: string;
  output_tokens: string;
  cost_usd: string;
  turns: string;
}

const totals = (r: TotalsRow): UsageTotals => {
  const input = Number(r.input_tokens);
  const output = Number(r.output_tokens);
  return { input_tokens: input, output_tokens: output, tokens: input + output, cost_usd: Number(r.cost_usd), turns: Number(r.turns) };
};
const SUMS = `COALESCE(sum(c.input_tokens), 0)::text AS input_tokens, COALESCE(sum(c.output_tokens), 0)::text AS output_tokens,
              COALESCE(sum(c.cost_usd), 0)::text AS cost_usd, count(*)::text AS turns`;
const isoDay = (d: Date): string => d.toISOString().slice(0, 10);
const IN_RANGE = `c.user_id = $1::uuid AND c.day >= $2::date AND c.day <= $3::date`;

/** Budgets (`user_budgets`) and the spend they are measured against (`usage_charges`, one row per charged turn). */
export class BudgetsRepository {
  constructor(private readonly db: Db) {}

  /** Read before every query: SQL on the driver (a prepared statement), not a Prisma call. */
  async find(userId: string): Promise<StoredBudget | undefined> {
    const [row] = await pooled(this.db.$pool).query<{ limits: unknown; updated_at: Date; updated_by: string }>(
      `SELECT limits, updated_at, updated_by FROM user_budgets WHERE user_id = $1::uuid`,
      [userId],
    );
    if (!row) return undefined;
    // Written through the same schema; anything else stored there (by hand) counts as no override.
    const parsed = BudgetPutRequestSchema.safeParse(row.limits);
    return { overrides: parsed.success ? parsed.data : {}, updatedAt: row.updated_at, updatedBy: row.updated_by };
  }

  async put(userId: string, overrides: BudgetPutRequest, updatedBy: string): Promise<StoredBudget> {
    const limits = overrides as Prisma.InputJsonValue;
    const row = await this.db.userBudget.upsert({
      where: { userId },
      create: { userId, limits, updatedBy },
      update: { limits, updatedBy },
    });
    return { overrides, updatedAt: row.updatedAt, updatedBy: row.updatedBy };
  }

  async delete(userId: string): Promise<void> {
    await this.db.userBudget.deleteMany({ where: { userId } });
  }

  /**
   * What the person spent today and this month (UTC), by the turns sessions has recorded: tokens, and dollars in
   * billionths. Read before every query of a person with a budget: from the daily totals (at most 31 rows).
   */
  async spent(userId: string, now: Date): Promise<Record<BudgetPeriod, { tokens: number; nano: number }>> {
    const [day, month] = [budgetWindow('day', now), budgetWindow('month', now)];
    const [row] = await pooled(this.db.$pool).query<{ day_tokens: string; day_nano: string; month_tokens: string; month_nano: string }>(
      `SELECT COALESCE(sum(input_tokens + output_tokens) FILTER (WHERE day = $2::date), 0)::text AS day_tokens,
              COALESCE(round(sum(cost_usd) FILTER (WHERE day = $2::date) * 1000000000), 0)::text AS day_nano,
              COALESCE(sum(input_tokens + output_tokens), 0)::text AS month_tokens,
              COALESCE(round(sum(cost_usd) * 1000000000), 0)::text AS month_nano
         FROM usage_daily WHERE user_id = $1::uuid AND day >= $3::date AND day < $4::date`,
      // Days as text: a Date would be sent in the process's time zone, and the cast to date would keep that day.
      [userId, isoDay(day.start), isoDay(month.start), isoDay(month.end)],
    );
    const n = (v: string | undefined) => Number(v ?? 0);
    return {
      day: { tokens: n(row?.day_tokens), nano: n(row?.day_nano) },
      month: { tokens: n(row?.month_tokens), nano: n(row?.month_nano) },
    };
  }

  /** Usage from day `from` to day `to` (both included, UTC): in all, per day, per model, and per session (top `sessions`). */
  async usage(userId: string, from: string, to: string, sessions: number) {
    const sql = pooled(this.db.$pool);
    const range = [userId, from, to];
    const [all, byDay, byModel, bySession] = await Promise.all([
      sql.query<TotalsRow>(
        `SELECT COALESCE(sum(c.input_tokens), 0)::text AS input_tokens, COALESCE(sum(c.output_tokens), 0)::text AS output_tokens,
                COALESCE(sum(c.cost_usd), 0)::text AS cost_usd, COALESCE(sum(c.turns), 0)::text AS turns
           FROM usage_daily c WHERE ${IN_RANGE}`,
        range,
      ),
      sql.query<TotalsRow & { day: string }>(
        `SELECT to_char(c.day, 'YYYY-MM-DD') AS day, c.input_tokens::text, c.output_tokens::text, c.cost_usd::text, c.turns::text
           FROM usage_daily c WHERE ${IN_RANGE} ORDER BY c.day`,
        range,
      ),
      sql.query<TotalsRow & { provider: string; model: string }>(
        `SELECT c.provider, c.model, ${SUMS} FROM usage_charges c WHERE ${IN_RANGE} GROUP BY c.provider, c.model ORDER BY sum(c.cost_usd) DESC, c.model`,
        range,
      ),
      sql.query<TotalsRow & { session_id: string; name: string | null }>(
        `SELECT c.session_id::text, s.name, ${SUMS} FROM usage_charges c LEFT JOIN sessions s ON s.id = c.session_id
          WHERE ${IN_RANGE} GROUP BY c.session_id, s.name
          ORDER BY sum(c.cost_usd) DESC, sum(c.input_tokens + c.output_tokens) DESC, c.session_id LIMIT $4`,
        [...range, sessions],
      ),
    ]);
    return {
      totals: totals(all[0] ?? { input_tokens: '0', output_tokens: '0', cost_usd: '0', turns: '0' }),
      byDay: byDay.map((r) => ({ day: r.day, ...totals(r) })),
      byModel: byModel.map((r) => ({ provider: r.provider, model: r.model, ...totals(r) })),
      bySession: bySession.map((r) => ({ session_id: r.session_id, name: r.name, ...totals(r) })),
    };
  }
}
