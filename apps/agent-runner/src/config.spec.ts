import path from 'node:path';
import { ConfigError } from '@platform/service-kit';
import { loadAgentRunnerConfig } from './config';

const base = { REGISTRY_TOKEN: 'registry-token-0123456789' };

function problemsOf(env: Record<string, string>): string[] {
  try {
    loadAgentRunnerConfig({ ...base, ...env });
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  return [];
}

describe('agent-runner config', () => {
  it('defaults to the offline provider, port 8104 and a workspace root under the cwd', () => {
    const c = loadAgentRunnerConfig(base);
    expect(c).toMatchObject({
      PORT: 8104,
      DEFAULT_PROVIDER: 'offline',
      QUEUE_PREFIX: 'bull',
      EVENTS_STREAM: 'agent-events',
      WORKER_CONCURRENCY: 4,
      JOB_ATTEMPTS: 3,
    });
    expect(c.WORKDIR_ROOT).toBe(path.resolve('.data/workspaces'));
    expect(c.MODEL_PRICES['offline-']).toEqual({ input_per_mtok: 0, output_per_mtok: 0 });
  });

  it('bounds each working directory at 1 GiB and 50,000 entries by default, and takes other bounds in range', () => {
    expect(loadAgentRunnerConfig(base)).toMatchObject({ WORKSPACE_QUOTA_BYTES: 1024 * 1024 * 1024, WORKSPACE_MAX_FILES: 50_000 });
    expect(loadAgentRunnerConfig({ ...base, WORKSPACE_QUOTA_BYTES: '1048576', WORKSPACE_MAX_FILES: '10' })).toMatchObject({
      WORKSPACE_QUOTA_BYTES: 1024 * 1024,
      WORKSPACE_MAX_FILES: 10,
    });
    expect(problemsOf({ WORKSPACE_QUOTA_BYTES: '1000' })).toEqual([expect.stringMatching(/^WORKSPACE_QUOTA_BYTES: /)]);
    // Past what workspaceUsage counts to, a quota could not be told from a tree too big to measure.
    expect(problemsOf({ WORKSPACE_MAX_FILES: '2000000' })).toEqual([expect.stringMatching(/^WORKSPACE_MAX_FILES: must be under 2000000/)]);
  });

  it('takes the /tdd/validate test commands as JSON argv lists; unset or empty means the defaults', () => {
    const defaults = loadAgentRunnerConfig(base).TDD_TEST_COMMANDS;
    expect(defaults).toEqual({ 'npm-test': ['npm', 'test', '--silent'], 'node-test': ['node', '--test'], pytest: ['python3', '-m', 'pytest', '-q'] });
    expect(loadAgentRunnerConfig({ ...base, TDD_TEST_COMMANDS: '' }).TDD_TEST_COMMANDS).toEqual(defaults);
    expect(loadAgentRunnerConfig({ ...base, TDD_TEST_COMMANDS: '{}' }).TDD_TEST_COMMANDS).toEqual({});
    expect(problemsOf({ TDD_TEST_COMMANDS: 'npm test' })).toEqual(['TDD_TEST_COMMANDS: must be JSON']);
    expect(problemsOf({ TDD_TEST_COMMANDS: '{"t": []}' })).toEqual([expect.stringMatching(/^TDD_TEST_COMMANDS: t: /)]);
    expect(problemsOf({ TDD_TEST_COMMANDS: '{"a b": ["x"]}' })).toEqual([expect.stringMatching(/^TDD_TEST_COMMANDS: /)]);
  });

  it('has production defaults for crash recovery and permission waits, and takes test-sized values', () => {
    expect(loadAgentRunnerConfig(base)).toMatchObject({
      LOCK_DURATION_MS: 30_000,
      STALLED_INTERVAL_MS: 30_000,
      MAX_STALLED_COUNT: 2,
      PERMISSION_TIMEOUT_MS: 600_000,
      PERMISSION_POLL_MS: 15_000,
    });
    const fast = loadAgentRunnerConfig({
      ...base,
      LOCK_DURATION_MS: '2000',
      STALLED_INTERVAL_MS: '1000',
      MAX_STALLED_COUNT: '0',
      PERMISSION_TIMEOUT_MS: '500',
    });
    expect(fast).toMatchObject({
      LOCK_DURATION_MS: 2000,
      STALLED_INTERVAL_MS: 1000,
      MAX_STALLED_COUNT: 0,
      PERMISSION_TIMEOUT_MS: 500,
    });
  });

  it('picks the provider whose key is set and treats an empty key as unset', () => {
    expect(loadAgentRunnerConfig({ ...base, ANTHROPIC_API_KEY: 'sk-ant-x' }).DEFAULT_PROVIDER).toBe('anthropic');
    expect(loadAgentRunnerConfig({ ...base, OPENAI_API_KEY: 'sk-x' }).DEFAULT_PROVIDER).toBe('openai');
    expect(loadAgentRunnerConfig({ ...base, ANTHROPIC_API_KEY: '' }).DEFAULT_PROVIDER).toBe('offline');
  });

  it('accepts openai without a key when the base URL is a local compatible server', () => {
    const c = loadAgentRunnerConfig({
      ...base,
      DEFAULT_PROVIDER: 'openai',
      OPENAI_BASE_URL: 'http://127.0.0.1:11434/v1',
    });
    expect(c.DEFAULT_PROVIDER).toBe('openai');
  });

  it('merges MODEL_PRICES over the defaults', () => {
    const c = loadAgentRunnerConfig({
      ...base,
      MODEL_PRICES: '{"llama3.2":{"input_per_mtok":0.1,"output_per_mtok":0.2}}',
    });
    expect(c.MODEL_PRICES['llama3.2']).toEqual({ input_per_mtok: 0.1, output_per_mtok: 0.2 });
    expect(c.MODEL_PRICES['gpt-4o']).toBeDefined();
  });

  it('lists every problem at once', () => {
    expect(
      problemsOf({
        DEFAULT_PROVIDER: 'anthropic',
        MODEL_PRICES: '{"x":{"input_per_mtok":-1}}',
        SERVICE_CLIENT_ID: 'agent-runner',
        WORKER_CONCURRENCY: '0',
        RUN_STATE_TTL_S: '600',
        PERMISSION_TIMEOUT_MS: '600000',
      }),
    ).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^DEFAULT_PROVIDER: anthropic needs ANTHROPIC_API_KEY/),
        expect.stringMatching(/^MODEL_PRICES: /),
        expect.stringMatching(/^SERVICE_CLIENT_SECRET: /),
        expect.stringMatching(/^WORKER_CONCURRENCY: /),
        expect.stringMatching(/^PERMISSION_TIMEOUT_MS: must be shorter than RUN_STATE_TTL_S/),
      ]),
    );
  });
});
