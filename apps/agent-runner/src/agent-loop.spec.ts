import { ProviderError } from './providers/types';
import type { RunHook } from './hooks';
import { FakeTools, callTool, reply, setup, usage } from '../tests/support/loop-fixtures';

describe('runAgentLoop', () => {
  it('runs model, tool and model again, emitting every step in order with totals at the end', async () => {
    const { events, provider, run } = setup([callTool('t1', 'list_files'), reply('Found it.')]);
    const outcome = await run();
    expect(events.types()).toEqual([
      'run_started',
      'text_delta',
      'text_delta',
      'message_complete',
      'tool_use',
      'tool_result',
      'message_complete',
      'text_delta',
      'text_delta',
      'message_complete',
      'run_completed',
    ]);
    expect(events.events[3]).toMatchObject({ data: { role: 'assistant', turn: 1, stop_reason: 'tool_use', usage } });
    expect(events.events[4]).toEqual({
      type: 'tool_use',
      data: {
        tool_use_id: 't1',
        tool: 'list_files',
        input: {},
        decision: 'allow',
        decided_by: 'mode:default',
        reason: null,
      },
    });
    expect(events.events[6]).toMatchObject({ data: { role: 'tool', turn: 1 } });
    expect(outcome).toEqual({
      status: 'completed',
      stopReason: 'end_turn',
      usage: { input_tokens: 20, output_tokens: 10 },
      costUsd: 0.02,
      turns: 2,
    });
    expect(events.events.at(-1)).toEqual({
      type: 'run_completed',
      data: { usage: { input_tokens: 20, output_tokens: 10 }, cost_usd: 0.02, turns: 2, stop_reason: 'end_turn' },
    });
    // The second call sees the first answer and the tool result.
    expect(provider.requests[1]?.messages.map((m) => m.role)).toEqual(['user', 'assistant', 'tool']);
    expect(provider.requests.map((r) => r.requestId)).toEqual([
      '5d6f4a6e-2f0b-4c39-9a59-3c7d7f0d1e01:1',
      '5d6f4a6e-2f0b-4c39-9a59-3c7d7f0d1e01:2',
    ]);
  });

  it('stops after max_turns model calls, still answering the last tool calls so the history stays valid', async () => {
    const { events, provider, run } = setup(
      [callTool('a', 'list_files'), callTool('b', 'list_files'), callTool('c', 'list_files')],
      { input: { maxTurns: 2 } },
    );
    const outcome = await run();
    expect(provider.requests).toHaveLength(2);
    expect(outcome).toMatchObject({ status: 'completed', stopReason: 'max_turns', turns: 2 });
    expect(events.types().slice(-2)).toEqual(['message_complete', 'run_completed']);
    expect(events.events.at(-2)).toMatchObject({ data: { role: 'tool' } });
  });

  it('records a call the policy denies with its reason, does not run it, and tells the model', async () => {
    const { events, provider, tools, run } = setup(
      [callTool('w1', 'write_file', { path: 'a', content: 'b' }), reply('Understood.')],
      { input: { policy: { mode: 'bypass', allowedTools: [], disallowedTools: ['write_file'] } } },
    );
    await run();
    expect(tools.executed).toEqual([]);
    expect(events.events.find((e) => e.type === 'tool_use')).toMatchObject({
      data: { decision: 'deny', decided_by: 'disallowed_tools', reason: expect.stringMatching(/disallowed_tools/) },
    });
    expect(events.events.find((e) => e.type === 'tool_result')).toEqual({
      type: 'tool_result',
      data: {
        tool_use_id: 'w1',
        output: expect.stringMatching(/^Permission denied: write_file is in/),
        is_error: true,
      },
    });
    expect(provider.requests[1]?.messages.at(-1)?.content[0]).toMatchObject({
      type: 'tool_result',
      tool_use_id: 'w1',
      is_error: true,
      content: expect.stringMatching(/Permission denied/),
    });
  });

  it('reports a failing tool to the model as an error result and carries on', async () => {
    const tools = new FakeTools({ list_files: { output: 'No such directory: nope', isError: true } });
    const { events, provider, run } = setup([callTool('t1', 'list_files', { path: 'nope' }), reply('Gone.')], {
      tools,
    });
    const outcome = await run();
    expect(outcome.status).toBe('completed');
    expect(events.events.find((e) => e.type === 'tool_result')).toMatchObject({
      data: { is_error: true, output: 'No such directory: nope' },
    });
    expect(provider.requests[1]?.messages.at(-1)?.content[0]).toMatchObject({ is_error: true });
  });

  it('ends a run whose model call fails with exactly one run_failed carrying the totals so far', async () => {
    const { events, run } = setup([
      callTool('t1', 'list_files'),
      new ProviderError('offline', 'model answered 400: bad request', { retryable: false }),
    ]);
    const outcome = await run();
    expect(outcome).toEqual({
      status: 'failed',
      error: 'model answered 400: bad request',
      usage,
      costUsd: 0.01,
      turns: 1,
    });
    expect(events.terminal()).toEqual([
      { type: 'run_failed', data: { error: 'model answered 400: bad request', usage, cost_usd: 0.01, turns: 1 } },
    ]);
  });

  it('throws without a terminal event when the error is to be retried', async () => {
    const transient = new ProviderError('offline', 'overloaded', { retryable: true });
    const first = setup([transient], { input: { shouldRetry: () => true } });
    await expect(first.run()).rejects.toBe(transient);
    expect(first.events.terminal()).toEqual([]);
  });

  it('throws the abort without a terminal event when the run is aborted', async () => {
    const tools = new FakeTools();
    const { events, run, controller } = setup([callTool('t1', 'list_files'), reply('never')], { tools });
    const spy = jest.spyOn(tools, 'execute').mockImplementation(async () => {
      controller.abort(new Error('shutting down'));
      throw new Error('aborted');
    });
    await expect(run()).rejects.toThrow('aborted');
    expect(spy).toHaveBeenCalledTimes(1);
    expect(events.terminal()).toEqual([]);
  });

  it('does not offer disallowed tools to the model', async () => {
    const tools = new FakeTools();
    const specs = jest.spyOn(tools, 'specs');
    await setup([reply('hi')], {
      tools,
      input: { policy: { mode: 'default', allowedTools: [], disallowedTools: ['write_file'] } },
    }).run();
    expect(specs).toHaveBeenCalledWith(['write_file']);
  });

  it('calls the hook points around every model query and tool call, with the decision the event records', async () => {
    const calls: string[] = [];
    const recorder: RunHook = {
      name: 'recorder',
      beforeQuery: (_r, q) => void calls.push(`before_query:${q.turn}`),
      afterQuery: (r, q) => void calls.push(`after_query:${q.turn}:${q.stopReason}:cost=${r.totals.costUsd}`),
      beforeTool: (_r, t) => void calls.push(`before_tool:${t.call.name}:${t.decision.decided_by}`),
      afterTool: (_r, t) => void calls.push(`after_tool:${t.call.name}:${t.outcome.output}`),
    };
    const { run } = setup([callTool('t1', 'list_files'), reply('Found it.')], { hooks: [recorder] });
    await run();
    expect(calls).toEqual([
      'before_query:1',
      'after_query:1:tool_use:cost=0.01',
      'before_tool:list_files:mode:default',
      'after_tool:list_files:list_files ok',
      'before_query:2',
      'after_query:2:end_turn:cost=0.02',
    ]);
  });

  it('keeps running when a hook throws', async () => {
    const broken: RunHook = {
      name: 'broken',
      afterQuery: () => {
        throw new Error('hook bug');
      },
    };
    await expect(setup([reply('hi')], { hooks: [broken] }).run()).resolves.toMatchObject({ status: 'completed' });
  });
});

