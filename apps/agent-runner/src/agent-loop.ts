import type { ToolResultBlock, ToolUseBlock, Usage } from '@platform/contracts';
import type { ConversationMessage, ModelProvider, ToolSpec, TurnResult } from './providers/types';
import type { ToolExecutor } from './tools/registry';
import type { EventSink } from './events';
import { decidePermission, type PermissionPolicy } from './permissions';

export interface AgentLoopDeps {
  provider: ModelProvider;
  tools: ToolExecutor;
  events: EventSink;
  /** Dollars for `usage` on the run's model. */
  costOf: (usage: Usage) => number;
  /** What a run_failed event says about an error (messages meant for people pass through; internals do not). */
  describeError: (err: unknown) => string;
}

export interface AgentLoopInput {
  runId: string;
  model: string;
  system: string;
  history: ConversationMessage[];
  maxTurns: number;
  maxTokens: number;
  policy: PermissionPolicy;
  signal: AbortSignal;
  /** Totals of earlier attempts of this run: a retried or handed-back run keeps counting from them. */
  resume?: { usage: Usage; turns: number };
  /** True when an error should end this attempt without a terminal event, so the run is tried again later. */
  shouldRetry?: (err: unknown) => boolean;
}

export type RunOutcome =
  | { status: 'completed'; stopReason: string; usage: Usage; costUsd: number; turns: number }
  | { status: 'failed'; error: string; usage: Usage; costUsd: number; turns: number };

interface Totals {
  usage: Usage;
  turns: number;
}

/**
 * The agent loop: model -> tool_use -> permission decision -> tool -> tool_result -> model, until
 * the model stops asking for tools or `maxTurns` model calls were made. Every step is an event and
 * the run ends with exactly one run_completed or run_failed, unless it is aborted or `shouldRetry`
 * claims the error, in which case it throws and emits nothing terminal.
 */
export async function runAgentLoop(d: AgentLoopDeps, input: AgentLoopInput): Promise<RunOutcome> {
  const totals: Totals = {
    usage: input.resume?.usage ?? { input_tokens: 0, output_tokens: 0 },
    turns: input.resume?.turns ?? 0,
  };
  let stopReason: string;
  try {
    await d.events.emit({ type: 'run_started', data: { provider: d.provider.name, model: input.model } });
    stopReason = await runTurns(d, input, totals);
  } catch (err) {
    if (input.signal.aborted || input.shouldRetry?.(err)) throw err;
    const error = d.describeError(err);
    const costUsd = d.costOf(totals.usage);
    await d.events.emit({
      type: 'run_failed',
      data: { error, usage: totals.usage, cost_usd: costUsd, turns: totals.turns },
    });
    return { status: 'failed', error, usage: totals.usage, costUsd, turns: totals.turns };
  }
  const costUsd = d.costOf(totals.usage);
  await d.events.emit({
    type: 'run_completed',
    data: { usage: totals.usage, cost_usd: costUsd, turns: totals.turns, stop_reason: stopReason },
  });
  return { status: 'completed', stopReason, usage: totals.usage, costUsd, turns: totals.turns };
}

async function runTurns(d: AgentLoopDeps, input: AgentLoopInput, totals: Totals): Promise<string> {
  const conversation = [...input.history];
  const specs = d.tools.specs(input.policy.disallowedTools);
  for (;;) {
    if (input.signal.aborted) throw input.signal.reason;
    if (totals.turns >= input.maxTurns) return 'max_turns';
    const turn = await callModel(d, input, conversation, specs, totals.turns + 1);
    // A turn counts once the model answered, as the run ledger counts it (by message_complete).
    totals.turns += 1;
    totals.usage = {
      input_tokens: totals.usage.input_tokens + turn.usage.input_tokens,
      output_tokens: totals.usage.output_tokens + turn.usage.output_tokens,
    };
    await d.events.emit({
      type: 'message_complete',
      data: { role: 'assistant', content: turn.content, usage: turn.usage },
    });
    conversation.push({ role: 'assistant', content: turn.content });
    const calls = turn.content.filter((b): b is ToolUseBlock => b.type === 'tool_use');
    if (calls.length === 0) return turn.stopReason;
    const results: ToolResultBlock[] = [];
    for (const call of calls) results.push(await runToolCall(d, input, call));
    await d.events.emit({ type: 'message_complete', data: { role: 'tool', content: results } });
    conversation.push({ role: 'tool', content: results });
  }
}

function callModel(
  d: AgentLoopDeps,
  input: AgentLoopInput,
  messages: ConversationMessage[],
  tools: ToolSpec[],
  turn: number,
): Promise<TurnResult> {
  return d.provider.streamTurn({
    requestId: `${input.runId}:${turn}`,
    model: input.model,
    system: input.system,
    messages: [...messages],
    tools,
    maxTokens: input.maxTokens,
    signal: input.signal,
    onText: (text) => d.events.emit({ type: 'text_delta', data: { text } }),
  });
}

/** Decides, records and (when allowed) runs one call; a denial or failure becomes an error result the model reads. */
async function runToolCall(d: AgentLoopDeps, input: AgentLoopInput, call: ToolUseBlock): Promise<ToolResultBlock> {
  if (input.signal.aborted) throw input.signal.reason;
  const decision = decidePermission(call.name, d.tools.kindOf(call.name), input.policy);
  await d.events.emit({
    type: 'tool_use',
    data: { tool_use_id: call.id, tool: call.name, input: call.input, ...decision },
  });
  const outcome =
    decision.decision === 'deny'
      ? { output: `Permission denied: ${decision.reason ?? 'not allowed'}`, isError: true }
      : await d.tools.execute(call.name, call.input, input.signal);
  await d.events.emit({
    type: 'tool_result',
    data: { tool_use_id: call.id, output: outcome.output, is_error: outcome.isError },
  });
  return { type: 'tool_result', tool_use_id: call.id, content: outcome.output, is_error: outcome.isError };
}
