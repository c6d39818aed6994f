import client from 'prom-client';
import type { Logger } from '@platform/service-kit';
import { RunMetrics } from '../run-metrics';
import { builtInHooks } from './index';
import type { RunContext } from './types';

function context(log: Logger): RunContext {
  return {
    runId: 'run-1',
    sessionId: 'session-1',
    provider: 'anthropic',
    model: 'claude-sonnet-4-5',
    totals: { usage: { input_tokens: 0, output_tokens: 0 }, turns: 0, costUsd: 0.5 },
    costOf: (u) => (u.input_tokens * 3 + u.output_tokens * 15) / 1_000_000,
    log,
  };
}

const call = { type: 'tool_use' as const, id: 'toolu_1', name: 'write_file', input: { path: 'a' } };
const decision = {
  decision: 'deny' as const,
  decided_by: 'timeout',
  reason: 'No answer within 1 min; the call was denied.',
};

describe('built-in hooks', () => {
  const registry = new client.Registry();
  const info = jest.fn();
  const run = context({ info } as unknown as Logger);
  const hooks = builtInHooks(new RunMetrics(registry));

  beforeAll(async () => {
    await hooks.beforeQuery(run, { turn: 1 });
    await hooks.afterQuery(run, {
      turn: 1,
      usage: { input_tokens: 1000, output_tokens: 100 },
      stopReason: 'tool_use',
      latencyMs: 1500,
    });
    await hooks.beforeTool(run, { turn: 1, call, decision });
    await hooks.afterTool(run, {
      turn: 1,
      call,
      decision,
      outcome: { output: 'denied', isError: true },
      durationMs: 0,
    });
    await hooks.afterRun(run, 'completed');
  });

  const value = async (name: string, labels: Record<string, string>) => {
    const values = (await registry.getMetricsAsJSON()).flatMap((m) =>
      m.values.map((v) => ({ ...v, name: (v as { metricName?: string }).metricName ?? m.name })),
    );
    return values.find((v) => v.name === name && Object.entries(labels).every(([k, l]) => v.labels[k] === l))?.value;
  };

  it('are cost, metrics and audit, in that order', () => {
    expect(hooks.names()).toEqual(['cost', 'metrics', 'audit']);
  });

  it('cost: prices each turn and adds it to the run total', () => {
    expect(run.totals.costUsd).toBeCloseTo(0.5 + 0.0045, 10);
  });

  it('metrics: counts turns, tokens, cost, provider latency, tool decisions and run outcomes', async () => {
    const model = { provider: 'anthropic', model: 'claude-sonnet-4-5' };
    expect(await value('agent_turns_total', model)).toBe(1);
    expect(await value('agent_run_tokens_total', { ...model, kind: 'output' })).toBe(100);
    expect(await value('agent_run_cost_usd_total', model)).toBeCloseTo(0.0045, 10);
    expect(await value('agent_provider_latency_seconds_sum', model)).toBe(1.5);
    expect(await value('agent_tool_calls_total', { tool: 'write_file', decision: 'deny' })).toBe(1);
    expect(await value('agent_runs_total', { provider: 'anthropic', outcome: 'completed' })).toBe(1);
  });

  it('audit: logs every point, with the decided_by and reason the tool_use event records', () => {
    expect(info.mock.calls.map(([, fields]) => (fields as { audit: string }).audit)).toEqual([
      'query_started',
      'query_finished',
      'tool_decided',
      'tool_finished',
      'run_ended',
    ]);
    expect(info).toHaveBeenCalledWith(
      'audit: tool call decided',
      expect.objectContaining({ tool: 'write_file', decision: 'deny', decided_by: 'timeout', reason: decision.reason }),
    );
  });
});
