import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { closeRedis, createLogger, createRedis } from '@platform/service-kit';
import { cleanupRedisPrefix, redisPrefix, testRedisUrl } from '@platform/testing';
import { RunEventWriter, type RunEventBody } from '../src/events';
import { SupersededError } from '../src/errors';
import { runKeys } from '../src/run-ledger';

const prefix = redisPrefix('agent-runner-ledger');
const stream = `${prefix}events`;
const options = { stream, maxLen: 10_000, ledgerTtlS: 600 };
let redis: Redis;

beforeAll(() => {
  redis = createRedis(testRedisUrl(), createLogger({ service: 'ledger-test', level: 'error', pretty: false }));
});
afterAll(async () => {
  await cleanupRedisPrefix(prefix, redis);
  await closeRedis(redis);
});

const open = (runId: string) => RunEventWriter.open(redis, options, { sessionId: randomUUID(), runId });
const turn = (text: string): Extract<RunEventBody, { type: 'message_complete' }> => ({
  type: 'message_complete',
  data: {
    role: 'assistant',
    content: [
      { type: 'text', text },
      { type: 'tool_use', id: 'toolu_1', name: 'list_files', input: {} },
    ],
    usage: { input_tokens: 3, output_tokens: 2 },
    turn: 1,
    stop_reason: 'tool_use',
  },
});

describe('the run ledger and journal', () => {
  it('journals each step with its event, so the next attempt knows what went out', async () => {
    const runId = randomUUID();
    const first = await open(runId);
    await first.emit({ type: 'run_started', data: { provider: 'offline', model: 'm' } });
    await first.emit({ type: 'text_delta', data: { text: 'Listing ' } });
    await first.emit({ type: 'text_delta', data: { text: 'files.' } });
    await first.emit(turn('Listing files.'));
    await first.emit({
      type: 'tool_use',
      data: {
        tool_use_id: 'toolu_1',
        tool: 'list_files',
        input: {},
        decision: 'allow',
        decided_by: 'mode:default',
        reason: null,
      },
    });
    await first.emit({ type: 'text_delta', data: { text: 'never finished' } });

    const next = await open(runId);
    expect(next.ledger).toMatchObject({ nextSeq: 6, turns: 1, started: true, terminal: false });
    expect(next.journal.started).toBe(true);
    expect(next.journal.turn(1)).toEqual({
      content: turn('Listing files.').data.content,
      usage: { input_tokens: 3, output_tokens: 2 },
      stopReason: 'tool_use',
    });
    expect(next.journal.toolUse(1, 'toolu_1')).toEqual({ decision: 'allow', decided_by: 'mode:default', reason: null });
    expect(next.journal.toolResult(1, 'toolu_1')).toBeUndefined();
    // Only the text of the turn that did not finish is kept.
    expect(next.journal.pendingText).toBe('never finished');
  });

  it('drops the journal once the run ended, keeping the ledger that says so', async () => {
    const runId = randomUUID();
    const writer = await open(runId);
    await writer.emit({ type: 'text_delta', data: { text: 'hi' } });
    await writer.emit({
      type: 'run_completed',
      data: { usage: { input_tokens: 0, output_tokens: 0 }, cost_usd: 0, turns: 0, stop_reason: 'end_turn' },
    });
    const keys = runKeys(stream, runId);
    expect(await redis.exists(keys.steps, keys.text)).toBe(0);
    expect(await redis.hget(keys.ledger, 'terminal')).toBe('1');
    expect(await redis.ttl(keys.ledger)).toBeGreaterThan(500);
  });

  it('fences off an attempt once a newer one opened the run: its writes fail and write nothing', async () => {
    const runId = randomUUID();
    const stale = await open(runId);
    await stale.emit({ type: 'run_started', data: { provider: 'offline', model: 'm' } });
    const current = await open(runId);

    await expect(stale.emit({ type: 'text_delta', data: { text: 'zombie' } })).rejects.toBeInstanceOf(SupersededError);
    await current.emit({ type: 'text_delta', data: { text: 'live' } });

    const entries = await redis.xrange(stream, '-', '+');
    const events = entries
      .map(([, fields]) => JSON.parse(fields[1] ?? '{}') as { run_id: string; run_seq: number; data: unknown })
      .filter((e) => e.run_id === runId);
    expect(events.map((e) => [e.run_seq, e.data])).toEqual([
      [0, { provider: 'offline', model: 'm' }],
      [1, { text: 'live' }],
    ]);
  });
});
