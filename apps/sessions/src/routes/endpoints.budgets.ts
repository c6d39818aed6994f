import {
  BudgetParamsSchema,
  BudgetPutRequestSchema,
  BudgetSchema,
  UsageQuerySchema,
  UsageResponseSchema,
  type ApiOperation,
} from '@platform/contracts';
import { BUDGETS, USAGE } from './budgets.routes';

const USER_ID = '3f2b1c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d';
const params = { params: BudgetParamsSchema, examples: { params: { user_id: USER_ID } } };
const tags = ['budgets'];
const notFound = { 404: { description: 'No such user (or not you, unless you are an admin)' } };

/** Budgets per person and the usage report. */
export const BUDGET_OPERATIONS: ApiOperation[] = [
  {
    method: 'GET',
    path: USAGE,
    summary: 'Your spend and what is left of your budget, by day, model and session',
    description:
      'Days are UTC, `from` and `to` included (default: this month so far; at most 366 days). `budget` is today and this ' +
      'month whatever the range. Admins may name any `user_id`.',
    tags,
    auth: 'user',
    request: { query: UsageQuerySchema, examples: { query: { from: '2026-11-01', to: '2026-11-30' } } },
    responses: { 200: { description: 'The usage report', schema: UsageResponseSchema }, ...notFound },
  },
  {
    method: 'GET',
    path: `${BUDGETS}/{user_id}`,
    summary: "A person's budget: the limits that apply and where each comes from",
    tags,
    auth: 'user',
    request: params,
    responses: { 200: { description: 'The budget', schema: BudgetSchema }, ...notFound },
  },
  {
    method: 'PUT',
    path: `${BUDGETS}/{user_id}`,
    summary: "Set a person's token and cost budget per day and month (admins)",
    description:
      'Replaces the person\'s own limits: a number sets one, `null` removes it, a field left out follows the platform ' +
      'default. Queries are refused with 402 `BUDGET_EXCEEDED` once a limit is used up; running runs stop between turns ' +
      '(`run_completed` with `stop_reason: "budget_exceeded"`).',
    tags,
    auth: 'admin',
    request: { ...params, body: BudgetPutRequestSchema, examples: { ...params.examples, body: { daily_tokens: 200000, monthly_cost_usd: 50 } } },
    responses: { 200: { description: 'The budget', schema: BudgetSchema }, 403: { description: 'Not an admin' }, ...notFound },
  },
  {
    method: 'DELETE',
    path: `${BUDGETS}/{user_id}`,
    summary: "Put a person's budget back to the platform defaults (admins)",
    tags,
    auth: 'admin',
    request: params,
    responses: { 204: { description: 'Back to the defaults' }, 403: { description: 'Not an admin' }, ...notFound },
  },
];
