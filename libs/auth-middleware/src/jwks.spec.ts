import { generateKeyPairSync } from 'node:crypto';
import type { Jwk, Jwks } from '@platform/contracts';
import { JwksKeyStore } from './jwks';

const jwk = (kid: string, use = 'sig'): Jwk =>
  ({ ...generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ format: 'jwk' }), kid, alg: 'ES256', use }) as Jwk;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A JWKS endpoint in memory that counts how often it is fetched. */
function publisher(keys: Jwk[]) {
  const state = { keys, fetches: 0 };
  const fetchJwks = async (): Promise<Jwks> => {
    state.fetches += 1;
    await sleep(5);
    return { keys: state.keys };
  };
  return { state, fetchJwks };
}

describe('JwksKeyStore', () => {
  it('fetches the keys once and serves known kids from its cache', async () => {
    const p = publisher([jwk('k1'), jwk('k2')]);
    const store = new JwksKeyStore({ fetchJwks: p.fetchJwks });
    await Promise.all([store.getKey('k1'), store.getKey('k2'), store.getKey('k1')]);
    expect(await store.getKey('k2')).toBeDefined();
    expect(p.state.fetches).toBe(1);
  });

  it('refetches once for an unknown kid after the cooldown, picking up a rotated key', async () => {
    const p = publisher([jwk('k1')]);
    const store = new JwksKeyStore({ fetchJwks: p.fetchJwks, unknownKidCooldownMs: 50 });
    await store.getKey('k1');
    await sleep(60);
    p.state.keys = [jwk('k1'), jwk('k2')];
    expect(await store.getKey('k2')).toBeDefined();
    expect(p.state.fetches).toBe(2);
  });

  it('bounds refetches for unknown kids by the cooldown, however many arrive', async () => {
    const p = publisher([jwk('k1')]);
    // A cooldown that each burst of in-process calls fits into many times over, even on a loaded machine.
    const store = new JwksKeyStore({ fetchJwks: p.fetchJwks, unknownKidCooldownMs: 1000 });
    await store.getKey('k1');
    const burst = () => Promise.all(Array.from({ length: 20 }, (_, i) => store.getKey(`forged-${i}`)));
    expect((await burst()).every((k) => k === undefined)).toBe(true);
    expect(p.state.fetches).toBe(1);
    await sleep(1050);
    await burst();
    await burst();
    expect(p.state.fetches).toBe(2);
  });

  it('costs a cold store one fetch, not two, when the first kid it sees is unknown', async () => {
    const p = publisher([jwk('k1')]);
    const store = new JwksKeyStore({ fetchJwks: p.fetchJwks, unknownKidCooldownMs: 1000 });
    expect(await store.getKey('forged')).toBeUndefined();
    expect(p.state.fetches).toBe(1);
  });

  it('refreshes keys older than maxAgeMs even when every kid is known', async () => {
    const p = publisher([jwk('k1')]);
    const store = new JwksKeyStore({ fetchJwks: p.fetchJwks, maxAgeMs: 50 });
    await store.getKey('k1');
    await sleep(60);
    await store.getKey('k1');
    expect(p.state.fetches).toBe(2);
  });

  it('ignores keys published for encryption', async () => {
    const p = publisher([jwk('enc-key', 'enc'), jwk('sig-key')]);
    const store = new JwksKeyStore({ fetchJwks: p.fetchJwks });
    expect(await store.getKey('enc-key')).toBeUndefined();
    expect(await store.getKey('sig-key')).toBeDefined();
  });
});
