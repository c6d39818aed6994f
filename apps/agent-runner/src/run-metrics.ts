import client from 'prom-client';
import type { Usage } from '@platform/contracts';
import type { EventSink, RunEventBody } from './events';

/** Prometheus series of the runner: runs by outcome, tokens, cost, tool calls by decision, runs in flight. */
export class RunMetrics {
  readonly runs: client.Counter<'provider' | 'outcome'>;
  readonly tokens: client.Counter<'provider' | 'model' | 'kind'>;
  readonly cost: client.Counter<'provider' | 'model'>;
  readonly toolCalls: client.Counter<'tool' | 'decision'>;
  readonly active: client.Gauge;

  constructor(registry: client.Registry) {
    const registers = [registry];
    this.runs = new client.Counter({
      name: 'agent_runs_total',
      help: 'Run attempts by outcome',
      labelNames: ['provider', 'outcome'] as const,
      registers,
    });
    this.tokens = new client.Counter({
      name: 'agent_run_tokens_total',
      help: 'Model tokens used',
      labelNames: ['provider', 'model', 'kind'] as const,
      registers,
    });
    this.cost = new client.Counter({
      name: 'agent_run_cost_usd_total',
      help: 'Model cost in US dollars',
      labelNames: ['provider', 'model'] as const,
      registers,
    });
    this.toolCalls = new client.Counter({
      name: 'agent_tool_calls_total',
      help: 'Tool calls by permission decision',
      labelNames: ['tool', 'decision'] as const,
      registers,
    });
    this.active = new client.Gauge({
      name: 'agent_runs_active',
      help: 'Runs being executed by this instance',
      registers,
    });
  }

  /** Wraps a sink so per-turn usage and tool decisions are counted as they are emitted. */
  counting(sink: EventSink, labels: { provider: string; model: string }, costOf: (u: Usage) => number): EventSink {
    return {
      emit: async (event: RunEventBody) => {
        await sink.emit(event);
        if (event.type === 'tool_use') this.toolCalls.inc({ tool: event.data.tool, decision: event.data.decision });
        if (event.type === 'message_complete' && event.data.usage) {
          this.tokens.inc({ ...labels, kind: 'input' }, event.data.usage.input_tokens);
          this.tokens.inc({ ...labels, kind: 'output' }, event.data.usage.output_tokens);
          this.cost.inc(labels, costOf(event.data.usage));
        }
      },
    };
  }
}
