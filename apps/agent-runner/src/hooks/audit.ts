import type { RunHook } from './types';

/**
 * Built-in: one structured `audit` log line per model query, per tool decision (with the
 * decided_by and reason its tool_use event records), per finished tool call and per attempt's end.
 */
export function auditHook(): RunHook {
  return {
    name: 'audit',
    beforeQuery(run, q) {
      run.log.info('audit: model query', { audit: 'query_started', turn: q.turn, model: run.model });
    },
    afterQuery(run, q) {
      run.log.info('audit: model answered', {
        audit: 'query_finished',
        turn: q.turn,
        stop_reason: q.stopReason,
        usage: q.usage,
        latency_ms: q.latencyMs,
      });
    },
    beforeTool(run, t) {
      run.log.info('audit: tool call decided', {
        audit: 'tool_decided',
        turn: t.turn,
        tool: t.call.name,
        tool_use_id: t.call.id,
        decision: t.decision.decision,
        decided_by: t.decision.decided_by,
        reason: t.decision.reason,
      });
    },
    afterTool(run, t) {
      run.log.info('audit: tool call finished', {
        audit: 'tool_finished',
        tool: t.call.name,
        tool_use_id: t.call.id,
        is_error: t.outcome.isError,
        duration_ms: t.durationMs,
      });
    },
    afterRun(run, outcome) {
      run.log.info('audit: run attempt ended', {
        audit: 'run_ended',
        outcome,
        turns: run.totals.turns,
        usage: run.totals.usage,
        cost_usd: run.totals.costUsd,
      });
    },
  };
}
