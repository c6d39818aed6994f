import type { ToolUseBlock, Usage } from '@platform/contracts';
import type { Logger } from '@platform/service-kit';
import type { PermissionDecision } from '../permissions';
import type { ToolOutcome } from '../tools/registry';

/** Running totals of a run, across its attempts; the cost hook adds each turn's cost. */
export interface RunTotals {
  usage: Usage;
  turns: number;
  costUsd: number;
}

/** What every hook sees of the run it is called for. */
export interface RunContext {
  runId: string;
  sessionId: string;
  provider: string;
  model: string;
  totals: RunTotals;
  /** Dollars for `usage` on this run's model (the price table). */
  costOf: (usage: Usage) => number;
  /** The run's child logger (run_id, session_id). */
  log: Logger;
}

/** One model query (a turn): `turn` is 1-based across the run. */
export interface QueryStart {
  turn: number;
}

export interface QueryEnd extends QueryStart {
  usage: Usage;
  stopReason: string;
  latencyMs: number;
}

/** A tool call and the decision its tool_use event records (decided_by and reason included). */
export interface ToolStart {
  turn: number;
  call: ToolUseBlock;
  decision: PermissionDecision;
}

export interface ToolEnd extends ToolStart {
  outcome: ToolOutcome;
  durationMs: number;
}

/** How one attempt of a run ended (parked, retry and handed_back attempts are continued later). */
export type RunOutcomeKind = 'completed' | 'failed' | 'cancelled' | 'parked' | 'retry' | 'handed_back' | 'superseded';

/**
 * A hook: any of the points, each awaited in registration order. `before_query`/`after_query` wrap
 * every model query, `before_tool`/`after_tool` every tool call that is decided (before its tool_use
 * event) and finished (before its tool_result event), `after_run` every attempt's end.
 */
export interface RunHook {
  readonly name: string;
  beforeQuery?(run: RunContext, query: QueryStart): void | Promise<void>;
  afterQuery?(run: RunContext, query: QueryEnd): void | Promise<void>;
  beforeTool?(run: RunContext, tool: ToolStart): void | Promise<void>;
  afterTool?(run: RunContext, tool: ToolEnd): void | Promise<void>;
  afterRun?(run: RunContext, outcome: RunOutcomeKind): void | Promise<void>;
}
