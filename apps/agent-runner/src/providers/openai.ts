import { ProviderError, type ModelProvider, type StopReason, type TurnRequest, type TurnResult } from './types';
import { parseData, streamSse } from './http';
import { TurnAssembler } from './turn-assembler';
import { toOpenAiMessages } from './openai-messages';

export interface OpenAiOptions {
  /** Optional: a local OpenAI-compatible server (Ollama, llama.cpp) needs none. */
  apiKey: string | undefined;
  baseUrl: string;
  timeoutMs: number;
  maxTokensField: 'max_completion_tokens' | 'max_tokens';
}

interface ChunkToolCall {
  index?: number;
  id?: string;
  function?: { name?: string; arguments?: string };
}
interface Chunk {
  choices?: Array<{
    index?: number;
    delta?: { content?: string | null; tool_calls?: ChunkToolCall[] };
    finish_reason?: string | null;
  }> | null;
  usage?: { prompt_tokens?: number; completion_tokens?: number } | null;
  error?: { message?: string; type?: string };
}

// A Map: the value comes from the provider, and `constructor` must map to nothing.
const FINISH_REASONS = new Map<string, StopReason>([
  ['stop', 'end_turn'],
  ['length', 'max_tokens'],
  ['tool_calls', 'tool_use'],
  ['function_call', 'tool_use'],
  ['content_filter', 'refusal'],
]);

/** OpenAI chat completions (and any compatible server), streamed, with function tools and the final usage chunk. */
export class OpenAiProvider implements ModelProvider {
  readonly name = 'openai' as const;

  constructor(private readonly o: OpenAiOptions) {}

  async streamTurn(req: TurnRequest): Promise<TurnResult> {
    const turn = new TurnAssembler();
    let finish: string | undefined;
    let done = false;
    let unindexed = 0;
    await streamSse(
      {
        provider: this.name,
        url: `${this.o.baseUrl.replace(/\/+$/, '')}/chat/completions`,
        headers: this.o.apiKey ? { authorization: `Bearer ${this.o.apiKey}` } : {},
        body: {
          model: req.model,
          messages: toOpenAiMessages(req.system, req.messages),
          stream: true,
          stream_options: { include_usage: true },
          [this.o.maxTokensField]: req.maxTokens,
          ...(req.tools.length > 0
            ? {
                tools: req.tools.map((t) => ({
                  type: 'function',
                  function: { name: t.name, description: t.description, parameters: t.inputSchema },
                })),
              }
            : {}),
        },
        signal: req.signal,
        timeoutMs: this.o.timeoutMs,
      },
      async ({ data }) => {
        if (data.trim() === '[DONE]') {
          done = true;
          return;
        }
        const chunk = parseData<Chunk>(this.name, data);
        if (chunk.error)
          throw new ProviderError(
            this.name,
            `openai stream error: ${chunk.error.message ?? chunk.error.type ?? 'unknown'}`,
            { retryable: false },
          );
        if (chunk.usage) turn.setUsage(chunk.usage.prompt_tokens, chunk.usage.completion_tokens);
        const choice = chunk.choices?.find((c) => (c.index ?? 0) === 0);
        if (!choice) return;
        for (const call of choice.delta?.tool_calls ?? []) {
          // Some compatible servers send whole calls without an index: each is then a call of its own.
          const key = call.index === undefined ? `tool:unindexed:${unindexed++}` : `tool:${call.index}`;
          turn.appendToolInput(key, call.function?.arguments ?? '', {
            ...(call.id ? { id: call.id } : {}),
            ...(call.function?.name ? { name: call.function.name } : {}),
          });
        }
        if (choice.finish_reason) finish = choice.finish_reason;
        const text = choice.delta?.content;
        if (text) {
          turn.appendText('text', text);
          await req.onText(text);
        }
      },
    );
    if (!done && finish === undefined)
      throw new ProviderError(this.name, 'openai stream ended before a finish_reason', { retryable: true });
    const stopReason = turn.hasToolUse() ? 'tool_use' : (FINISH_REASONS.get(finish ?? '') ?? 'other');
    const result = turn.result(stopReason);
    let n = 0;
    for (const block of result.content)
      if (block.type === 'tool_use' && !block.id) block.id = `call_${req.requestId}_${n++}`;
    return result;
  }
}
