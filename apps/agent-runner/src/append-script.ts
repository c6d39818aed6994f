import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { RunKeys } from './run-ledger';

/**
 * One step of a run, written atomically: the event (XADD), the ledger fields, the journal step and
 * the text cursor, and only while this attempt still owns the run (`owner` in the ledger), so an
 * attempt that lost its job lock (a paused process whose run another worker took over) can never
 * interleave events with its successor.
 *
 * A finished assistant turn is charged in the same script to its person's spend counters for the day and
 * the month, and the hold the turn was started under is dropped (see budget.ts): the charge goes out with
 * the event, once, since a later attempt replays a journalled turn instead of emitting it again.
 *
 * KEYS: ledger, steps, text, stream, day spend, month spend, holds.
 * ARGV: owner, ttl_s, event json ('' = none), maxlen, step key ('' = none), step json,
 *       text op ('' | 'append' | 'clear'), text, finished ('1' drops journal and text),
 *       charge tokens ('' = no charge), charge nano-USD, day expire-at, month expire-at,
 *       release hold ('1' drops the run's hold), run id, then ledger field/value pairs.
 */
const APPEND_RUN_STEP = `
if redis.call('HGET', KEYS[1], 'owner') ~= ARGV[1] then
  return redis.error_reply('SUPERSEDED another attempt owns this run')
end
if ARGV[3] ~= '' then
  redis.call('XADD', KEYS[4], 'MAXLEN', '~', ARGV[4], '*', 'event', ARGV[3])
end
if ARGV[5] ~= '' then redis.call('HSET', KEYS[2], ARGV[5], ARGV[6]) end
if ARGV[7] == 'append' then
  redis.call('APPEND', KEYS[3], ARGV[8])
elseif ARGV[7] == 'clear' then
  redis.call('DEL', KEYS[3])
end
if ARGV[10] ~= '' then
  redis.call('HINCRBY', KEYS[5], 'tokens', ARGV[10])
  redis.call('HINCRBY', KEYS[5], 'nano', ARGV[11])
  redis.call('EXPIREAT', KEYS[5], ARGV[12])
  redis.call('HINCRBY', KEYS[6], 'tokens', ARGV[10])
  redis.call('HINCRBY', KEYS[6], 'nano', ARGV[11])
  redis.call('EXPIREAT', KEYS[6], ARGV[13])
end
if ARGV[14] == '1' then redis.call('HDEL', KEYS[7], ARGV[15]) end
local fields = {}
for i = 16, #ARGV do fields[#fields + 1] = ARGV[i] end
if #fields > 0 then redis.call('HSET', KEYS[1], unpack(fields)) end
if ARGV[9] == '1' then
  redis.call('DEL', KEYS[2], KEYS[3])
else
  redis.call('EXPIRE', KEYS[2], ARGV[2])
  redis.call('EXPIRE', KEYS[3], ARGV[2])
end
redis.call('EXPIRE', KEYS[1], ARGV[2])
return 1
`;
const SHA = createHash('sha1').update(APPEND_RUN_STEP).digest('hex');

/** A finished turn's usage, charged to its person's counters (expire-at: unix seconds). */
export interface TurnCharge {
  tokens: number;
  nano: number;
  day: { key: string; expireAt: number };
  month: { key: string; expireAt: number };
}

/** The person's budget keys a step may touch: where a charge goes, whose hold it drops. */
export interface StepBudget {
  charge?: TurnCharge;
  /** Drop the run's hold (its turn was charged, or the run ended). */
  releaseHold?: boolean;
  holds: string;
  runId: string;
}

export interface RunStep {
  owner: string;
  ttlS: number;
  maxLen: number;
  event?: string;
  step?: { key: string; value: string };
  text?: { op: 'append'; text: string } | { op: 'clear' };
  finished?: boolean;
  budget?: StepBudget;
  ledger: Record<string, string>;
}

/** Runs the append script (by SHA, loading it on first use); a SUPERSEDED reply rejects with that message. */
export async function appendRunStep(redis: Redis, keys: RunKeys, s: RunStep): Promise<void> {
  const args = [
    s.owner,
    String(s.ttlS),
    s.event ?? '',
    String(s.maxLen),
    s.step?.key ?? '',
    s.step?.value ?? '',
    s.text?.op ?? '',
    s.text?.op === 'append' ? s.text.text : '',
    s.finished ? '1' : '0',
    s.budget?.charge ? String(s.budget.charge.tokens) : '',
    s.budget?.charge ? String(s.budget.charge.nano) : '',
    String(s.budget?.charge?.day.expireAt ?? ''),
    String(s.budget?.charge?.month.expireAt ?? ''),
    s.budget?.releaseHold ? '1' : '',
    s.budget?.runId ?? '',
    ...Object.entries(s.ledger).flat(),
  ];
  // Without a budget step the three budget keys are named but untouched (a script declares every key it may use).
  const keyList = [
    keys.ledger,
    keys.steps,
    keys.text,
    keys.stream,
    s.budget?.charge?.day.key ?? keys.ledger,
    s.budget?.charge?.month.key ?? keys.ledger,
    s.budget?.holds ?? keys.ledger,
  ];
  try {
    await redis.evalsha(SHA, keyList.length, ...keyList, ...args);
  } catch (err) {
    if (!String((err as Error | null)?.message).startsWith('NOSCRIPT')) throw err;
    await redis.eval(APPEND_RUN_STEP, keyList.length, ...keyList, ...args);
  }
}

export const isSuperseded = (err: unknown): boolean => err instanceof Error && err.message.startsWith('SUPERSEDED');
