import {
  BudgetSchema,
  RunSchema,
  TERMINAL_RUN_STATUSES,
  UsageResponseSchema,
  budgetWindow,
  type Run,
  type SessionEvent,
  type Usage,
  type UsageResponse,
} from '@platform/contracts';
import { signIn, signUp, type Session } from './support/accounts';
import { expectEnvelope } from './support/http';
import { startPlatform, waitUntil, type Platform } from './support/platform';
import { SESSIONS, createSession, eventsUntilEnd, nextEvent, openStream, replayUntilEnd, runQuery, startQuery, toolCallsOf } from './support/sessions';
import { WsClient } from './support/ws';

jest.setTimeout(120_000);

/**
 * Budgets through the gateway, every service a real process: an admin sets them, a spent budget refuses the
 * query (402), a running run stops between turns, concurrent runs share the budget, and a runner killed
 * mid-run charges each turn once. The offline model is priced here so cost budgets have something to count.
 */
const PRICE = { input_per_mtok: 1000, output_per_mtok: 2000 };
const BUDGETS = '/api/v1/budgets';
let platform: Platform;
let admin: Awaited<ReturnType<typeof signIn>>;
/** Per-turn usage of `list the files` (a tool call, then a summary) on a session holding nothing. */
let listing: { first: Usage; second: Usage };

beforeAll(async () => {
  platform = await startPlatform({
    name: 'e2e-budgets',
    sessions: true,
    runnerEnv: {
      MODEL_PRICES: JSON.stringify({ 'offline-echo-1': PRICE }),
      BUDGET_MIN_OUTPUT_TOKENS: '16',
      // 40 ms a word: runs overlap in the concurrent test, and a kill lands mid-turn.
      OFFLINE_DELAY_MS: '40',
      LOCK_DURATION_MS: '2000',
      STALLED_INTERVAL_MS: '1000',
    },
  });
  admin = await signIn(platform.api, platform.admin);
  const probe = await signUp(platform.api, 'probe');
  const session = await createSession(probe.as, { name: 'probe' });
  const run = await runQuery(probe.as, session.id, 'list the files');
  const turns = assistantTurns(await replayUntilEnd(platform.gateway.url, probe.tokens.access_token, session.id, run.id));
  listing = { first: turns[0]!, second: turns[1]! };
}, 120_000);

afterAll(async () => {
  await platform?.stop();
}, 30_000);

const tokensOf = (u: Usage) => u.input_tokens + u.output_tokens;
const costOf = (u: Usage) => (u.input_tokens * PRICE.input_per_mtok + u.output_tokens * PRICE.output_per_mtok) / 1e6;
const assistantTurns = (events: SessionEvent[]): Usage[] =>
  events.filter((e) => e.type === 'message_complete' && e.data.role === 'assistant').map((e) => e.data.usage as Usage);

async function setBudget(userId: string, body: Record<string, unknown>) {
  const res = await admin.as.put(`${BUDGETS}/${userId}`, body);
  if (res.status !== 200) throw new Error(`PUT budget answered ${res.status}: ${res.text}`);
  return BudgetSchema.parse(res.body);
}

async function usageOf(as: Session['as'], userId?: string): Promise<UsageResponse> {
  const res = await as.get('/api/v1/usage', { query: userId ? { user_id: userId } : {} });
  if (res.status !== 200) throw new Error(`usage answered ${res.status}: ${res.text}`);
  return UsageResponseSchema.parse(res.body);
}

/** Waits until `runId` has ended and returns it. */
async function ended(as: Session['as'], sessionId: string, runId: string): Promise<Run> {
  let run: Run | undefined;
  await waitUntil(
    `run ${runId} ends`,
    async () => {
      run = RunSchema.parse((await as.get(`${SESSIONS}/${sessionId}/runs/${runId}`)).body);
      return TERMINAL_RUN_STATUSES.includes(run.status);
    },
    60_000,
    100,
  );
  return run!;
}

