import type { ToolResultBlock, ToolUseBlock } from '@platform/contracts';
import type { AgentLoopDeps, AgentLoopInput } from './agent-loop';
import { decidePermission, type PermissionDecision } from './permissions';
import type { ToolOutcome } from './tools/registry';

/**
 * Answers the tool calls of one assistant turn, in order, then sends them back as the tool message.
 * Steps an earlier attempt already emitted are replayed from the journal: a call with a recorded
 * result is not run again, a recorded decision is not made (or announced) again.
 */
export async function runToolPhase(
  d: AgentLoopDeps,
  input: AgentLoopInput,
  turn: number,
  calls: readonly ToolUseBlock[],
): Promise<ToolResultBlock[]> {
  const results: ToolResultBlock[] = [];
  for (const [i, call] of calls.entries()) results.push(await answerCall(d, input, turn, call, calls.slice(i + 1)));
  await d.events.emit({ type: 'message_complete', data: { role: 'tool', content: results, turn } });
  return results;
}

async function answerCall(
  d: AgentLoopDeps,
  input: AgentLoopInput,
  turn: number,
  call: ToolUseBlock,
  later: readonly ToolUseBlock[],
): Promise<ToolResultBlock> {
  const recorded = input.journal.toolResult(turn, call.id);
  if (recorded) return resultBlock(call, recorded);
  if (input.signal.aborted) throw input.signal.reason;
  await d.checkCancelled();
  let decision = input.journal.toolUse(turn, call.id);
  if (!decision) {
    decision = await decide(d, input, turn, call, later);
    await d.hooks.beforeTool(input.run, { turn, call, decision });
    await d.events.emit({
      type: 'tool_use',
      data: { tool_use_id: call.id, tool: call.name, input: call.input, ...decision },
    });
  }
  const started = performance.now();
  const outcome: ToolOutcome =
    decision.decision === 'deny'
      ? { output: `Permission denied: ${decision.reason ?? 'not allowed'}`, isError: true }
      : await d.tools.execute(call.name, call.input, input.signal);
  await d.events.emit({
    type: 'tool_result',
    data: { tool_use_id: call.id, output: outcome.output, is_error: outcome.isError },
  });
  const durationMs = Math.round(performance.now() - started);
  await d.hooks.afterTool(input.run, { turn, call, decision, outcome, durationMs });
  return resultBlock(call, outcome);
}

/** The policy's decision, or (when it says ask) the person's answer; parks the run while there is none. */
async function decide(
  d: AgentLoopDeps,
  input: AgentLoopInput,
  turn: number,
  call: ToolUseBlock,
  later: readonly ToolUseBlock[],
): Promise<PermissionDecision> {
  const verdict = decidePermission(call.name, d.tools.kindOf(call.name), input.policy, call.input);
  if (verdict.decision !== 'ask') return verdict;
  const laterAsks = later.filter(
    (c) =>
      decidePermission(c.name, d.tools.kindOf(c.name), input.policy, c.input).decision === 'ask' &&
      !input.journal.toolUse(turn, c.id),
  );
  const run = {
    runId: input.run.runId,
    sessionId: input.run.sessionId,
    turn,
    journal: input.journal,
    events: d.events,
  };
  return d.permissions.decide(run, call, laterAsks);
}

const resultBlock = (call: ToolUseBlock, outcome: ToolOutcome): ToolResultBlock => ({
  type: 'tool_result',
  tool_use_id: call.id,
  content: outcome.output,
  is_error: outcome.isError,
});
