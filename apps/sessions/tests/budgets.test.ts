import { randomUUID } from 'node:crypto';
import {
  BudgetSchema,
  RunEventSchema,
  UsageResponseSchema,
  budgetKeys,
  budgetWindow,
  type ContentBlock,
  type RunEvent,
  type Usage,
} from '@platform/contracts';
import { eventually } from '@platform/testing';
import { SESSIONS, createSession, envelope, sendQuery } from './support/api';
import { startSessions, type SessionsHarness, type TestUser } from './support/sessions';
import { runReaches } from './support/run-control';
import { RunScript } from './support/events';

let h: SessionsHarness;
let admin: TestUser;

beforeAll(async () => {
  h = await startSessions({ name: 'budgets', env: { BUDGET_MONTHLY_COST_USD: '100' } });
  admin = await h.admin();
}, 60_000);

afterAll(async () => {
  await h?.stop();
}, 30_000);

const BUDGETS = '/api/v1/budgets';
const today = () => new Date().toISOString().slice(0, 10);

/** An assistant turn as the runner reports it now: priced and stamped with when it ended. */
function turn(script: RunScript, usage: Usage, costUsd: number, n: number): RunEvent {
  const e = script.message('assistant', [{ type: 'text', text: `turn ${n}` }] as ContentBlock[], usage, n);
  return RunEventSchema.parse({ ...e, data: { ...e.data, cost_usd: costUsd, ended_at: new Date().toISOString() } });
}

/** A session of `user` whose query's run has started (the test plays the runner). */
async function runningRun(user: TestUser) {
  const session = await createSession(user);
  const { run_id } = await sendQuery(user, session.id);
  const script = new RunScript(session.id, run_id);
  await h.emit(script.started('offline', 'offline-echo-1'));
  await runReaches(user, session.id, run_id, 'running');
  return { session, runId: run_id, script };
}

const usageOf = async (as: TestUser, query: Record<string, string> = {}) => {
  const res = await as.api.get('/api/v1/usage', { query });
  if (res.status !== 200) throw new Error(`usage answered ${res.status}: ${res.text}`);
  return UsageResponseSchema.parse(res.body);
};

describe('setting a budget', () => {
  it('lets an admin set, read and reset a person\'s limits; defaults fill the rest, null means none', async () => {
    const ann = await h.newUser('ann');

    const put = await admin.api.put(`${BUDGETS}/${ann.id}`, { daily_tokens: 5000, monthly_cost_usd: null });

    expect(put.status).toBe(200);
    expect(BudgetSchema.parse(put.body)).toMatchObject({
      user_id: ann.id,
      limits: { daily_tokens: 5000, monthly_tokens: null, daily_cost_usd: null, monthly_cost_usd: null },
      overrides: { daily_tokens: 5000, monthly_cost_usd: null },
      defaults: { monthly_cost_usd: 100 },
      updated_by: `user:${admin.id}`,
    });
    // Ann reads her own; after a reset the default applies again.
    expect(BudgetSchema.parse((await ann.api.get(`${BUDGETS}/${ann.id}`)).body).limits.daily_tokens).toBe(5000);
    expect((await admin.api.delete(`${BUDGETS}/${ann.id}`)).status).toBe(204);
    expect(BudgetSchema.parse((await ann.api.get(`${BUDGETS}/${ann.id}`)).body)).toMatchObject({
      limits: { daily_tokens: null, monthly_cost_usd: 100 },
      overrides: {},
      updated_by: null,
    });
  });

  it('refuses others: 403 for a person setting a budget, 404 for reading someone else\'s or an unknown user', async () => {
    const bob = await h.newUser('bob');
    const carl = await h.newUser('carl');

    expect(envelope(await bob.api.put(`${BUDGETS}/${bob.id}`, { daily_tokens: 10 ** 9 })).error_code).toBe('FORBIDDEN');
    expect((await bob.api.get(`${BUDGETS}/${carl.id}`)).status).toBe(404);
    expect((await bob.api.get('/api/v1/usage', { query: { user_id: carl.id } })).status).toBe(404);
    expect((await admin.api.put(`${BUDGETS}/${randomUUID()}`, { daily_tokens: 1 })).status).toBe(404);
    expect((await admin.api.get('/api/v1/usage', { query: { user_id: randomUUID() } })).status).toBe(404);
  });

  it('answers 400 naming the field for a negative, fractional or unknown limit', async () => {
    const dan = await h.newUser('dan');

    const res = await admin.api.put(`${BUDGETS}/${dan.id}`, { daily_tokens: 1.5, monthly_cost_usd: -1, weekly_tokens: 5 });

    expect(res.status).toBe(400);
    expect((envelope(res).details as { issues: Array<{ path: string }> }).issues.map((i) => i.path).sort()).toEqual([
      'body',
      'body.daily_tokens',
      'body.monthly_cost_usd',
    ]);
  });
});

