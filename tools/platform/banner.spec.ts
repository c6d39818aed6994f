import { readyBanner, type BannerOptions } from './banner';
import { buildSharedSettings, planServices } from './plan';
import { SERVICES } from './services';

const secrets = {
  registryToken: 't'.repeat(64),
  jwtPrivateKey: 'PEM',
  adminPassword: "it's-7-secret",
  postgresPassword: 'pg',
  serviceClients: { gateway: 'g'.repeat(64) },
};

function banner(env: NodeJS.ProcessEnv): string {
  const options: BannerOptions = {
    color: false,
    services: planServices(SERVICES, env, []),
    shared: buildSharedSettings({ defs: SERVICES, env, secrets, redisUrl: 'redis://127.0.0.1:6379' }),
    seconds: 4.26,
    secretsFile: '.data/dev-secrets.json',
    adminPasswordFromEnv: false,
  };
  return readyBanner(options);
}

describe('readyBanner', () => {
  it('shows the gateway URL, the time taken and a login command that survives the shell', () => {
    const text = banner({ GATEWAY_PORT: '8080' });

    expect(text).toContain('Platform ready in 4.3 s');
    expect(text).toContain('Gateway: http://localhost:8080');
    expect(text).toContain('curl -s -X POST http://localhost:8080/auth/login');
    expect(text).toContain(`-d '{"email":"admin@example.com","password":"it'\\''s-7-secret"}'`);
    expect(text).toContain('.data/dev-secrets.json');
  });

  it('leaves out the login command when the gateway is not started', () => {
    const text = banner({ PLATFORM_SERVICES: 'registry' });

    expect(text).toContain('http://127.0.0.1:8100');
    expect(text).not.toContain('curl');
  });
});
