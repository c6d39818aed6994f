import { generateKeyPairSync } from 'node:crypto';
import { ConfigError } from '@platform/service-kit';
import { loadAuthConfig } from './config';

const valid = {
  REGISTRY_TOKEN: 'registry-test-token-0123456789',
  DATABASE_URL: 'postgresql://postgres@127.0.0.1:5432/auth',
};

function problemsOf(env: Record<string, string>): string[] {
  try {
    loadAuthConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  throw new Error('expected loadAuthConfig to fail');
}

describe('loadAuthConfig', () => {
  it('applies defaults and parses SERVICE_CLIENTS into a map', () => {
    const config = loadAuthConfig({ ...valid, SERVICE_CLIENTS: 'sessions:0123456789abcdef, agents:fedcba9876543210' });

    expect(config).toMatchObject({
      PORT: 8101,
      ACCESS_TOKEN_TTL_S: 900,
      JWT_ISSUER: 'agent-platform',
      ADMIN_USERNAME: 'admin',
    });
    expect([...config.SERVICE_CLIENTS]).toEqual([
      ['sessions', '0123456789abcdef'],
      ['agents', 'fedcba9876543210'],
    ]);
  });

  it('lowercases ADMIN_EMAIL', () => {
    expect(
      loadAuthConfig({ ...valid, ADMIN_EMAIL: 'Root@Example.TEST', ADMIN_PASSWORD: 'bootstrap-secret-1' }).ADMIN_EMAIL,
    ).toBe('root@example.test');
  });

  it('rejects a DATABASE_URL that is not postgres', () => {
    expect(problemsOf({ ...valid, DATABASE_URL: 'mysql://localhost/auth' })).toEqual([
      'DATABASE_URL: must be a postgresql:// URL',
    ]);
  });

  it('rejects every SERVICE_CLIENTS entry without a secret or with a short one', () => {
    expect(problemsOf({ ...valid, SERVICE_CLIENTS: 'sessions' })).toEqual([
      expect.stringMatching(/^SERVICE_CLIENTS: entry "sessions" must be client_id:secret/),
    ]);
    expect(problemsOf({ ...valid, SERVICE_CLIENTS: 'sessions:short' })).toEqual([
      expect.stringMatching(/^SERVICE_CLIENTS: .*16\+ characters/),
    ]);
    expect(problemsOf({ ...valid, SERVICE_CLIENTS: 'a:short,b:0123456789abcdef,c:tiny' })).toEqual([
      expect.stringContaining('entry "a"'),
      expect.stringContaining('entry "c"'),
    ]);
  });

  it('requires ADMIN_PASSWORD with ADMIN_EMAIL', () => {
    expect(problemsOf({ ...valid, ADMIN_EMAIL: 'root@example.test' })).toEqual([
      'ADMIN_PASSWORD: ADMIN_EMAIL and ADMIN_PASSWORD go together',
    ]);
  });

  it('reports a weak ADMIN_PASSWORD as weak, not as missing', () => {
    expect(problemsOf({ ...valid, ADMIN_EMAIL: 'root@example.test', ADMIN_PASSWORD: 'short' })).toEqual([
      'ADMIN_PASSWORD: at least 10 characters',
      'ADMIN_PASSWORD: must contain a digit',
    ]);
  });

  it('requires JWT_PRIVATE_KEY in production only', () => {
    expect(problemsOf({ ...valid, NODE_ENV: 'production' })).toEqual(['JWT_PRIVATE_KEY: is required in production']);
    const pem = generateKeyPairSync('ec', { namedCurve: 'P-256' })
      .privateKey.export({ format: 'pem', type: 'pkcs8' })
      .toString();
    expect(loadAuthConfig({ ...valid, NODE_ENV: 'production', JWT_PRIVATE_KEY: pem }).JWT_PRIVATE_KEY).toBe(pem);
  });

  it('lists every problem at once, not just the first', () => {
    const problems = problemsOf({
      REGISTRY_TOKEN: valid.REGISTRY_TOKEN,
      NODE_ENV: 'production',
      SERVICE_CLIENTS: 'sessions:short',
      ADMIN_EMAIL: 'root@example.test',
    });

    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^DATABASE_URL: /),
        expect.stringMatching(/^SERVICE_CLIENTS: /),
        'ADMIN_PASSWORD: ADMIN_EMAIL and ADMIN_PASSWORD go together',
        'JWT_PRIVATE_KEY: is required in production',
      ]),
    );
    expect(problems).toHaveLength(4);
  });
});
