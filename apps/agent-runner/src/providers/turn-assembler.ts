import type { TextBlock, ToolUseBlock, Usage } from '@platform/contracts';
import type { StopReason, TurnResult } from './types';

type Part = { kind: 'text'; text: string } | { kind: 'tool'; id: string; name: string; json: string };

/** Key of the input a model sent that is not a JSON object; the tool's validation then reports it to the model. */
export const RAW_ARGUMENTS_KEY = '_raw_arguments';

/** Builds one assistant turn from streamed pieces: text and tool calls by stream index, in arrival order, plus usage. */
export class TurnAssembler {
  private readonly parts = new Map<string, Part>();
  private usage: Usage = { input_tokens: 0, output_tokens: 0 };

  startText(key: string | number, text = ''): void {
    this.parts.set(String(key), { kind: 'text', text });
  }

  appendText(key: string | number, text: string): void {
    const part = this.parts.get(String(key));
    if (part?.kind === 'text') part.text += text;
    else this.startText(key, text);
  }

  startToolUse(key: string | number, id: string, name: string): void {
    this.parts.set(String(key), { kind: 'tool', id, name, json: '' });
  }

  /** Adds to a tool call; id and name fill in when they arrive (OpenAI sends them once, in the first piece). */
  appendToolInput(key: string | number, json: string, identity: { id?: string; name?: string } = {}): void {
    let part = this.parts.get(String(key));
    if (part?.kind !== 'tool') {
      part = { kind: 'tool', id: '', name: '', json: '' };
      this.parts.set(String(key), part);
    }
    if (identity.id) part.id = identity.id;
    if (identity.name && !part.name) part.name = identity.name;
    part.json += json;
  }

  /** Sets counts the provider reports; undefined leaves a count as it was. */
  setUsage(input: number | undefined, output: number | undefined): void {
    if (input !== undefined) this.usage = { ...this.usage, input_tokens: input };
    if (output !== undefined) this.usage = { ...this.usage, output_tokens: output };
  }

  hasToolUse(): boolean {
    return [...this.parts.values()].some((p) => p.kind === 'tool');
  }

  result(stopReason: StopReason): TurnResult {
    const content: Array<TextBlock | ToolUseBlock> = [];
    for (const part of this.parts.values()) {
      if (part.kind === 'text') {
        if (part.text.length > 0) content.push({ type: 'text', text: part.text });
      } else {
        content.push({ type: 'tool_use', id: part.id, name: part.name, input: parseInput(part.json) });
      }
    }
    return { content, usage: this.usage, stopReason };
  }
}

function parseInput(json: string): Record<string, unknown> {
  if (json.trim() === '') return {};
  try {
    const value: unknown = JSON.parse(json);
    if (value !== null && typeof value === 'object' && !Array.isArray(value)) return value as Record<string, unknown>;
  } catch {
    // fall through: a truncated or malformed call is reported back to the model by the tool
  }
  return { [RAW_ARGUMENTS_KEY]: json };
}
