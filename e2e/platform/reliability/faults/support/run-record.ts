import type { Message, Run, SessionEvent, ToolCall } from '@platform/contracts';
import type { JsonClient } from '@platform/testing';
import { getRun } from '../../../tests/support/run-control';
import { isTerminal, messagesOf, nextEvent, openStream, toolCallsOf } from '../../../tests/support/sessions';

/** Everything the platform stored about a session's one run, read back through the gateway. */
export interface RunRecord {
  run: Run;
  /** The stored event log (a `since=0` replay), plus whatever arrived in the moment after its terminal event. */
  events: SessionEvent[];
  messages: Message[];
  toolCalls: ToolCall[];
}

/** Reads a session's run, event log, messages and tool calls. */
export async function recordOf(
  as: JsonClient,
  gatewayUrl: string,
  token: string,
  sessionId: string,
  runId: string,
): Promise<RunRecord> {
  const stream = await openStream(gatewayUrl, token, sessionId, { since: 0 });
  const events: SessionEvent[] = [];
  try {
    while (!events.some((e) => e.run_id === runId && isTerminal(e))) events.push(await nextEvent(stream, 15_000));
    // A duplicate (a second terminal event, say) would follow at once: give it a moment to show.
    for (;;) events.push(await nextEvent(stream, 300));
  } catch {
    // No more events.
  } finally {
    stream.close();
  }
  const [run, messages, toolCalls] = await Promise.all([
    getRun(as, sessionId, runId),
    messagesOf(as, sessionId),
    toolCallsOf(as, sessionId),
  ]);
  return { run, events, messages, toolCalls };
}

const types = (events: SessionEvent[]) => events.map((e) => e.type);
const textOf = (events: SessionEvent[]) =>
  events.flatMap((e) => (e.type === 'text_delta' ? [String(e.data.text)] : [])).join('');
// Tool-use ids are random per attempt; everything else must match the reference exactly.
const withoutIds = (value: unknown) => JSON.stringify(value).replace(/toolu_offline_\w+/g, 'ID');

/**
 * How `actual` (a session with exactly one run) differs from `reference` (the same query on a runner
 * nobody disturbed), and how what a client saw live (`live`) differs from the stored log. Empty when
 * the run ended completed exactly once with every event, message and tool call exactly once.
 */
export function differences(actual: RunRecord, reference: RunRecord, live: SessionEvent[]): string[] {
  const problems: string[] = [];
  const check = (ok: boolean, what: string) => {
    if (!ok) problems.push(what);
  };
  const { run, events } = actual;
  check(run.status === 'completed', `run status ${run.status} (error ${JSON.stringify(run.error)})`);
  check(run.turns === reference.run.turns, `run turns ${run.turns}, reference ${reference.run.turns}`);
  check(withoutIds(run.usage) === withoutIds(reference.run.usage), `usage ${JSON.stringify(run.usage)}`);
  const seqs = events.map((e) => e.seq);
  check(
    seqs.every((s, i) => s === i + 1),
    `event seqs not 1..n: ${seqs.join(',')}`,
  );
  check(types(events).filter((t) => t === 'run_started').length === 1, 'run_started not exactly once');
  check(
    events
      .filter(isTerminal)
      .map((e) => e.type)
      .join() === 'run_completed',
    `terminal events: ${events
      .filter(isTerminal)
      .map((e) => e.type)
      .join()}`,
  );
  check(types(events).join() === types(reference.events).join(), `event types differ: ${types(events).join()}`);
  check(textOf(events) === textOf(reference.events), `streamed text differs: ${textOf(events)}`);
  check(
    live.map((e) => e.seq).join() === seqs.join(),
    `live seqs ${live.map((e) => e.seq).join()} vs stored ${seqs.join()}`,
  );
  const roles = actual.messages.map((m) => m.role).join();
  check(roles === reference.messages.map((m) => m.role).join(), `message roles ${roles}`);
  check(
    withoutIds(actual.messages.map((m) => m.content)) === withoutIds(reference.messages.map((m) => m.content)),
    'message contents differ from the reference',
  );
  const calls = actual.toolCalls.map((t) => `${t.tool}:${t.status}:${t.decision}`).join();
  check(calls === reference.toolCalls.map((t) => `${t.tool}:${t.status}:${t.decision}`).join(), `tool calls ${calls}`);
  return problems;
}
