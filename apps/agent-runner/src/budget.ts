import { createHash } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Redis } from 'ioredis';
import { budgetKeys, budgetWindow, fromNanoUsd, type BudgetKind, type BudgetPeriod, type BudgetStop } from '@platform/contracts';
import type { ModelPrice } from './pricing';
import { EventStoreError } from './errors';
import type { ConversationMessage, ToolSpec } from './providers/types';

/**
 * Before a turn: whether the person's budget leaves room for it and, if so, how many output tokens the
 * model may use, held for this run until the turn is charged (the event writer's script charges it and
 * drops the hold) so that concurrent runs of the person see it. No limits (or none published): nothing to
 * check and nothing held.
 *
 * KEYS: limits, day spend, month spend, holds.
 * ARGV: run id, attempt, input tokens, least output worth a turn, most output, nano-USD per input token,
 *       nano-USD per output token, hold ttl ms.
 * Returns {'ok', max output}, {'busy'} when only what other runs' turns in flight hold stands in the way,
 * or {'refused', period, kind, limit, spent} (limits and spend as stored) when the budget itself is spent.
 */
const RESERVE = `
local lim = redis.call('HMGET', KEYS[1], 'day_tokens', 'day_nano', 'month_tokens', 'month_nano')
local any = false
for i = 1, 4 do if lim[i] and lim[i] ~= '' then any = true end end
if not any then return {'ok', ARGV[5]} end
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000 + math.floor(tonumber(clock[2]) / 1000)
local heldT, heldN = 0, 0
local holds = redis.call('HGETALL', KEYS[4])
for i = 1, #holds, 2 do
  local t, n, exp = string.match(holds[i + 1], '^(%d+)|(%d+)|(%d+)|')
  if not exp or tonumber(exp) <= now then
    redis.call('HDEL', KEYS[4], holds[i])
  elseif holds[i] ~= ARGV[1] then
    heldT = heldT + tonumber(t)
    heldN = heldN + tonumber(n)
  end
end
local input, least, out = tonumber(ARGV[3]), tonumber(ARGV[4]), tonumber(ARGV[5])
local pin, pout = tonumber(ARGV[6]), tonumber(ARGV[7])
local spend = { redis.call('HMGET', KEYS[2], 'tokens', 'nano'), redis.call('HMGET', KEYS[3], 'tokens', 'nano') }
local names = { {'day', 'tokens'}, {'day', 'cost_usd'}, {'month', 'tokens'}, {'month', 'cost_usd'} }
-- The output a limit leaves room for when avail is what is left of it (-1: not even the prompt fits).
local function capOf(tokens, avail)
  if avail <= 0 then return -1 end
  if tokens then return avail - input end
  local left = avail - input * pin
  if left <= 0 then return -1 elseif pout > 0 then return math.floor(left / pout) else return out end
end
local busy = false
for i = 1, 4 do
  local raw = lim[i]
  if raw and raw ~= '' then
    local limit = tonumber(raw)
    local s = spend[math.floor((i + 1) / 2)]
    local tokens = (i % 2 == 1)
    local spent, held
    if tokens then spent, held = tonumber(s[1] or '0') or 0, heldT else spent, held = tonumber(s[2] or '0') or 0, heldN end
    -- Spent: no turn can ever fit. Only held by turns in flight: one may once they are charged.
    if capOf(tokens, limit - spent) < least then return {'refused', names[i][1], names[i][2], raw, string.format('%d', spent)} end
    local cap = capOf(tokens, limit - spent - held)
    if cap < least then busy = true elseif cap < out then out = cap end
  end
end
if busy then return {'busy'} end
local holdT = input + out
local holdN = math.ceil(input * pin + out * pout)
local ttl = tonumber(ARGV[8])
redis.call('HSET', KEYS[4], ARGV[1], string.format('%d|%d|%d|%s', holdT, holdN, now + ttl, ARGV[2]))
redis.call('PEXPIRE', KEYS[4], ttl)
return {'ok', string.format('%d', out)}
`;
const RESERVE_SHA = createHash('sha1').update(RESERVE).digest('hex');

// Drops this attempt's hold (not a later attempt's). KEYS: holds. ARGV: run id, attempt.
const RELEASE = `
local v = redis.call('HGET', KEYS[1], ARGV[1])
if v and string.sub(v, -string.len(ARGV[2])) == ARGV[2] then redis.call('HDEL', KEYS[1], ARGV[1]) end
return 1
`;

