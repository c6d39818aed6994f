import type { ContentBlock, ToolResultBlock, ToolUseBlock } from '@platform/contracts';
import type { ConversationMessage } from './types';

export type OpenAiMessage =
  | { role: 'system' | 'user'; content: string }
  | {
      role: 'assistant';
      content: string | null;
      tool_calls?: Array<{ id: string; type: 'function'; function: { name: string; arguments: string } }>;
    }
  | { role: 'tool'; tool_call_id: string; content: string };

const textOf = (blocks: ContentBlock[]): string =>
  blocks
    .filter((b) => b.type === 'text')
    .map((b) => b.text)
    .join('\n');

/** Conversation to chat-completions messages: assistant `tool_calls`, and one `tool` message per result. */
export function toOpenAiMessages(system: string, messages: ConversationMessage[]): OpenAiMessage[] {
  const out: OpenAiMessage[] = system ? [{ role: 'system', content: system }] : [];
  for (const m of messages) {
    const results = m.content.filter((b): b is ToolResultBlock => b.type === 'tool_result');
    out.push(...results.map(toToolMessage));
    const text = textOf(m.content);
    if (m.role === 'assistant') {
      const calls = m.content.filter((b): b is ToolUseBlock => b.type === 'tool_use');
      if (!text && calls.length === 0) continue;
      out.push({
        role: 'assistant',
        content: text || null,
        ...(calls.length > 0
          ? {
              tool_calls: calls.map((c) => ({
                id: c.id,
                type: 'function' as const,
                function: { name: c.name, arguments: JSON.stringify(c.input) },
              })),
            }
          : {}),
      });
    } else if (text) {
      out.push({ role: 'user', content: text });
    }
  }
  return out;
}

function toToolMessage(b: ToolResultBlock): OpenAiMessage {
  // Chat completions have no error flag on tool messages, so an error says so in its text.
  return { role: 'tool', tool_call_id: b.tool_use_id, content: b.is_error ? `Error: ${b.content}` : b.content };
}
