import type { BudgetStop, ToolUseBlock, Usage } from '@platform/contracts';
import type { ConversationMessage, ModelProvider, ToolSpec, TurnResult } from './providers/types';
import type { ToolExecutor } from './tools/registry';
import type { EventSink } from './events';
import type { PermissionPolicy } from './permissions';
import type { PermissionGate } from './permission-gate';
import type { HookRegistry, RunContext } from './hooks';
import type { RecordedTurn, RunJournal } from './run-journal';
import { ParkRun, SupersededError } from './errors';
import { TextCoalescer } from './text-coalescer';
import { TextReplay } from './text-replay';
import { runToolPhase } from './tool-phase';
import { estimatePromptTokens, type TurnBudget } from './budget';

export interface AgentLoopDeps {
  provider: ModelProvider;
  tools: ToolExecutor;
  events: EventSink;
  hooks: HookRegistry;
  permissions: PermissionGate;
  /** Throws (and aborts the run) when the run was cancelled meanwhile; called before each tool call. */
  checkCancelled: () => Promise<void>;
  /** What a run_failed event says about an error (messages meant for people pass through; internals do not). */
  describeError: (err: unknown) => string;
  /** The person's budget, asked before each model call; none: no limit to check. */
  budget?: TurnBudget;
  /** The clock a turn's `ended_at` is read from. */
  now?: () => Date;
}

export interface AgentLoopInput {
  /** Ids, model and running totals (an attempt that resumes a run starts from the ledger's). */
  run: RunContext;
  system: string;
  /** The conversation before this run's first model call. */
  history: ConversationMessage[];
  maxTurns: number;
  maxTokens: number;
  policy: PermissionPolicy;
  signal: AbortSignal;
  /** What earlier attempts of this run emitted: replayed, never emitted again. */
  journal: RunJournal;
  /** True when an error should end this attempt without a terminal event, so the run is tried again later. */
  shouldRetry?: (err: unknown) => boolean;
}

export type RunOutcome =
  | { status: 'completed'; stopReason: string; usage: Usage; costUsd: number; turns: number; budget?: BudgetStop }
  | { status: 'failed'; error: string; usage: Usage; costUsd: number; turns: number };

/**
 * The agent loop: model -> tool_use -> permission decision -> tool -> tool_result -> model, until
 * the model stops asking for tools, `maxTurns` model calls were made, or the person's budget leaves no
 * room for another turn (`budget_exceeded`). Every step is an event and
 * the run ends with exactly one run_completed or run_failed, unless the attempt stops short: it is
 * aborted (cancel, shutdown), parked for a person's answer, superseded, or `shouldRetry` claims the
 * error; then it throws and emits nothing terminal, and a later attempt continues where it stopped.
 */
export async function runAgentLoop(d: AgentLoopDeps, input: AgentLoopInput): Promise<RunOutcome> {
  const { totals } = input.run;
  let end: LoopEnd;
  try {
    if (!input.journal.started)
      await d.events.emit({ type: 'run_started', data: { provider: d.provider.name, model: input.run.model } });
    end = await runTurns(d, input);
  } catch (err) {
    if (input.signal.aborted || err instanceof ParkRun || err instanceof SupersededError || input.shouldRetry?.(err))
      throw err;
    const error = d.describeError(err);
    await d.events.emit({
      type: 'run_failed',
      data: { error, usage: totals.usage, cost_usd: totals.costUsd, turns: totals.turns },
    });
    return { status: 'failed', error, usage: totals.usage, costUsd: totals.costUsd, turns: totals.turns };
  }
  const budget = end.budget ? { budget: end.budget } : {};
  await d.events.emit({
    type: 'run_completed',
    data: { usage: totals.usage, cost_usd: totals.costUsd, turns: totals.turns, stop_reason: end.stopReason, ...budget },
  });
  return { status: 'completed', stopReason: end.stopReason, usage: totals.usage, costUsd: totals.costUsd, turns: totals.turns, ...budget };
}

