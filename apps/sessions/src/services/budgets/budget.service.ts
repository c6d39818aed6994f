import {
  budgetWindow,
  type Budget,
  type BudgetLimits,
  type BudgetPeriod,
  type BudgetPutRequest,
  type UsageQuery,
  type UsageResponse,
} from '@platform/contracts';
import { AppError, NotFoundError, ValidationError, errorFields, type Logger } from '@platform/service-kit';
import type { BudgetsRepository } from '../../repositories/budgets.repository';
import type { UsersClient } from '../../clients/platform.clients';
import { isAdmin, type Caller } from '../caller';
import type { BudgetLedger } from './budget-ledger';
import { describeStop, effectiveLimits, firstExceeded, hasAnyLimit, periodStatus, type PeriodSpend } from './limits';

export interface BudgetServiceDeps {
  repo: BudgetsRepository;
  ledger: BudgetLedger;
  users: UsersClient;
  /** The platform's default limits (BUDGET_* settings). */
  defaults: BudgetLimits;
  logger: Logger;
  now?: () => Date;
}

const DAY_MS = 86_400_000;
/** Longest range one usage report covers, and the most sessions it lists. */
const MAX_RANGE_DAYS = 366;
const MAX_SESSIONS = 100;
const day = (d: Date) => d.toISOString().slice(0, 10);

/**
 * Budgets per person: the limits (an admin's, else the defaults), the check before a query starts, and the
 * usage report. Spend comes from the turns runs really made (`usage_charges`), mirrored in Redis counters the
 * runners add to and check between turns (see BudgetLedger).
 */
export class BudgetService {
  private readonly now: () => Date;

  constructor(private readonly d: BudgetServiceDeps) {
    this.now = d.now ?? (() => new Date());
  }

  /** The budget of `userId`: admins may read anyone's, others only their own (404 otherwise). */
  async get(caller: Caller, userId: string): Promise<Budget> {
    await this.assertMayRead(caller, userId);
    return this.budgetOf(userId);
  }

  /** Admins: replaces a person's own limits (fields left out follow the defaults) and tells the runners. */
  async put(caller: Caller, userId: string, overrides: BudgetPutRequest): Promise<Budget> {
    await this.assertUserExists(userId);
    await this.d.repo.put(userId, overrides, `user:${caller.userId}`);
    const budget = await this.budgetOf(userId);
    await this.publish(userId, budget.limits);
    return budget;
  }

  /** Admins: back to the defaults. */
  async reset(_caller: Caller, userId: string): Promise<void> {
    await this.assertUserExists(userId);
    await this.d.repo.delete(userId);
    await this.publish(userId, this.d.defaults);
  }

  /**
   * Refuses a query of `ownerId`'s session (402 BUDGET_EXCEEDED, with what is left of every limit and when it
   * resets) once a limit of today or this month is used up. Also refreshes the limits the runners check.
   */
  async assertCanQuery(ownerId: string): Promise<void> {
    const limits = await this.limitsOf(ownerId);
    await this.publish(ownerId, limits);
    if (!hasAnyLimit(limits)) return;
    const now = this.now();
    const spent = await this.spent(ownerId, now);
    const statuses = (['day', 'month'] as const).map((p) => periodStatus(p, limits, spent[p], now));
    const stop = firstExceeded(statuses);
    if (!stop) return;
    const retryAfterS = Math.max(1, Math.ceil((Date.parse(stop.resets_at) - now.getTime()) / 1000));
    throw new AppError('BUDGET_EXCEEDED', describeStop(stop), {
      details: { ...stop, budget: { day: statuses[0], month: statuses[1] } },
      headers: { 'Retry-After': String(retryAfterS) },
    });
  }

  /** A person's spend and what is left of their budget, by day, model and session (admins: anyone's). */
  async usage(caller: Caller, q: UsageQuery): Promise<UsageResponse> {
    const userId = q.user_id ?? caller.userId;
    await this.assertMayRead(caller, userId);
    const now = this.now();
    const from = q.from ?? day(budgetWindow('month', now).start);
    const to = q.to ?? day(now);
    const span = (Date.parse(to) - Date.parse(from)) / DAY_MS;
    if (span < 0) throw new ValidationError([{ path: 'query.to', message: 'must not be before from', code: 'custom' }]);
    if (span >= MAX_RANGE_DAYS) throw new ValidationError([{ path: 'query.to', message: `a report covers at most ${MAX_RANGE_DAYS} days`, code: 'custom' }]);
    const [limits, spent, report] = await Promise.all([this.limitsOf(userId), this.spent(userId, now), this.d.repo.usage(userId, from, to, MAX_SESSIONS)]);
    return {
      user_id: userId,
      timezone: 'UTC',
      from,
      to,
      budget: { day: periodStatus('day', limits, spent.day, now), month: periodStatus('month', limits, spent.month, now) },
      totals: report.totals,
      by_day: report.byDay,
      by_model: report.byModel,
      by_session: report.bySession,
    };
  }

  /**
   * Tells the runners (best effort: the change is stored, and every query of the person publishes the
   * limits again, so a Redis that is away now delays it at most until their next query).
   */
  private async publish(userId: string, limits: BudgetLimits): Promise<void> {
    await this.d.ledger.publishLimits(userId, limits).catch((err: unknown) => this.d.logger.warn('could not publish budget limits', { user_id: userId, ...errorFields(err) }));
  }

  private async budgetOf(userId: string): Promise<Budget> {
    const stored = await this.d.repo.find(userId);
    return {
      user_id: userId,
      limits: effectiveLimits(stored?.overrides ?? {}, this.d.defaults),
      overrides: stored?.overrides ?? {},
      defaults: this.d.defaults,
      updated_at: stored?.updatedAt.toISOString() ?? null,
      updated_by: stored?.updatedBy ?? null,
    };
  }

  private async limitsOf(userId: string): Promise<BudgetLimits> {
    return effectiveLimits((await this.d.repo.find(userId))?.overrides ?? {}, this.d.defaults);
  }

  /** Today's and this month's spend: the recorded turns and Redis' counters, the larger of each (the records alone when Redis cannot answer). */
  private async spent(userId: string, now: Date): Promise<Record<BudgetPeriod, PeriodSpend>> {
    const recorded = await this.d.repo.spent(userId, now);
    try {
      return await this.d.ledger.reconcile(userId, now, recorded);
    } catch (err) {
      this.d.logger.warn('budget counters unavailable; using recorded spend', { user_id: userId, ...errorFields(err) });
      return recorded;
    }
  }

  private async assertMayRead(caller: Caller, userId: string): Promise<void> {
    if (userId === caller.userId) return;
    if (!isAdmin(caller)) throw new NotFoundError('User');
    await this.assertUserExists(userId);
  }

  private async assertUserExists(userId: string): Promise<void> {
    if (!(await this.d.users.exists(userId))) throw new NotFoundError('User');
  }
}
