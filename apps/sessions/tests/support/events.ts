import type { ContentBlock, RunEvent, Usage } from '@platform/contracts';

type Without<E> = E extends RunEvent ? Omit<E, 'v' | 'session_id' | 'run_id' | 'run_seq'> : never;

/**
 * Builds one run's events as the agent-runner emits them: same session and run, `run_seq` counting
 * up from 0 in the order they are made.
 */
export class RunScript {
  private seq = 0;

  constructor(
    readonly sessionId: string,
    readonly runId: string,
  ) {}

  event(e: Without<RunEvent>): RunEvent {
    return { v: 1, session_id: this.sessionId, run_id: this.runId, run_seq: this.seq++, ...e } as RunEvent;
  }

  started(provider = 'offline', model = 'offline-echo'): RunEvent {
    return this.event({ type: 'run_started', data: { provider, model } });
  }

  delta(text: string): RunEvent {
    return this.event({ type: 'text_delta', data: { text } });
  }

  toolUse(
    toolUseId: string,
    tool: string,
    input: Record<string, unknown>,
    decision: 'allow' | 'deny' = 'allow',
    reason: string | null = null,
  ): RunEvent {
    return this.event({
      type: 'tool_use',
      data: { tool_use_id: toolUseId, tool, input, decision, decided_by: 'policy', reason },
    });
  }

  toolResult(toolUseId: string, output: string, isError = false): RunEvent {
    return this.event({ type: 'tool_result', data: { tool_use_id: toolUseId, output, is_error: isError } });
  }

  message(role: 'assistant' | 'tool', content: ContentBlock[], usage?: Usage, turn?: number): RunEvent {
    return this.event({
      type: 'message_complete',
      data: { role, content, ...(usage ? { usage } : {}), ...(turn !== undefined ? { turn } : {}) },
    });
  }

  /** The runner needs a person's answer before running `tool` (it parks the job until then). */
  permissionRequest(
    requestId: string,
    toolUseId: string,
    tool: string,
    input: Record<string, unknown>,
    expiresAt: Date,
  ): RunEvent {
    return this.event({
      type: 'permission_request',
      data: { request_id: requestId, tool_use_id: toolUseId, tool, input, expires_at: expiresAt.toISOString() },
    });
  }

  /** A tool_use decided by someone other than the policy (`user:<id>`, `rule:permission_timeout`). */
  decided(
    toolUseId: string,
    tool: string,
    input: Record<string, unknown>,
    decision: 'allow' | 'deny',
    decidedBy: string,
  ) {
    return this.event({
      type: 'tool_use',
      data: { tool_use_id: toolUseId, tool, input, decision, decided_by: decidedBy, reason: null },
    });
  }

  completed(usage: Usage = { input_tokens: 10, output_tokens: 5 }, costUsd = 0.0015): RunEvent {
    return this.event({ type: 'run_completed', data: { usage, cost_usd: costUsd, turns: 1, stop_reason: 'end_turn' } });
  }

  failed(error: string, usage: Usage = { input_tokens: 3, output_tokens: 0 }, costUsd = 0.0001): RunEvent {
    return this.event({ type: 'run_failed', data: { error, usage, cost_usd: costUsd, turns: 0 } });
  }

  /** A whole successful run: started, a text delta, one assistant message, completed. */
  simple(text = 'Hello from the runner'): RunEvent[] {
    return [
      this.started(),
      this.delta(text),
      this.message('assistant', [{ type: 'text', text }], { input_tokens: 10, output_tokens: 5 }),
      this.completed(),
    ];
  }
}
