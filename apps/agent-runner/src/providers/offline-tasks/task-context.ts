import { agentTaskOf, type AgentTask, type ContentBlock, type ToolResultBlock, type ToolUseBlock } from '@platform/contracts';
import type { ConversationMessage } from '../types';

/** The task query being answered, and the tool calls made for it so far (oldest first). */
export interface TaskContext {
  task: AgentTask;
  prompt: string;
  steps: Array<{ use: ToolUseBlock | undefined; result: ToolResultBlock }>;
}

const textOf = (blocks: ContentBlock[]): string =>
  blocks
    .filter((b) => b.type === 'text')
    .map((b) => b.text)
    .join('\n');

/** The run's query is the last user message with text; it names a task on its first line, or this is no task. */
export function taskContextOf(messages: ConversationMessage[]): TaskContext | undefined {
  let at = -1;
  for (let i = messages.length - 1; i >= 0; i--) {
    const m = messages[i];
    if (m?.role === 'user' && textOf(m.content).trim() !== '') {
      at = i;
      break;
    }
  }
  const query = messages[at];
  if (!query) return undefined;
  const prompt = textOf(query.content);
  const task = agentTaskOf(prompt);
  if (!task) return undefined;
  const uses = new Map<string, ToolUseBlock>();
  const steps: TaskContext['steps'] = [];
  for (const m of messages.slice(at + 1)) {
    for (const b of m.content) {
      if (b.type === 'tool_use') uses.set(b.id, b);
      if (b.type === 'tool_result') steps.push({ use: uses.get(b.tool_use_id), result: b });
    }
  }
  return { task, prompt, steps };
}

/** The text between `<tag>` and the last `</tag>` of a prompt (sessions writes each section once). */
export function sectionOf(prompt: string, tag: string): string | undefined {
  const open = prompt.indexOf(`<${tag}>`);
  const close = prompt.lastIndexOf(`</${tag}>`);
  if (open === -1 || close < open) return undefined;
  return prompt.slice(open + tag.length + 2, close).replace(/^\r?\n/, '').replace(/\r?\n$/, '');
}

/** Tool output the runner cut short ends with one of these notices. */
export const wasTruncated = (output: string): boolean => /\n\[(?:file|output) truncated: [^\]]*\]$/.test(output);
