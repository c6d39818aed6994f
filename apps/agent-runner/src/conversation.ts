import type { Message } from '@platform/contracts';
import type { ConversationMessage } from './providers/types';
import { RunInputError } from './errors';

/**
 * The messages a run starts from: everything up to and including the run's own user message (a
 * later query, queued behind this run, is not part of it), without the run's own answers, which
 * a resumed attempt replays from its journal instead of from what sessions has persisted so far.
 */
export function historyBefore(messages: Message[], runId: string): Message[] {
  const ordered = [...messages].sort((a, b) => a.seq - b.seq);
  const own = ordered.findIndex((m) => m.run_id === runId && m.role === 'user');
  const upTo = own === -1 ? ordered : ordered.slice(0, own + 1);
  return upTo.filter((m) => m.run_id !== runId || m.role === 'user');
}

/**
 * A session's stored messages as the conversation to continue. Tool calls without a result (an
 * attempt stopped between the two) and results without a call are dropped, since providers
 * reject them; messages left empty go too.
 */
export function toConversation(messages: Message[]): ConversationMessage[] {
  const ordered = [...messages].sort((a, b) => a.seq - b.seq);
  const uses = new Set<string>();
  const results = new Set<string>();
  for (const m of ordered) {
    for (const b of m.content) {
      if (b.type === 'tool_use') uses.add(b.id);
      if (b.type === 'tool_result') results.add(b.tool_use_id);
    }
  }
  const conversation: ConversationMessage[] = [];
  for (const m of ordered) {
    const content = m.content.filter(
      (b) => (b.type !== 'tool_use' || results.has(b.id)) && (b.type !== 'tool_result' || uses.has(b.tool_use_id)),
    );
    if (content.length > 0) conversation.push({ role: m.role, content });
  }
  if (!conversation.some((m) => m.role === 'user'))
    throw new RunInputError('The session has no user message to answer.');
  return conversation;
}
