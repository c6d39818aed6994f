import type { RunEvent, TextBlock, ToolResultBlock, ToolUseBlock, Usage } from '@platform/contracts';
import type { PermissionDecision } from './permissions';
import type { ToolOutcome } from './tools/registry';

/** An assistant turn whose message_complete went out. */
export interface RecordedTurn {
  content: Array<TextBlock | ToolUseBlock>;
  usage: Usage;
  stopReason: string;
}

/** A permission_request that went out for a tool call. */
export interface RecordedPermission {
  requestId: string;
  expiresAt: string;
}

/** One durable step: its key (turn + kind + tool_use_id) and what a later attempt needs to replay it. */
export interface JournalStep {
  key: string;
  value: string;
}

/** Step keys: `assistant:<turn>`, `tool_message:<turn>`, and `<kind>:<turn>:<tool_use_id>` for a call's steps. */
const keyOf = {
  assistant: (turn: number) => `assistant:${turn}`,
  toolMessage: (turn: number) => `tool_message:${turn}`,
  toolUse: (turn: number, id: string) => `tool_use:${turn}:${id}`,
  permission: (turn: number, id: string) => `permission:${turn}:${id}`,
  toolResult: (turn: number, id: string) => `tool_result:${turn}:${id}`,
};

/**
 * The steps earlier attempts of a run already emitted, read once when an attempt starts. The loop
 * replays them silently (no event, no model call, no tool run) and emits only what is missing;
 * `pendingText` is the text already streamed for the turn that was cut short.
 */
export class RunJournal {
  static readonly EMPTY = new RunJournal(false, {}, '');

  constructor(
    readonly started: boolean,
    private readonly steps: Readonly<Record<string, string>>,
    readonly pendingText: string,
  ) {}

  /** True when nothing of the run was emitted yet. */
  get isFresh(): boolean {
    return !this.started && Object.keys(this.steps).length === 0 && this.pendingText === '';
  }

  turn(turn: number): RecordedTurn | undefined {
    return this.read(keyOf.assistant(turn));
  }

  toolMessage(turn: number): ToolResultBlock[] | undefined {
    return this.read(keyOf.toolMessage(turn));
  }

  toolUse(turn: number, toolUseId: string): PermissionDecision | undefined {
    return this.read(keyOf.toolUse(turn, toolUseId));
  }

  permission(turn: number, toolUseId: string): RecordedPermission | undefined {
    return this.read(keyOf.permission(turn, toolUseId));
  }

  toolResult(turn: number, toolUseId: string): ToolOutcome | undefined {
    return this.read(keyOf.toolResult(turn, toolUseId));
  }

  private read<T>(key: string): T | undefined {
    const raw = this.steps[key];
    return raw === undefined ? undefined : (JSON.parse(raw) as T);
  }
}

/**
 * The journal step `event` records, given the turns finished before it (tool steps belong to the
 * last finished turn, an assistant message finishes the next one); undefined for events that are
 * not replayed (run_started and terminal events live in the ledger, text in the text cursor).
 */
export function stepOf(event: RunEvent, finishedTurns: number): JournalStep | undefined {
  const step = (key: string, value: unknown): JournalStep => ({ key, value: JSON.stringify(value) });
  switch (event.type) {
    case 'message_complete':
      if (event.data.role === 'assistant') {
        const recorded: RecordedTurn = {
          content: event.data.content.filter((b) => b.type !== 'tool_result'),
          usage: event.data.usage ?? { input_tokens: 0, output_tokens: 0 },
          stopReason: event.data.stop_reason ?? 'end_turn',
        };
        return step(keyOf.assistant(finishedTurns + 1), recorded);
      }
      return step(
        keyOf.toolMessage(finishedTurns),
        event.data.content.filter((b) => b.type === 'tool_result'),
      );
    case 'tool_use': {
      const { decision, decided_by, reason } = event.data;
      return step(keyOf.toolUse(finishedTurns, event.data.tool_use_id), { decision, decided_by, reason });
    }
    case 'permission_request': {
      const recorded: RecordedPermission = { requestId: event.data.request_id, expiresAt: event.data.expires_at };
      return step(keyOf.permission(finishedTurns, event.data.tool_use_id), recorded);
    }
    case 'tool_result': {
      const outcome: ToolOutcome = { output: event.data.output, isError: event.data.is_error };
      return step(keyOf.toolResult(finishedTurns, event.data.tool_use_id), outcome);
    }
    case 'run_started':
    case 'text_delta':
    case 'run_completed':
    case 'run_failed':
      return undefined;
  }
}
