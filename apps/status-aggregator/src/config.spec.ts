import { ConfigError } from '@platform/service-kit';
import { loadStatusAggregatorConfig } from './config';

const valid = {
  REGISTRY_TOKEN: 'registry-test-token-0123456789',
  DATABASE_URL: 'postgresql://postgres@127.0.0.1:5432/status',
};

function problemsOf(env: Record<string, string>): string[] {
  try {
    loadStatusAggregatorConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  throw new Error('expected loadStatusAggregatorConfig to fail');
}

describe('loadStatusAggregatorConfig', () => {
  it('defaults to port 8105, the agent-runs queue and the platform services as required', () => {
    expect(loadStatusAggregatorConfig(valid)).toMatchObject({
      PORT: 8105,
      QUEUES: ['agent-runs'],
      QUEUE_PREFIX: 'bull',
      REQUIRED_SERVICES: ['registry', 'auth', 'channels', 'sessions', 'agent-runner', 'gateway'],
      POLL_INTERVAL_MS: 5000,
      HISTORY_RETENTION_DAYS: 30,
    });
  });

  it('reads lists and treats empty service credentials as unset', () => {
    const c = loadStatusAggregatorConfig({
      ...valid,
      REQUIRED_SERVICES: 'auth, gateway',
      SERVICE_CLIENT_ID: '',
      SERVICE_CLIENT_SECRET: '',
    });

    expect(c.REQUIRED_SERVICES).toEqual(['auth', 'gateway']);
    expect(c.SERVICE_CLIENT_ID).toBeUndefined();
  });

  it('wants both service credentials or neither', () => {
    expect(problemsOf({ ...valid, SERVICE_CLIENT_ID: 'status-aggregator' })).toEqual([
      'SERVICE_CLIENT_SECRET: SERVICE_CLIENT_ID and SERVICE_CLIENT_SECRET go together',
    ]);
  });

  it('keeps at least the 7 days the uptime covers', () => {
    expect(problemsOf({ ...valid, HISTORY_RETENTION_DAYS: '3' })).toEqual([
      expect.stringMatching(/^HISTORY_RETENTION_DAYS: /),
    ]);
  });

  it('lists every problem at once', () => {
    const problems = problemsOf({ PORT: 'eighty', POLL_INTERVAL_MS: '0' });

    expect(problems.map((p) => p.split(':')[0]).sort()).toEqual([
      'DATABASE_URL',
      'POLL_INTERVAL_MS',
      'PORT',
      'REGISTRY_TOKEN',
    ]);
  });
});
