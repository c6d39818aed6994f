import { Router } from 'express';
import { BudgetParamsSchema, BudgetPutRequestSchema, UsageQuerySchema } from '@platform/contracts';
import { parseInput } from '@platform/service-kit';
import { requireAction, requireAuth, type TokenVerifier } from '@platform/auth-middleware';
import type { BudgetService } from '../services/budgets/budget.service';
import { callerOf } from './caller';

export const BUDGETS = '/api/v1/budgets';
export const USAGE = '/api/v1/usage';

/** Budgets per person (admins set them; everyone reads their own) and the usage report. */
export function budgetRoutes(d: { budgets: BudgetService; verifier: TokenVerifier }): Router {
  const r = Router();
  // Reading one's own usage and budget is `read`; setting anyone's budget is `manage` (admins).
  const people = [requireAuth(d.verifier), requireAction('read')];
  const admins = [requireAuth(d.verifier), requireAction('manage')];

  r.get(USAGE, ...people, async (req, res) => {
    res.json(await d.budgets.usage(callerOf(req), parseInput(UsageQuerySchema, req.query, 'query')));
  });

  r.get(`${BUDGETS}/:user_id`, ...people, async (req, res) => {
    const { user_id } = parseInput(BudgetParamsSchema, req.params, 'params');
    res.json(await d.budgets.get(callerOf(req), user_id));
  });

  r.put(`${BUDGETS}/:user_id`, ...admins, async (req, res) => {
    const { user_id } = parseInput(BudgetParamsSchema, req.params, 'params');
    res.json(await d.budgets.put(callerOf(req), user_id, parseInput(BudgetPutRequestSchema, req.body ?? {}, 'body')));
  });

  r.delete(`${BUDGETS}/:user_id`, ...admins, async (req, res) => {
    const { user_id } = parseInput(BudgetParamsSchema, req.params, 'params');
    await d.budgets.reset(callerOf(req), user_id);
    res.status(204).end();
  });
  return r;
}