/** Why the turns stopped: the model's stop reason, `max_turns`, or `budget_exceeded` with the limit it met. */
interface LoopEnd {
  stopReason: string;
  budget?: BudgetStop;
}

async function runTurns(d: AgentLoopDeps, input: AgentLoopInput): Promise<LoopEnd> {
  const conversation = [...input.history];
  const specs = d.tools.specs(input.policy.disallowedTools);
  // Text an earlier attempt streamed for the turn it did not finish: the first model call of this attempt.
  let resumedText = input.journal.pendingText;
  for (let turn = 1; ; turn++) {
    if (input.signal.aborted) throw input.signal.reason;
    let answer: RecordedTurn | undefined = input.journal.turn(turn);
    if (!answer) {
      if (turn > input.maxTurns) return { stopReason: 'max_turns' };
      // Between turns: a turn starts only if the person's budget leaves room for its prompt and some output.
      const grant = d.budget
        ? await d.budget.reserve(estimatePromptTokens(input.system, conversation, specs), input.maxTokens, input.signal)
        : { ok: true as const, maxTokens: input.maxTokens };
      if (!grant.ok) return { stopReason: 'budget_exceeded', budget: grant.stop };
      answer = await queryModel(d, input, conversation, specs, turn, new TextReplay(resumedText), grant.maxTokens);
      resumedText = '';
    }
    conversation.push({ role: 'assistant', content: answer.content });
    const calls = answer.content.filter((b): b is ToolUseBlock => b.type === 'tool_use');
    if (calls.length === 0) return { stopReason: answer.stopReason };
    const results = input.journal.toolMessage(turn) ?? (await runToolPhase(d, input, turn, calls));
    conversation.push({ role: 'tool', content: results });
  }
}

/** One model call, streamed as text deltas (minus what an earlier attempt sent), then its message_complete. */
async function queryModel(
  d: AgentLoopDeps,
  input: AgentLoopInput,
  messages: ConversationMessage[],
  tools: ToolSpec[],
  turn: number,
  replay: TextReplay,
  maxTokens: number,
): Promise<RecordedTurn> {
  const { run } = input;
  await d.hooks.beforeQuery(run, { turn });
  const started = performance.now();
  // Tokens that arrive while a delta is being written go out together in the next one.
  const deltas = new TextCoalescer((text) => d.events.emit({ type: 'text_delta', data: { text } }));
  let result: TurnResult;
  try {
    result = await d.provider.streamTurn({
      requestId: `${run.runId}:${turn}`,
      model: run.model,
      system: input.system,
      messages: [...messages],
      tools,
      maxTokens,
      signal: input.signal,
      onText: (text) => deltas.push(replay.next(text)),
    });
  } catch (err) {
    // Nothing of a failed turn may follow the events its failure leads to; a later attempt resends what was held back.
    deltas.abandon();
    throw err;
  }
  await deltas.flush();
  const latencyMs = Math.round(performance.now() - started);
  if (replay.diverged)
    run.log.warn('the model answered a resumed turn differently; its live text shows the earlier prefix', { turn });
  // The turn's price goes with it: the event charges it to the person's budget (here and in sessions), once.
  await d.events.emit({
    type: 'message_complete',
    data: {
      role: 'assistant',
      content: result.content,
      usage: result.usage,
      turn,
      stop_reason: result.stopReason,
      cost_usd: run.costOf(result.usage),
      ended_at: (d.now?.() ?? new Date()).toISOString(),
    },
  });
  // A turn counts once its message went out, as the run ledger counts it.
  run.totals.turns += 1;
  run.totals.usage = {
    input_tokens: run.totals.usage.input_tokens + result.usage.input_tokens,
    output_tokens: run.totals.usage.output_tokens + result.usage.output_tokens,
  };
  await d.hooks.afterQuery(run, { turn, usage: result.usage, stopReason: result.stopReason, latencyMs });
  return { content: result.content, usage: result.usage, stopReason: result.stopReason };
}
