import { redisPrefix, uniqueId } from './ids';
import { escapeRedisGlob } from './redis';
import { testDatabaseName } from './database';

describe('test ids', () => {
  it('makes ids that start with the prefix and never repeat', () => {
    const ids = new Set(Array.from({ length: 200 }, () => uniqueId('echo')));
    expect(ids.size).toBe(200);
    for (const id of ids) expect(id).toMatch(/^echo-[0-9a-f]{8}$/);
  });

  it('makes Redis prefixes of the form test:<name>:<random>: with a clean name', () => {
    expect(redisPrefix('registry')).toMatch(/^test:registry:[0-9a-f]{8}:$/);
    expect(redisPrefix('a b*c')).toMatch(/^test:a-b-c:[0-9a-f]{8}:$/);
    expect(redisPrefix('x')).not.toBe(redisPrefix('x'));
  });

  it('escapes glob characters so a prefix only matches itself in SCAN MATCH', () => {
    expect(escapeRedisGlob('test:a*b?[c]\\:')).toBe('test:a\\*b\\?\\[c\\]\\\\:');
  });

  it('names test databases t_<service>_<random> as a safe lowercase identifier', () => {
    const name = testDatabaseName('Status-Aggregator');
    expect(name).toMatch(/^t_status_aggregator_[0-9a-f]{12}$/);
    expect(testDatabaseName('x'.repeat(200)).length).toBeLessThanOrEqual(63);
  });
});
