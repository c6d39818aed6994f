import { ConfigError } from '@platform/service-kit';
import { loadChannelsConfig } from './config';

const valid = {
  REGISTRY_TOKEN: 'registry-test-token-0123456789',
  DATABASE_URL: 'postgresql://postgres@127.0.0.1:5432/channels',
};

function problemsOf(env: Record<string, string>): string[] {
  try {
    loadChannelsConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  throw new Error('expected loadChannelsConfig to fail');
}

describe('loadChannelsConfig', () => {
  it('defaults to port 8102 and the platform issuer and audience', () => {
    expect(loadChannelsConfig(valid)).toMatchObject({
      PORT: 8102,
      JWT_ISSUER: 'agent-platform',
      JWT_AUDIENCE: 'agent-platform',
      REGISTER_WITH_REGISTRY: true,
    });
  });

  it('rejects a DATABASE_URL that is not postgres', () => {
    expect(problemsOf({ ...valid, DATABASE_URL: 'mysql://localhost/channels' })).toEqual([
      'DATABASE_URL: must be a postgresql:// URL',
    ]);
  });

  it('lists every problem at once', () => {
    const problems = problemsOf({ PORT: 'eighty' });

    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^PORT: /),
        expect.stringMatching(/^DATABASE_URL: /),
        expect.stringMatching(/^REGISTRY_TOKEN: /),
      ]),
    );
    expect(problems).toHaveLength(3);
  });
});