describe('spend', () => {
  it('is charged once per turn, however often its event arrives, and shows by day, model and session', async () => {
    const eve = await h.newUser('eve');
    const { session, runId, script } = await runningRun(eve);
    const first = turn(script, { input_tokens: 100, output_tokens: 20 }, 0.25, 1);
    const second = turn(script, { input_tokens: 150, output_tokens: 30 }, 0.5, 2);

    // Delivered twice (a consumer restart re-reads pending entries), the second turn also after the run ended.
    await h.emit(first, first, second, script.completed({ input_tokens: 250, output_tokens: 50 }, 0.75), second);
    await runReaches(eve, session.id, runId, 'completed');

    const usage = await usageOf(eve);
    expect(usage.totals).toEqual({ input_tokens: 250, output_tokens: 50, tokens: 300, cost_usd: 0.75, turns: 2 });
    expect(usage.by_day).toEqual([{ day: today(), input_tokens: 250, output_tokens: 50, tokens: 300, cost_usd: 0.75, turns: 2 }]);
    expect(usage.by_model).toEqual([{ provider: 'offline', model: 'offline-echo-1', input_tokens: 250, output_tokens: 50, tokens: 300, cost_usd: 0.75, turns: 2 }]);
    expect(usage.by_session).toEqual([{ session_id: session.id, name: 'A session', input_tokens: 250, output_tokens: 50, tokens: 300, cost_usd: 0.75, turns: 2 }]);
    expect(usage.budget.month).toMatchObject({ limit: { tokens: null, cost_usd: 100 }, spent: { tokens: 300, cost_usd: 0.75 }, remaining: { cost_usd: 99.25 } });
  });

  it('counts the turns of a run cancelled meanwhile, and of a session deleted since', async () => {
    const fay = await h.newUser('fay');
    const { session, runId, script } = await runningRun(fay);
    await h.emit(turn(script, { input_tokens: 40, output_tokens: 10 }, 0.1, 1));
    await eventually('the turn is recorded', () => usageOf(fay), (u) => u.totals.turns === 1);

    expect((await fay.api.post(`${SESSIONS}/${session.id}/runs/${runId}/cancel`)).status).toBe(200);
    // The runner finished its next turn just as the cancel landed: the event is dropped, the spend is not.
    await h.emit(turn(script, { input_tokens: 60, output_tokens: 15 }, 0.2, 2));
    await eventually('the late turn is charged', () => usageOf(fay), (u) => u.totals.turns === 2);
    // The cancelled run shows what its charged turns used.
    expect((await fay.api.get(`${SESSIONS}/${session.id}/runs/${runId}`)).body).toMatchObject({ status: 'cancelled', usage: { input_tokens: 40, output_tokens: 10 }, cost_usd: 0.1 });

    expect((await fay.api.delete(`${SESSIONS}/${session.id}`)).status).toBe(204);
    const usage = await usageOf(fay);
    expect(usage.totals).toMatchObject({ tokens: 125, cost_usd: 0.3, turns: 2 });
    expect(usage.by_session).toEqual([expect.objectContaining({ session_id: session.id, name: null, tokens: 125 })]);
  });

  it('lets an admin read anyone\'s usage, and refuses a backwards or too long range', async () => {
    const gus = await h.newUser('gus');

    expect((await usageOf(admin, { user_id: gus.id })).user_id).toBe(gus.id);
    expect((await gus.api.get('/api/v1/usage', { query: { from: '2026-05-02', to: '2026-05-01' } })).status).toBe(400);
    expect((await gus.api.get('/api/v1/usage', { query: { from: '2024-01-01', to: '2026-01-01' } })).status).toBe(400);
    expect((await gus.api.get('/api/v1/usage', { query: { from: '2026-02-30' } })).status).toBe(400);
  });
});

describe('a spent budget', () => {
  it('refuses the next query with 402, naming the limit, what is left and when it resets', async () => {
    const hal = await h.newUser('hal');
    await admin.api.put(`${BUDGETS}/${hal.id}`, { daily_tokens: 100 });
    const { session, runId, script } = await runningRun(hal);
    await h.emit(turn(script, { input_tokens: 90, output_tokens: 15 }, 0, 1), script.completed({ input_tokens: 90, output_tokens: 15 }, 0));
    await runReaches(hal, session.id, runId, 'completed');

    const res = await hal.api.post(`${SESSIONS}/${session.id}/query`, { message: 'more' });

    expect(res.status).toBe(402);
    const resetsAt = budgetWindow('day', new Date()).end.toISOString();
    expect(envelope(res)).toMatchObject({
      error_code: 'BUDGET_EXCEEDED',
      error: `Daily token budget spent (105 tokens of 100 tokens); it resets at ${resetsAt}`,
      details: { period: 'day', kind: 'tokens', limit: 100, spent: 105, remaining: 0, resets_at: resetsAt, budget: { day: { exceeded: true }, month: { exceeded: false } } },
    });
    expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(await h.sessions.db.run.count({ where: { sessionId: session.id } })).toBe(1);
    // Raising the limit lets the person go on at once.
    await admin.api.put(`${BUDGETS}/${hal.id}`, { daily_tokens: 1000 });
    expect((await hal.api.post(`${SESSIONS}/${session.id}/query`, { message: 'more' })).status).toBe(202);
  });

  it('is still refused after Redis lost its counters: they are rebuilt from the recorded turns', async () => {
    const ida = await h.newUser('ida');
    await admin.api.put(`${BUDGETS}/${ida.id}`, { monthly_tokens: 50 });
    const { session, runId, script } = await runningRun(ida);
    await h.emit(turn(script, { input_tokens: 50, output_tokens: 5 }, 0, 1), script.completed({ input_tokens: 50, output_tokens: 5 }, 0));
    await runReaches(ida, session.id, runId, 'completed');
    const keys = budgetKeys(h.keys.EVENTS_STREAM, ida.id);
    const month = keys.spend(budgetWindow('month', new Date()));
    await h.redis.del(month, keys.spend(budgetWindow('day', new Date())));

    const res = await ida.api.post(`${SESSIONS}/${session.id}/query`, { message: 'more' });

    expect(envelope(res)).toMatchObject({ error_code: 'BUDGET_EXCEEDED', details: { period: 'month', spent: 55 } });
    expect(await h.redis.hgetall(month)).toEqual({ tokens: '55', nano: '0' });
    // And the runners find the limits to check between turns.
    expect(await h.redis.hgetall(keys.limits)).toMatchObject({ month_tokens: '50', day_tokens: '', month_nano: String(100 * 1e9) });
  });
});