/** What a turn may do: use up to `maxTokens` of output, or not start at all (`stop`). */
export type TurnGrant = { ok: true; maxTokens: number } | { ok: false; stop: BudgetStop };

/** The budget check the agent loop makes before each model call; none when the runner has no budget to check. */
export interface TurnBudget {
  /** Waits (until `signal` aborts) while other runs' turns in flight hold what this one needs. */
  reserve(inputTokens: number, maxTokens: number, signal: AbortSignal): Promise<TurnGrant>;
}

export interface RunBudgetOptions {
  redis: Redis;
  eventsStream: string;
  userId: string;
  runId: string;
  /** This attempt's id (its holds are its own). */
  attempt: string;
  /** The run's model price; undefined: the model costs nothing. */
  price: ModelPrice | undefined;
  /** A turn is not started for fewer output tokens than this (its answer would be cut off at once). */
  minOutputTokens: number;
  /** A hold lapses after this (a runner that died mid-turn does not keep it). */
  holdTtlMs: number;
  /** How often a turn waiting for other runs' holds looks again. */
  pollMs?: number;
  now?: () => Date;
}

/** One attempt's view of its person's budget in Redis (keys in contracts' `budgetKeys`). */
export class RunBudget implements TurnBudget {
  private readonly keys;

  constructor(private readonly o: RunBudgetOptions) {
    this.keys = budgetKeys(o.eventsStream, o.userId);
  }

  async reserve(inputTokens: number, maxTokens: number, signal: AbortSignal): Promise<TurnGrant> {
    const now = this.o.now?.() ?? new Date();
    const perToken = (perMtok: number | undefined) => String(((perMtok ?? 0) * 1e9) / 1e6);
    const keyList = [this.keys.limits, this.keys.spend(budgetWindow('day', now)), this.keys.spend(budgetWindow('month', now)), this.keys.holds];
    const args = [
      this.o.runId,
      this.o.attempt,
      String(inputTokens),
      String(Math.min(this.o.minOutputTokens, maxTokens)),
      String(maxTokens),
      perToken(this.o.price?.input_per_mtok),
      perToken(this.o.price?.output_per_mtok),
      String(this.o.holdTtlMs),
    ];
    const ask = async () => {
      try {
        return (await evalCached(this.o.redis, RESERVE, RESERVE_SHA, keyList, args)) as string[];
      } catch (err) {
        // Redis away: the turn is tried again later (as a failed event write is), never started unchecked.
        throw new EventStoreError('the budget could not be checked', err);
      }
    };
    let reply = await ask();
    // Another run of the person holds what is left for a turn in flight: its charge (usually smaller) or its
    // end frees it. Wait rather than stop this run for a budget that may well cover it.
    while (reply[0] === 'busy') {
      // An abort ends the wait with the run's own reason (a cancel, a shutdown), as everywhere in the loop.
      await sleep(this.o.pollMs ?? 200, undefined, { signal }).catch(() => undefined);
      if (signal.aborted) throw signal.reason;
      reply = await ask();
    }
    if (reply[0] === 'ok') return { ok: true, maxTokens: Number(reply[1]) };
    const [, period, kind, rawLimit, rawSpent] = reply as [string, BudgetPeriod, BudgetKind, string, string];
    const asAmount = (v: string) => (kind === 'tokens' ? Number(v) : fromNanoUsd(Number(v)));
    const limit = asAmount(rawLimit);
    const spent = asAmount(rawSpent);
    return {
      ok: false,
      stop: { period, kind, limit, spent, remaining: Math.max(0, Math.round((limit - spent) * 1e9) / 1e9), resets_at: budgetWindow(period, now).end.toISOString() },
    };
  }

  /** Drops what this attempt holds (it stops without finishing its turn: cancelled, parked, handed back, retried). */
  async release(): Promise<void> {
    await this.o.redis.eval(RELEASE, 1, this.keys.holds, this.o.runId, this.o.attempt);
  }
}

/** Tokens a prompt is estimated at, before the model counts it: about four characters per token. */
export function estimatePromptTokens(system: string, messages: readonly ConversationMessage[], tools: readonly ToolSpec[]): number {
  return Math.ceil(JSON.stringify({ system, messages, tools }).length / 4);
}

async function evalCached(redis: Redis, script: string, sha: string, keys: string[], args: string[]): Promise<unknown> {
  try {
    return await redis.evalsha(sha, keys.length, ...keys, ...args);
  } catch (err) {
    if (!String((err as Error | null)?.message).startsWith('NOSCRIPT')) throw err;
    return redis.eval(script, keys.length, ...keys, ...args);
  }
}
