import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { RunKeys } from './run-ledger';

/**
 * One step of a run, written atomically: the event (XADD), the ledger fields, the journal step and
 * the text cursor, and only while this attempt still owns the run (`owner` in the ledger), so an
 * attempt that lost its job lock (a paused process whose run another worker took over) can never
 * interleave events with its successor.
 *
 * KEYS: ledger, steps, text, stream.
 * ARGV: owner, ttl_s, event json ('' = none), maxlen, step key ('' = none), step json,
 *       text op ('' | 'append' | 'clear'), text, finished ('1' drops journal and text), then ledger field/value pairs.
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
local fields = {}
for i = 10, #ARGV do fields[#fields + 1] = ARGV[i] end
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

export interface RunStep {
  owner: string;
  ttlS: number;
  maxLen: number;
  event?: string;
  step?: { key: string; value: string };
  text?: { op: 'append'; text: string } | { op: 'clear' };
  finished?: boolean;
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
    ...Object.entries(s.ledger).flat(),
  ];
  const keyList = [keys.ledger, keys.steps, keys.text, keys.stream];
  try {
    await redis.evalsha(SHA, keyList.length, ...keyList, ...args);
  } catch (err) {
    if (!String((err as Error | null)?.message).startsWith('NOSCRIPT')) throw err;
    await redis.eval(APPEND_RUN_STEP, keyList.length, ...keyList, ...args);
  }
}

export const isSuperseded = (err: unknown): boolean => err instanceof Error && err.message.startsWith('SUPERSEDED');