describe('a spent budget', () => {
  it('refuses the next query with 402 naming the limit, what is left and when it resets, over HTTP and WebSocket', async () => {
    const ann = await signUp(platform.api, 'ann');
    const session = await createSession(ann.as, { name: 'greetings' });
    const first = await runQuery(ann.as, session.id, 'hello');
    const spent = tokensOf(first.usage);
    await setBudget(ann.user.id, { daily_tokens: spent });

    const res = await ann.as.post(`${SESSIONS}/${session.id}/query`, { message: 'hello again' });

    const resetsAt = budgetWindow('day', new Date()).end.toISOString();
    const refusal = expectEnvelope(res, 402, 'BUDGET_EXCEEDED');
    expect(refusal.error).toBe(`Daily token budget spent (${spent} tokens of ${spent} tokens); it resets at ${resetsAt}`);
    expect(refusal.details).toMatchObject({ period: 'day', kind: 'tokens', limit: spent, spent, remaining: 0, resets_at: resetsAt });
    const retryAfter = Number(res.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(86_400);
    // The same refusal on the session's WebSocket.
    const ws = await WsClient.connect(`${platform.gateway.url}${SESSIONS}/${session.id}/stream`, { authorization: `Bearer ${ann.tokens.access_token}` });
    try {
      ws.send({ type: 'query', message: 'over the socket' });
      expect(await ws.next()).toMatchObject({ type: 'error', error_code: 'BUDGET_EXCEEDED', details: { period: 'day', kind: 'tokens', remaining: 0 } });
    } finally {
      await ws.close();
    }
  });

  it('counts dollars as well: a cost budget spent is a 402 of kind cost_usd', async () => {
    const bea = await signUp(platform.api, 'bea');
    const session = await createSession(bea.as, { name: 'priced' });
    const first = await runQuery(bea.as, session.id, 'hello');
    expect(first.cost_usd).toBeCloseTo(costOf(first.usage), 9);
    await setBudget(bea.user.id, { monthly_cost_usd: first.cost_usd });

    const refusal = expectEnvelope(await bea.as.post(`${SESSIONS}/${session.id}/query`, { message: 'more' }), 402, 'BUDGET_EXCEEDED');

    expect(refusal.details).toMatchObject({ period: 'month', kind: 'cost_usd', limit: first.cost_usd, remaining: 0, resets_at: budgetWindow('month', new Date()).end.toISOString() });
  });
});

describe('a run that would overspend', () => {
  it('stops between turns with run_completed stop_reason budget_exceeded, after the tool call of the turn it finished', async () => {
    const cy = await signUp(platform.api, 'cy');
    // Room for the first turn, not for the second turn's prompt.
    const limit = tokensOf(listing.first) + listing.second.input_tokens - 1;
    await setBudget(cy.user.id, { daily_tokens: limit });
    const session = await createSession(cy.as, { name: 'tight' });
    const stream = await openStream(platform.gateway.url, cy.tokens.access_token, session.id);
    try {
      const { run_id: runId } = await startQuery(cy.as, session.id, 'list the files');

      const events = await eventsUntilEnd(stream, runId, 30_000);

      const end = events.at(-1)!;
      expect(end).toMatchObject({
        type: 'run_completed',
        data: {
          stop_reason: 'budget_exceeded',
          turns: 1,
          usage: listing.first,
          budget: { period: 'day', kind: 'tokens', limit, spent: tokensOf(listing.first), remaining: limit - tokensOf(listing.first) },
        },
      });
      expect(events.map((e) => e.type).filter((t) => t === 'message_complete')).toHaveLength(2);
      expect((await toolCallsOf(cy.as, session.id)).map((c) => [c.tool, c.status])).toEqual([['list_files', 'succeeded']]);
      expect((await cy.as.get(`${SESSIONS}/${session.id}/runs/${runId}`)).body).toMatchObject({ status: 'completed', stop_reason: 'budget_exceeded', turns: 1 });
    } finally {
      stream.close();
    }
    // Some budget is left, so the next query is accepted; it stops before its first turn: its prompt does not fit.
    const next = await runQuery(cy.as, session.id, 'list the files');
    expect(next).toMatchObject({ status: 'completed', stop_reason: 'budget_exceeded', turns: 0, usage: { input_tokens: 0, output_tokens: 0 } });
    expect((await usageOf(cy.as)).totals.tokens).toBe(tokensOf(listing.first));
  });
});

describe('concurrent runs of one person', () => {
  it('share the budget: together they never spend more than it, and the runs it does not cover stop', async () => {
    const dee = await signUp(platform.api, 'dee');
    const run = tokensOf(listing.first) + tokensOf(listing.second);
    // Two and a half runs' worth for four runs at once.
    const limit = Math.floor(run * 2.5);
    await setBudget(dee.user.id, { daily_tokens: limit });
    const sessions = await Promise.all([1, 2, 3, 4].map((i) => createSession(dee.as, { name: `parallel ${i}` })));

    const accepted = await Promise.all(sessions.map((s) => startQuery(dee.as, s.id, 'list the files')));
    const runs = await Promise.all(accepted.map((a, i) => ended(dee.as, sessions[i]!.id, a.run_id)));

    const spent = runs.reduce((sum, r) => sum + tokensOf(r.usage), 0);
    expect(spent).toBeLessThanOrEqual(limit);
    expect(runs.map((r) => r.status)).toEqual(['completed', 'completed', 'completed', 'completed']);
    expect(runs.filter((r) => r.stop_reason === 'end_turn').length).toBeGreaterThanOrEqual(2);
    expect(runs.filter((r) => r.stop_reason === 'budget_exceeded').length).toBeGreaterThanOrEqual(1);
    const usage = await usageOf(dee.as);
    expect(usage.totals.tokens).toBe(spent);
    expect(usage.budget.day.spent.tokens).toBe(spent);
    expect(usage.by_session.map((s) => s.session_id).sort()).toEqual(sessions.filter((_, i) => tokensOf(runs[i]!.usage) > 0).map((s) => s.id).sort());
  });
});

describe('spend across a runner crash', () => {
  it('charges each turn exactly once when the runner is killed mid-run and another attempt finishes it', async () => {
    const eli = await signUp(platform.api, 'eli');
    await setBudget(eli.user.id, { daily_tokens: 1_000_000, daily_cost_usd: 1000 });
    const session = await createSession(eli.as, { name: 'crash' });
    const stream = await openStream(platform.gateway.url, eli.tokens.access_token, session.id);
    let runId: string;
    try {
      runId = (await startQuery(eli.as, session.id, 'list the files')).run_id;
      // Kill it while the second turn streams: the first is charged, the second was not finished.
      let seenTurns = 0;
      for (;;) {
        const e = await nextEvent(stream, 30_000);
        if (e.type === 'message_complete' && e.data.role === 'assistant') seenTurns++;
        if (seenTurns === 1 && e.type === 'text_delta') break;
      }
      await platform.runner!.kill();
      await platform.runner!.restart();
      await eventsUntilEnd(stream, runId, 60_000);
    } finally {
      stream.close();
    }

    const run = await ended(eli.as, session.id, runId);
    expect(run).toMatchObject({ status: 'completed', stop_reason: 'end_turn', turns: 2, usage: { input_tokens: listing.first.input_tokens + listing.second.input_tokens } });
    const usage = await usageOf(eli.as);
    // The records, Redis' counters (budget.spent is the larger of the two) and the run agree: nothing twice.
    expect(usage.totals).toMatchObject({ tokens: tokensOf(run.usage), turns: 2 });
    expect(usage.totals.cost_usd).toBeCloseTo(run.cost_usd, 9);
    expect(usage.budget.day.spent.tokens).toBe(tokensOf(run.usage));
    expect(usage.budget.day.spent.cost_usd).toBeCloseTo(run.cost_usd, 9);
  });
});

describe('the usage report', () => {
  it('shows a person their spend and what is left by day, model and session; admins may ask for anyone', async () => {
    const flo = await signUp(platform.api, 'flo');
    await setBudget(flo.user.id, { daily_tokens: 1_000_000, monthly_cost_usd: 500 });
    const [a, b] = await Promise.all([createSession(flo.as, { name: 'alpha' }), createSession(flo.as, { name: 'beta' })]);
    const runA = await runQuery(flo.as, a.id, 'hello');
    const runB = await runQuery(flo.as, b.id, 'list the files');
    const tokens = tokensOf(runA.usage) + tokensOf(runB.usage);
    const cost = runA.cost_usd + runB.cost_usd;

    const usage = await usageOf(flo.as);

    const today = new Date().toISOString().slice(0, 10);
    expect(usage).toMatchObject({ user_id: flo.user.id, timezone: 'UTC', to: today, totals: { tokens, turns: 3 } });
    expect(usage.by_day).toEqual([expect.objectContaining({ day: today, tokens, turns: 3 })]);
    expect(usage.by_model).toEqual([expect.objectContaining({ provider: 'offline', model: 'offline-echo-1', tokens })]);
    expect(usage.by_session.map((s) => [s.name, s.tokens]).sort()).toEqual([['alpha', tokensOf(runA.usage)], ['beta', tokensOf(runB.usage)]].sort());
    expect(usage.budget.day).toMatchObject({ limit: { tokens: 1_000_000, cost_usd: null }, spent: { tokens }, remaining: { tokens: 1_000_000 - tokens, cost_usd: null }, exceeded: false });
    expect(usage.budget.month.remaining.cost_usd).toBeCloseTo(500 - cost, 6);
    expect((await usageOf(admin.as, flo.user.id)).totals).toEqual(usage.totals);
    expect((await flo.as.get('/api/v1/usage', { query: { user_id: (await signUp(platform.api, 'other')).user.id } })).status).toBe(404);
  });

  it('lets only admins set budgets: 403 for a person, 404 for an unknown user', async () => {
    const gil = await signUp(platform.api, 'gil');

    expectEnvelope(await gil.as.put(`${BUDGETS}/${gil.user.id}`, { daily_tokens: 10 ** 12 }), 403, 'FORBIDDEN');
    expectEnvelope(await admin.as.put(`${BUDGETS}/00000000-0000-4000-8000-000000000000`, { daily_tokens: 1 }), 404, 'NOT_FOUND');
    expect(BudgetSchema.parse((await gil.as.get(`${BUDGETS}/${gil.user.id}`)).body).limits.daily_tokens).toBeNull();
  });
});
