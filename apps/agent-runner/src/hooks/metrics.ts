import type { RunMetrics } from '../run-metrics';
import type { RunHook } from './types';

/** Built-in: Prometheus counts of turns, tokens, cost, provider latency, tool calls by decision and attempts by outcome. */
export function metricsHook(m: RunMetrics): RunHook {
  return {
    name: 'metrics',
    afterQuery(run, q) {
      const labels = { provider: run.provider, model: run.model };
      m.turns.inc(labels);
      m.tokens.inc({ ...labels, kind: 'input' }, q.usage.input_tokens);
      m.tokens.inc({ ...labels, kind: 'output' }, q.usage.output_tokens);
      m.cost.inc(labels, run.costOf(q.usage));
      m.providerLatency.observe(labels, q.latencyMs / 1000);
    },
    beforeTool(_run, t) {
      m.toolCalls.inc({ tool: t.call.name, decision: t.decision.decision });
    },
    afterRun(run, outcome) {
      m.runs.inc({ provider: run.provider, outcome });
    },
  };
}
