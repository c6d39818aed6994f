import { z } from 'zod';
import { BaseConfigSchema, ConfigError, env, loadConfig } from './config';

const Schema = BaseConfigSchema.extend({
  PORT: env.port.default(8080),
  FEATURES: env.list.default([]),
  CACHE_TTL_MS: env.ms.default(1000),
  STRICT: env.bool.default(false),
  DATABASE_URL: z.url(),
});

const valid = { REGISTRY_TOKEN: 'a-registry-token-of-16+', DATABASE_URL: 'postgresql://db/app' };

describe('loadConfig', () => {
  it('applies defaults and coerces numbers, booleans and lists from strings', () => {
    const config = loadConfig(Schema, { ...valid, PORT: '9000', FEATURES: ' a, b ,,c', STRICT: 'yes', CACHE_TTL_MS: '250' });
    expect(config).toMatchObject({
      PORT: 9000,
      FEATURES: ['a', 'b', 'c'],
      STRICT: true,
      CACHE_TTL_MS: 250,
      HOST: '127.0.0.1',
      LOG_LEVEL: 'info',
      REGISTER_WITH_REGISTRY: true,
      SHUTDOWN_TIMEOUT_MS: 10_000,
    });
  });

  it("reads TRUST_PROXY as Express's trust proxy setting: false, true, a hop count, or addresses", () => {
    const trust = (v?: string) => loadConfig(Schema, { ...valid, ...(v === undefined ? {} : { TRUST_PROXY: v }) }).TRUST_PROXY;
    expect([trust(), trust('false'), trust('true'), trust('1'), trust('10.0.0.0/8, loopback')]).toEqual(['loopback', false, true, 1, '10.0.0.0/8, loopback']);
  });

  it('lists every problem at once, each naming its variable', () => {
    let caught: unknown;
    try {
      loadConfig(Schema, { REGISTRY_TOKEN: 'short', PORT: '70000', LOG_LEVEL: 'loud', STRICT: 'maybe', CACHE_TTL_MS: '0' });
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(ConfigError);
    const { problems, message } = caught as ConfigError;
    const vars = problems.map((p) => p.split(':')[0]);
    expect(vars.sort()).toEqual(['CACHE_TTL_MS', 'DATABASE_URL', 'LOG_LEVEL', 'PORT', 'REGISTRY_TOKEN', 'STRICT']);
    expect(problems).toContain('REGISTRY_TOKEN: REGISTRY_TOKEN must be at least 16 characters');
    for (const p of problems) expect(message).toContain(p);
  });

  it('takes an idle grace of 0 ms (tests), leaves it unset by default and refuses a negative one', () => {
    expect(loadConfig(Schema, { ...valid, SHUTDOWN_IDLE_GRACE_MS: '0' }).SHUTDOWN_IDLE_GRACE_MS).toBe(0);
    expect(loadConfig(Schema, valid).SHUTDOWN_IDLE_GRACE_MS).toBeUndefined();
    expect(() => loadConfig(Schema, { ...valid, SHUTDOWN_IDLE_GRACE_MS: '-1' })).toThrow(/SHUTDOWN_IDLE_GRACE_MS/);
  });

  it('rejects an instance id that could not be used in a key or URL', () => {
    expect(() => loadConfig(Schema, { ...valid, INSTANCE_ID: 'has spaces/and slashes' })).toThrow(/INSTANCE_ID/);
  });
});

describe('env.json', () => {
  const schema = z.object({ RULES: env.json(z.array(z.object({ limit: z.number().int() }))) });

  it('parses JSON that matches the schema', () => {
    expect(loadConfig(schema, { RULES: '[{"limit":3}]' })).toEqual({ RULES: [{ limit: 3 }] });
  });

  it('reports malformed JSON and each mismatch with its path', () => {
    expect(() => loadConfig(schema, { RULES: '[{' })).toThrow(/RULES: must be JSON/);
    expect(() => loadConfig(schema, { RULES: '[{"limit":"x"}]' })).toThrow(/RULES: 0\.limit: /);
  });
});
