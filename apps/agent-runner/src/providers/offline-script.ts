import type { ContentBlock, ToolName, ToolResultBlock, ToolUseBlock } from '@platform/contracts';
import type { ConversationMessage } from './types';
import { EMPTY_LISTING } from '../tools/list-files';
import { planTaskReply } from './offline-tasks';

/** What the offline model says next: text, and at most one tool call. */
export interface OfflineReply {
  text: string;
  toolUse?: { name: ToolName; input: Record<string, unknown> };
}

const textOf = (blocks: ContentBlock[]): string =>
  blocks
    .filter((b) => b.type === 'text')
    .map((b) => b.text)
    .join('\n')
    .trim();

/** Strips quotes and sentence punctuation a person types around a path or pattern (`"a.txt".` -> `a.txt`). */
function clean(input: string): string {
  let s = input.trim();
  for (;;) {
    const next = s
      .replace(/^["'`]+|["'`]+$/g, '')
      .replace(/[,;!?]+$/, '')
      .replace(/(?<=[^.])\.$/, '');
    if (next === s) return s;
    s = next;
  }
}

/** Reads what a person asked in plain words and decides the tool call (or plain answer) a capable model would give. */
export function planReply(messages: ConversationMessage[]): OfflineReply {
  const last = messages.at(-1);
  if (!last) return { text: 'There is nothing to answer yet.' };
  // SOLO/TDD task queries (sessions names the task on the first line) get their deterministic answers.
  const task = planTaskReply(messages, answer);
  if (task) return task;
  const results = last.content.filter((b): b is ToolResultBlock => b.type === 'tool_result');
  if (results.length > 0) return { text: summarise(results, toolUsesBefore(messages)) };
  return answer(textOf(last.content));
}

function answer(request: string): OfflineReply {
  const run = /^\s*run:\s*([\s\S]*\S)\s*$/i.exec(request);
  if (run?.[1]) return { text: `Running \`${run[1]}\`.`, toolUse: { name: 'shell', input: { command: run[1] } } };
  const write = /\bwrite\s+(?:to\s+)?([^\s:]+)(?:(?:\s*:|\s+with)\s*([\s\S]*))?/i.exec(request);
  if (write?.[1]) {
    const path = clean(write[1]);
    return {
      text: `Writing ${path}.`,
      toolUse: { name: 'write_file', input: { path, content: write[2]?.trim() ?? '' } },
    };
  }
  const read = /\bread\s+(?:the\s+)?(?:file\s+)?(\S+)/i.exec(request);
  if (read?.[1]) {
    const path = clean(read[1]);
    return { text: `Reading ${path}.`, toolUse: { name: 'read_file', input: { path } } };
  }
  const search = /\bsearch\s+(?:for\s+)?(.+)$/im.exec(request);
  if (search?.[1]) {
    const pattern = clean(search[1]);
    return { text: `Searching the files for "${pattern}".`, toolUse: { name: 'search_files', input: { pattern } } };
  }
  if (/\blist\b/i.test(request) && /\bfiles?\b/i.test(request)) {
    return {
      text: 'Listing the files in the working directory.',
      toolUse: { name: 'list_files', input: { path: '.' } },
    };
  }
  const quoted = request.length > 200 ? `${request.slice(0, 200)}…` : request;
  return {
    text:
      `This is the offline stand-in model, so I can only follow simple requests. You said: "${quoted}". ` +
      'Try "list the files", "read <path>", "write <path>: <text>", "search <text>" or "run: <command line>".',
  };
}

function toolUsesBefore(messages: ConversationMessage[]): Map<string, ToolUseBlock> {
  const uses = new Map<string, ToolUseBlock>();
  for (const m of messages) for (const b of m.content) if (b.type === 'tool_use') uses.set(b.id, b);
  return uses;
}

function summarise(results: ToolResultBlock[], uses: Map<string, ToolUseBlock>): string {
  return results.map((r) => summariseOne(r, uses.get(r.tool_use_id))).join('\n\n');
}

function summariseOne(result: ToolResultBlock, use: ToolUseBlock | undefined): string {
  const tool = use?.name ?? 'tool';
  if (result.is_error) return `The ${tool} call did not go through: ${result.content}`;
  const body = result.content.trim();
  switch (tool) {
    case 'list_files': {
      const names = body.split('\n').filter((line) => line && line !== EMPTY_LISTING);
      return names.length === 0
        ? 'The working directory is empty.'
        : `The working directory contains: ${names.join(', ')}.`;
    }
    case 'read_file':
      return `Here is ${String(use?.input.path ?? 'the file')}:\n${body}`;
    case 'search_files':
      return `Search results:\n${body}`;
    default:
      return body || `The ${tool} call finished.`;
  }
}
