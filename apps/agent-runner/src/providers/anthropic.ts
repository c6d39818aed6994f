import type { ContentBlock } from '@platform/contracts';
import {
  ProviderError,
  type ConversationMessage,
  type ModelProvider,
  type StopReason,
  type TurnRequest,
  type TurnResult,
} from './types';
import { parseData, streamSse } from './http';
import { TurnAssembler } from './turn-assembler';

export interface AnthropicOptions {
  apiKey: string;
  baseUrl: string;
  version: string;
  timeoutMs: number;
}

type AnthropicBlock =
  | { type: 'text'; text: string }
  | { type: 'tool_use'; id: string; name: string; input: Record<string, unknown> }
  | { type: 'tool_result'; tool_use_id: string; content: string; is_error: boolean };
interface AnthropicMessage {
  role: 'user' | 'assistant';
  content: AnthropicBlock[];
}

interface StreamEvent {
  type: string;
  index?: number;
  message?: { usage?: AnthropicUsage };
  content_block?: { type: string; text?: string; id?: string; name?: string };
  delta?: { type?: string; text?: string; partial_json?: string; stop_reason?: string | null };
  usage?: AnthropicUsage;
  error?: { type?: string; message?: string };
}
interface AnthropicUsage {
  input_tokens?: number;
  output_tokens?: number;
  cache_creation_input_tokens?: number | null;
  cache_read_input_tokens?: number | null;
}

// A Map: the value comes from the provider, and `constructor` must map to nothing.
const STOP_REASONS = new Map<string, StopReason>([
  ['end_turn', 'end_turn'],
  ['tool_use', 'tool_use'],
  ['max_tokens', 'max_tokens'],
  ['stop_sequence', 'stop_sequence'],
  ['refusal', 'refusal'],
]);
const RETRYABLE_STREAM_ERRORS = new Set(['overloaded_error', 'api_error', 'rate_limit_error', 'timeout_error']);

/** Anthropic Messages API, streamed (`stream: true`), with tool use. */
export class AnthropicProvider implements ModelProvider {
  readonly name = 'anthropic' as const;

  constructor(private readonly o: AnthropicOptions) {}

  async streamTurn(req: TurnRequest): Promise<TurnResult> {
    const turn = new TurnAssembler();
    let stopReason: StopReason = 'other';
    let stopped = false;
    await streamSse(
      {
        provider: this.name,
        url: `${this.o.baseUrl.replace(/\/+$/, '')}/v1/messages`,
        headers: { 'x-api-key': this.o.apiKey, 'anthropic-version': this.o.version },
        body: {
          model: req.model,
          max_tokens: req.maxTokens,
          stream: true,
          messages: toAnthropicMessages(req.messages),
          ...(req.system ? { system: req.system } : {}),
          ...(req.tools.length > 0
            ? {
                tools: req.tools.map((t) => ({
                  name: t.name,
                  description: t.description,
                  input_schema: t.inputSchema,
                })),
              }
            : {}),
        },
        signal: req.signal,
        timeoutMs: this.o.timeoutMs,
      },
      async ({ data }) => {
        const event = parseData<StreamEvent>(this.name, data);
        switch (event.type) {
          case 'message_start':
            turn.setUsage(inputTokens(event.message?.usage), event.message?.usage?.output_tokens);
            return;
          case 'content_block_start':
            return this.startBlock(turn, event);
          case 'content_block_delta':
            return this.delta(turn, event, req.onText);
          case 'message_delta':
            stopReason = STOP_REASONS.get(event.delta?.stop_reason ?? '') ?? 'other';
            turn.setUsage(
              event.usage?.input_tokens === undefined ? undefined : inputTokens(event.usage),
              event.usage?.output_tokens,
            );
            return;
          case 'message_stop':
            stopped = true;
            return;
          case 'error':
            throw streamError(event);
          default:
            // ping, content_block_stop and event types added later carry nothing the loop needs.
            return;
        }
      },
    );
    if (!stopped) throw new ProviderError(this.name, 'anthropic stream ended before message_stop', { retryable: true });
    return turn.result(stopReason);
  }

  private startBlock(turn: TurnAssembler, event: StreamEvent): void {
    const block = event.content_block;
    if (block?.type === 'text') turn.startText(event.index ?? 0, block.text ?? '');
    else if (block?.type === 'tool_use') turn.startToolUse(event.index ?? 0, block.id ?? '', block.name ?? '');
  }

  private async delta(turn: TurnAssembler, event: StreamEvent, onText: (text: string) => Promise<void>): Promise<void> {
    const index = event.index ?? 0;
    if (event.delta?.type === 'text_delta' && event.delta.text) {
      turn.appendText(index, event.delta.text);
      await onText(event.delta.text);
    } else if (event.delta?.type === 'input_json_delta' && event.delta.partial_json !== undefined) {
      turn.appendToolInput(index, event.delta.partial_json);
    }
  }
}

function inputTokens(usage: AnthropicUsage | undefined): number | undefined {
  if (usage?.input_tokens === undefined) return undefined;
  return usage.input_tokens + (usage.cache_creation_input_tokens ?? 0) + (usage.cache_read_input_tokens ?? 0);
}

function streamError(event: StreamEvent): ProviderError {
  const type = event.error?.type ?? 'error';
  return new ProviderError('anthropic', `anthropic stream error ${type}: ${event.error?.message ?? 'no message'}`, {
    retryable: RETRYABLE_STREAM_ERRORS.has(type),
  });
}

/** Conversation to Messages-API turns: tool results travel in a user turn; consecutive same-role turns merge. */
export function toAnthropicMessages(messages: ConversationMessage[]): AnthropicMessage[] {
  const out: AnthropicMessage[] = [];
  for (const m of messages) {
    const role = m.role === 'assistant' ? 'assistant' : 'user';
    const content = m.content.filter((b) => b.type !== 'text' || b.text.length > 0).map(toAnthropicBlock);
    if (content.length === 0) continue;
    const last = out.at(-1);
    if (last?.role === role) last.content.push(...content);
    else out.push({ role, content });
  }
  return out;
}

function toAnthropicBlock(b: ContentBlock): AnthropicBlock {
  switch (b.type) {
    case 'text':
      return { type: 'text', text: b.text };
    case 'tool_use':
      return { type: 'tool_use', id: b.id, name: b.name, input: b.input };
    case 'tool_result':
      return { type: 'tool_result', tool_use_id: b.tool_use_id, content: b.content, is_error: b.is_error };
  }
}
