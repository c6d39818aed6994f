import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { budgetKeys, budgetWindow, limitsHash, type BudgetLimits } from '@platform/contracts';
import { closeRedis, createLogger, createRedis } from '@platform/service-kit';
import { cleanupRedisPrefix, redisPrefix, testRedisUrl } from '@platform/testing';
import { RunBudget } from '../src/budget';
import { RunEventWriter, type RunEventBody } from '../src/events';

const prefix = redisPrefix('agent-runner-budget');
const stream = `${prefix}events`;
// The real clock: spend counters expire relative to it. Every check below reads this same instant.
const NOW = new Date();
let redis: Redis;

beforeAll(() => {
  redis = createRedis(testRedisUrl(), createLogger({ service: 'budget-test', level: 'error', pretty: false }));
});
afterAll(async () => {
  await cleanupRedisPrefix(prefix, redis);
  await closeRedis(redis);
});

/** Never aborted: checks that must not wait. */
const live = new AbortController().signal;
const NO_LIMITS: BudgetLimits = { daily_tokens: null, monthly_tokens: null, daily_cost_usd: null, monthly_cost_usd: null };

/** A person with `limits` published, and a budget view of one of their runs. */
async function person(limits: Partial<BudgetLimits>, price?: { input_per_mtok: number; output_per_mtok: number }) {
  const userId = randomUUID();
  const keys = budgetKeys(stream, userId);
  await redis.hset(keys.limits, limitsHash({ ...NO_LIMITS, ...limits }));
  const budgetOf = (runId: string = randomUUID(), attempt: string = randomUUID()) =>
    new RunBudget({ redis, eventsStream: stream, userId, runId, attempt, price, minOutputTokens: 10, holdTtlMs: 60_000, now: () => NOW });
  const spent = async () => redis.hgetall(keys.spend(budgetWindow('day', NOW)));
  return { userId, keys, budgetOf, spent };
}

const assistantTurn = (input: number, output: number, costUsd: number): RunEventBody => ({
  type: 'message_complete',
  data: {
    role: 'assistant',
    content: [{ type: 'text', text: 'ok' }],
    usage: { input_tokens: input, output_tokens: output },
    turn: 1,
    stop_reason: 'end_turn',
    cost_usd: costUsd,
    ended_at: NOW.toISOString(),
  },
});

describe('the budget check before a turn', () => {
  it('grants what is left after the prompt, capped at the most the turn asked for', async () => {
    const p = await person({ daily_tokens: 1000 });

    expect(await p.budgetOf().reserve(400, 4096, live)).toEqual({ ok: true, maxTokens: 600 });
    expect(await person({}).then((q) => q.budgetOf().reserve(400, 4096, live))).toEqual({ ok: true, maxTokens: 4096 });
  });

  it('refuses a turn whose prompt leaves less than the least output worth a turn, naming the limit and when it resets', async () => {
    const p = await person({ monthly_tokens: 500 });

    expect(await p.budgetOf().reserve(495, 4096, live)).toEqual({
      ok: false,
      stop: { period: 'month', kind: 'tokens', limit: 500, spent: 0, remaining: 500, resets_at: budgetWindow('month', NOW).end.toISOString() },
    });
  });

  it('turns a cost limit into output tokens at the model price', async () => {
    // $1 per million input tokens, $10 per million output: $0.01 leaves 1000 output tokens after 0 input.
    const p = await person({ daily_cost_usd: 0.01 }, { input_per_mtok: 1, output_per_mtok: 10 });

    const run = p.budgetOf();

    expect(await run.reserve(0, 4096, live)).toEqual({ ok: true, maxTokens: 1000 });
    // 2000 input tokens cost $0.002 of it: 800 output tokens left.
    expect(await run.reserve(2000, 4096, live)).toEqual({ ok: true, maxTokens: 800 });
  });

  it('counts what the runs in flight hold: a second run waits for the first turn to be charged, then gets what is left', async () => {
    const p = await person({ daily_tokens: 1000 });
    const runA = randomUUID();
    const writerA = await RunEventWriter.open(redis, { stream, maxLen: 10_000, ledgerTtlS: 600 }, { sessionId: randomUUID(), runId: runA, userId: p.userId });
    const a = p.budgetOf(runA, writerA.attempt);
    const b = p.budgetOf();

    expect(await a.reserve(100, 4096, live)).toEqual({ ok: true, maxTokens: 900 });
    let settled = false;
    const waiting = b.reserve(100, 4096, live).finally(() => (settled = true));
    await new Promise((r) => setTimeout(r, 500));
    expect(settled).toBe(false);
    // A's turn used 150 of the 1000 it held.
    await writerA.emit(assistantTurn(120, 30, 0));

    expect(await waiting).toEqual({ ok: true, maxTokens: 750 });
  });

  it('stops waiting when the run is cancelled', async () => {
    const p = await person({ daily_tokens: 1000 });
    await p.budgetOf().reserve(100, 4096, live);
    const cancel = new AbortController();
    const waiting = p.budgetOf().reserve(100, 4096, cancel.signal);

    cancel.abort(new Error('cancelled'));

    await expect(waiting).rejects.toThrow('cancelled');
  });

  it('lets a later attempt of the same run replace its hold, and an old attempt cannot drop the new one', async () => {
    const p = await person({ daily_tokens: 1000 });
    const runId = randomUUID();
    const old = p.budgetOf(runId, 'attempt-1');
    const fresh = p.budgetOf(runId, 'attempt-2');
    // Same run: an attempt's own earlier hold never makes it wait.

    await old.reserve(100, 4096, live);
    expect(await fresh.reserve(100, 4096, live)).toEqual({ ok: true, maxTokens: 900 });
    await old.release();

    expect(await redis.hget(p.keys.holds, runId)).toMatch(/\|attempt-2$/);
  });
});

describe('charging a turn', () => {
  it('adds it to the day and month once, with its event, and drops the hold it ran under', async () => {
    const p = await person({ daily_tokens: 1000 });
    const runId = randomUUID();
    const writer = await RunEventWriter.open(redis, { stream, maxLen: 10_000, ledgerTtlS: 600 }, { sessionId: randomUUID(), runId, userId: p.userId });
    await p.budgetOf(runId, writer.attempt).reserve(100, 4096, live);

    await writer.emit({ type: 'run_started', data: { provider: 'offline', model: 'm' } });
    await writer.emit(assistantTurn(120, 30, 0.25));

    expect(await p.spent()).toEqual({ tokens: '150', nano: '250000000' });
    expect(await redis.hgetall(p.keys.spend(budgetWindow('month', NOW)))).toEqual({ tokens: '150', nano: '250000000' });
    expect(await redis.hexists(p.keys.holds, runId)).toBe(0);
    expect(await redis.ttl(p.keys.spend(budgetWindow('day', NOW)))).toBeGreaterThan(0);
    // The next turn sees it.
    expect(await p.budgetOf(runId).reserve(100, 4096, live)).toEqual({ ok: true, maxTokens: 750 });
  });

  it('charges nothing for a tool message', async () => {
    const p = await person({ daily_tokens: 1000 });
    const writer = await RunEventWriter.open(redis, { stream, maxLen: 10_000, ledgerTtlS: 600 }, { sessionId: randomUUID(), runId: randomUUID(), userId: p.userId });

    await writer.emit({ type: 'message_complete', data: { role: 'tool', content: [{ type: 'tool_result', tool_use_id: 't', content: 'x', is_error: false }], turn: 1 } });

    expect(await p.spent()).toEqual({});
  });
});
