import { createHash } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { TextBlock, ToolUseBlock } from '@platform/contracts';
import type { ModelProvider, TurnRequest, TurnResult } from './types';
import { planReply } from './offline-script';

export interface OfflineOptions {
  /** Wait before each streamed word (tests use it to make a run slow). */
  delayMs: number;
}

/** Rough token count for usage: about four characters per token, never zero for non-empty text. */
export const estimateTokens = (text: string): number => Math.ceil(text.length / 4);

/**
 * The stand-in model: deterministic, no network. Streams its answer word by word and calls the
 * file tools when asked in plain words ("list the files", "read a.txt", "write a.txt: hi",
 * "search TODO"); after tool results it summarises them.
 */
export class OfflineProvider implements ModelProvider {
  readonly name = 'offline' as const;

  constructor(private readonly o: OfflineOptions) {}

  async streamTurn(req: TurnRequest): Promise<TurnResult> {
    let reply = planReply(req.messages);
    // Like a real model, it stops at max_tokens: the text is cut there and a tool call it had no room for is dropped.
    const capped = estimateTokens(reply.text + (reply.toolUse ? JSON.stringify(reply.toolUse) : '')) > req.maxTokens;
    if (capped) reply = { text: reply.text.slice(0, req.maxTokens * 4) };
    for (const word of reply.text.split(/(?<=\s)(?=\S)/)) {
      // An abort rejects with the run's own reason (a cancel, a shutdown), as the HTTP providers do.
      if (this.o.delayMs > 0) await sleep(this.o.delayMs, undefined, { signal: req.signal }).catch(() => undefined);
      if (req.signal.aborted) throw req.signal.reason;
      await req.onText(word);
    }
    const content: Array<TextBlock | ToolUseBlock> = [{ type: 'text', text: reply.text }];
    if (reply.toolUse) {
      const id = `toolu_offline_${createHash('sha256').update(`${req.requestId}:0`).digest('hex').slice(0, 24)}`;
      content.push({ type: 'tool_use', id, name: reply.toolUse.name, input: reply.toolUse.input });
    }
    const prompt = JSON.stringify({ system: req.system, messages: req.messages, tools: req.tools });
    const output = reply.text + (reply.toolUse ? JSON.stringify(reply.toolUse) : '');
    return {
      content,
      usage: { input_tokens: estimateTokens(prompt), output_tokens: estimateTokens(output) },
      stopReason: capped ? 'max_tokens' : reply.toolUse ? 'tool_use' : 'end_turn',
    };
  }
}
