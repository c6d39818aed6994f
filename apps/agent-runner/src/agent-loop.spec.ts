import type { TextBlock, ToolUseBlock } from '@platform/contracts';
import { runAgentLoop, type AgentLoopDeps, type AgentLoopInput } from './agent-loop';
import type { EventSink, RunEventBody } from './events';
import { ProviderError, type ModelProvider, type TurnRequest, type TurnResult } from './providers/types';
import type { ToolExecutor, ToolOutcome } from './tools/registry';
import type { ToolKind } from './tools/types';

type Step = TurnResult | Error;

/** A model that plays back scripted turns, streaming each turn's text in two pieces, and records what it was sent. */
class ScriptedProvider implements ModelProvider {
  readonly name = 'offline' as const;
  readonly requests: TurnRequest[] = [];
  constructor(private readonly steps: Step[]) {}

  async streamTurn(req: TurnRequest): Promise<TurnResult> {
    this.requests.push({ ...req, messages: structuredClone(req.messages) });
    const step = this.steps.shift() ?? reply('(script ended)');
    if (step instanceof Error) throw step;
    for (const block of step.content) {
      if (block.type === 'text') {
        const half = Math.ceil(block.text.length / 2);
        await req.onText(block.text.slice(0, half));
        await req.onText(block.text.slice(half));
      }
    }
    return step;
  }
}

const usage = { input_tokens: 10, output_tokens: 5 };
const reply = (text: string): TurnResult => ({ content: [{ type: 'text', text }], usage, stopReason: 'end_turn' });
const callTool = (id: string, name: string, input: Record<string, unknown> = {}): TurnResult => ({
  content: [
    { type: 'text', text: `Calling ${name}.` } satisfies TextBlock,
    { type: 'tool_use', id, name, input } satisfies ToolUseBlock,
  ],
  usage,
  stopReason: 'tool_use',
});

class FakeTools implements ToolExecutor {
  readonly executed: string[] = [];
  constructor(private readonly outcomes: Record<string, ToolOutcome | Error> = {}) {}
  specs() {
    return [{ name: 'list_files', description: 'list', inputSchema: { type: 'object' } }];
  }
  kindOf(name: string): ToolKind | undefined {
    return ({ list_files: 'read', read_file: 'read', write_file: 'write' } as Record<string, ToolKind>)[name];
  }
  async execute(name: string): Promise<ToolOutcome> {
    this.executed.push(name);
    const outcome = this.outcomes[name] ?? { output: `${name} ok`, isError: false };
    if (outcome instanceof Error) throw outcome;
    return outcome;
  }
}

class MemorySink implements EventSink {
  readonly events: RunEventBody[] = [];
  async emit(event: RunEventBody): Promise<void> {
    this.events.push(event);
  }
  types(): string[] {
    return this.events.map((e) => e.type);
  }
  terminal(): RunEventBody[] {
    return this.events.filter((e) => e.type === 'run_completed' || e.type === 'run_failed');
  }
}

function setup(steps: Step[], over: Partial<AgentLoopInput> = {}, tools = new FakeTools()) {
  const provider = new ScriptedProvider(steps);
  const events = new MemorySink();
  const deps: AgentLoopDeps = {
    provider,
    tools,
    events,
    costOf: (u) => u.input_tokens / 1000,
    describeError: (e) => (e instanceof Error ? e.message : 'error'),
  };
  const input: AgentLoopInput = {
    runId: 'run-1',
    model: 'scripted',
    system: 'system prompt',
    history: [{ role: 'user', content: [{ type: 'text', text: 'do it' }] }],
    maxTurns: 5,
    maxTokens: 100,
    policy: { mode: 'default', allowedTools: [], disallowedTools: [] },
    signal: new AbortController().signal,
    ...over,
  };
  return { provider, events, tools, run: () => runAgentLoop(deps, input) };
}

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
    expect(provider.requests.map((r) => r.requestId)).toEqual(['run-1:1', 'run-1:2']);
  });

  it('stops after max_turns model calls, still answering the last tool calls so the history stays valid', async () => {
    const { events, provider, run } = setup(
      [callTool('a', 'list_files'), callTool('b', 'list_files'), callTool('c', 'list_files')],
      { maxTurns: 2 },
    );
    const outcome = await run();
    expect(provider.requests).toHaveLength(2);
    expect(outcome).toMatchObject({ status: 'completed', stopReason: 'max_turns', turns: 2 });
    expect(events.types().slice(-2)).toEqual(['message_complete', 'run_completed']);
    expect(events.events.at(-2)).toMatchObject({ data: { role: 'tool' } });
  });

  it('records a denied call with its reason, does not run it, and tells the model', async () => {
    const { events, provider, tools, run } = setup([
      callTool('w1', 'write_file', { path: 'a', content: 'b' }),
      reply('Understood.'),
    ]);
    await run();
    expect(tools.executed).toEqual([]);
    const decision = events.events.find((e) => e.type === 'tool_use');
    expect(decision).toMatchObject({
      data: { decision: 'deny', decided_by: 'mode:default', reason: expect.stringMatching(/needs permission/) },
    });
    expect(events.events.find((e) => e.type === 'tool_result')).toEqual({
      type: 'tool_result',
      data: {
        tool_use_id: 'w1',
        output: expect.stringMatching(/^Permission denied: write_file changes files/),
        is_error: true,
      },
    });
    const fed = provider.requests[1]?.messages.at(-1)?.content[0];
    expect(fed).toMatchObject({
      type: 'tool_result',
      tool_use_id: 'w1',
      is_error: true,
      content: expect.stringMatching(/Permission denied/),
    });
  });

  it('reports a failing tool to the model as an error result and carries on', async () => {
    const tools = new FakeTools({ list_files: { output: 'No such directory: nope', isError: true } });
    const { events, provider, run } = setup(
      [callTool('t1', 'list_files', { path: 'nope' }), reply('That directory does not exist.')],
      {},
      tools,
    );
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

  it('throws without a terminal event when the error is to be retried, and continues totals when resumed', async () => {
    const transient = new ProviderError('offline', 'overloaded', { retryable: true });
    const first = setup([transient], { shouldRetry: () => true });
    await expect(first.run()).rejects.toBe(transient);
    expect(first.events.terminal()).toEqual([]);

    const resumed = setup([reply('done')], { resume: { usage: { input_tokens: 100, output_tokens: 50 }, turns: 3 } });
    const outcome = await resumed.run();
    expect(outcome).toMatchObject({ usage: { input_tokens: 110, output_tokens: 55 }, turns: 4 });
    expect(resumed.provider.requests[0]?.requestId).toBe('run-1:4');
  });

  it('throws the abort without a terminal event when the run is aborted', async () => {
    const controller = new AbortController();
    const tools = new FakeTools();
    const { events, run } = setup([callTool('t1', 'list_files'), reply('never')], { signal: controller.signal }, tools);
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
    const { run } = setup(
      [reply('hi')],
      { policy: { mode: 'default', allowedTools: [], disallowedTools: ['write_file'] } },
      tools,
    );
    await run();
    expect(specs).toHaveBeenCalledWith(['write_file']);
  });
});
