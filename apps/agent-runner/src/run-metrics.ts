import client from 'prom-client';

/** Prometheus series of the runner, fed by the metrics hook (and `active` by the run service). */
export class RunMetrics {
  readonly runs: client.Counter<'provider' | 'outcome'>;
  readonly turns: client.Counter<'provider' | 'model'>;
  readonly tokens: client.Counter<'provider' | 'model' | 'kind'>;
  readonly cost: client.Counter<'provider' | 'model'>;
  readonly toolCalls: client.Counter<'tool' | 'decision'>;
  readonly providerLatency: client.Histogram<'provider' | 'model'>;
  readonly active: client.Gauge;

  constructor(registry: client.Registry) {
    const registers = [registry];
    this.runs = new client.Counter({
      name: 'agent_runs_total',
      help: 'Run attempts by outcome (completed, failed, cancelled, parked, retry, handed_back, superseded)',
      labelNames: ['provider', 'outcome'] as const,
      registers,
    });
    this.turns = new client.Counter({
      name: 'agent_turns_total',
      help: 'Model queries (turns) answered',
      labelNames: ['provider', 'model'] as const,
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
    this.providerLatency = new client.Histogram({
      name: 'agent_provider_latency_seconds',
      help: 'Duration of one model query, from request to the end of its stream',
      labelNames: ['provider', 'model'] as const,
      buckets: [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300],
      registers,
    });
    this.active = new client.Gauge({
      name: 'agent_runs_active',
      help: 'Runs being executed by this instance',
      registers,
    });
  }
}