describe('runAgentLoop with a budget', () => {
  const stop = { period: 'day' as const, kind: 'tokens' as const, limit: 40, spent: 38, remaining: 2, resets_at: '2026-01-02T00:00:00.000Z' };

  it('asks the budget before each turn, caps the turn at what it grants, and stops between turns with budget_exceeded', async () => {
    const asked: Array<[number, number]> = [];
    const budget = {
      reserve: async (input: number, max: number) => {
        asked.push([input, max]);
        return asked.length === 1 ? { ok: true as const, maxTokens: 30 } : { ok: false as const, stop };
      },
    };
    const { events, provider, run } = setup([callTool('t1', 'list_files'), reply('never asked')], { budget });

    const outcome = await run();

    expect(provider.requests.map((r) => r.maxTokens)).toEqual([30]);
    // Each time with the prompt it is about to send (estimated) and the most it would let the model write.
    expect(asked).toHaveLength(2);
    expect(asked[0]![1]).toBe(100);
    expect(asked[1]![0]).toBeGreaterThan(asked[0]![0]);
    expect(events.types().slice(-3)).toEqual(['tool_result', 'message_complete', 'run_completed']);
    expect(events.events.at(-1)).toEqual({
      type: 'run_completed',
      data: { usage, cost_usd: 0.01, turns: 1, stop_reason: 'budget_exceeded', budget: stop },
    });
    expect(outcome).toMatchObject({ status: 'completed', stopReason: 'budget_exceeded', budget: stop, turns: 1 });
  });

  it('prices each turn and says when it ended in its message_complete (what the budget is charged)', async () => {
    const { events, run } = setup([reply('hello')], { now: () => Date.parse('2026-03-04T05:06:07.000Z') });

    await run();

    expect(events.events.find((e) => e.type === 'message_complete')).toMatchObject({
      data: { role: 'assistant', usage, cost_usd: 0.01, ended_at: '2026-03-04T05:06:07.000Z' },
    });
  });
});
