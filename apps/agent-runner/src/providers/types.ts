import type { ContentBlock, ProviderName, TextBlock, ToolUseBlock, Usage } from '@platform/contracts';

/** One message of the conversation as the loop keeps it (the Messages-API block shapes of the contracts). */
export interface ConversationMessage {
  role: 'user' | 'assistant' | 'tool';
  content: ContentBlock[];
}

/** A tool as offered to a model: name, what it does, and a JSON Schema of its input. */
export interface ToolSpec {
  name: string;
  description: string;
  inputSchema: Record<string, unknown>;
}

export interface TurnRequest {
  /** Stable id of this model call (run and turn): the offline model derives its tool-use ids from it. */
  requestId: string;
  model: string;
  system: string;
  messages: ConversationMessage[];
  tools: ToolSpec[];
  maxTokens: number;
  signal: AbortSignal;
  /** Called with each streamed piece of text, in order; the provider waits for it (back-pressure). */
  onText: (text: string) => Promise<void>;
}

/** Why the model stopped, in the Messages-API vocabulary every provider is mapped to. */
export type StopReason = 'end_turn' | 'tool_use' | 'max_tokens' | 'stop_sequence' | 'refusal' | 'other';

export interface TurnResult {
  content: Array<TextBlock | ToolUseBlock>;
  usage: Usage;
  stopReason: StopReason;
}

/** A model behind one interface: streams one assistant turn. */
export interface ModelProvider {
  readonly name: ProviderName;
  streamTurn(req: TurnRequest): Promise<TurnResult>;
}

/** A model call failed; `retryable` when trying again later may succeed (429, 5xx, overload, network). */
export class ProviderError extends Error {
  readonly retryable: boolean;
  readonly status: number | undefined;

  constructor(
    readonly provider: ProviderName,
    message: string,
    opts: { retryable: boolean; status?: number; cause?: unknown },
  ) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'ProviderError';
    this.retryable = opts.retryable;
    this.status = opts.status;
  }
}
