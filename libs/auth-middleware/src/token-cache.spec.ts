import type { AccessTokenClaims } from '@platform/contracts';
import { AppError, UnauthorizedError } from '@platform/service-kit';
import type { RevocationList } from './revocations';
import { VerifiedTokenCache, type TokenVerifier } from './token-cache';

const claimsFor = (sub: string, expS: number): AccessTokenClaims => ({ sub, role: 'user', jti: `j-${sub}`, iss: 'i', aud: 'a', iat: 0, exp: expS });

/** A verifier that accepts `good-*` tokens (expiring at `exp`) and counts its calls. */
function fakeVerifier(exp: number) {
  const calls: string[] = [];
  const verifier: TokenVerifier = {
    verify: (token) => {
      calls.push(token);
      return token.startsWith('good') ? Promise.resolve(claimsFor(token, exp)) : Promise.reject(new Error('invalid token'));
    },
  };
  return { verifier, calls };
}

describe('VerifiedTokenCache', () => {
  it('verifies a token once and answers again from the cache until it expires', async () => {
    let now = 1_000_000;
    const { verifier, calls } = fakeVerifier(1_060); // exp in seconds: 60 s after `now`
    const cache = new VerifiedTokenCache(verifier, 10, () => now);
    await expect(cache.verify('good-a')).resolves.toMatchObject({ sub: 'good-a' });
    await expect(cache.verify('good-a')).resolves.toMatchObject({ sub: 'good-a' });
    expect(calls).toEqual(['good-a']);
    now = 1_060_000;
    expect(cache.peek('good-a')).toBeUndefined();
    await cache.verify('good-a');
    expect(calls).toEqual(['good-a', 'good-a']);
  });

  it('never caches a failure', async () => {
    const { verifier, calls } = fakeVerifier(2_000_000);
    const cache = new VerifiedTokenCache(verifier, 10, () => 0);
    await expect(cache.verify('bad')).rejects.toThrow('invalid token');
    await expect(cache.verify('bad')).rejects.toThrow('invalid token');
    expect(calls).toEqual(['bad', 'bad']);
    expect(cache.size).toBe(0);
  });

  it('does not cache a token that is already expired', async () => {
    const { verifier } = fakeVerifier(10);
    const cache = new VerifiedTokenCache(verifier, 10, () => 20_000);
    await cache.verify('good-old');
    expect(cache.size).toBe(0);
  });

  it('evicts the least recently used token past its bound', async () => {
    const { verifier, calls } = fakeVerifier(2_000_000);
    const cache = new VerifiedTokenCache(verifier, 2, () => 0);
    await cache.verify('good-1');
    await cache.verify('good-2');
    await cache.verify('good-1'); // 1 is now the most recently used
    await cache.verify('good-3'); // evicts 2
    expect(cache.size).toBe(2);
    expect(cache.peek('good-1')).toBeDefined();
    expect(cache.peek('good-2')).toBeUndefined();
    expect(calls).toEqual(['good-1', 'good-2', 'good-3']);
  });

  it('checks revocation on every call, cached or not, and keeps the signature check of a revoked token cached', async () => {
    const { verifier, calls } = fakeVerifier(2_000_000);
    const revoked = new Set<string>();
    let current = true;
    const revocations = {
      get current() {
        return current;
      },
      isRevoked: (c: AccessTokenClaims) => revoked.has(c.sub),
      assertValid(c: AccessTokenClaims) {
        if (!current) throw new AppError('SERVICE_UNAVAILABLE', 'stale');
        if (revoked.has(c.sub)) throw new UnauthorizedError('revoked', 'TOKEN_REVOKED');
      },
    } as unknown as RevocationList;
    const cache = new VerifiedTokenCache(verifier, 10, () => 0, revocations);
    await cache.verify('good-a');
    expect(cache.peek('good-a')).toBeDefined();

    revoked.add('good-a');
    expect(cache.peek('good-a')).toBeUndefined();
    await expect(cache.verify('good-a')).rejects.toMatchObject({ code: 'TOKEN_REVOKED' });
    await expect(cache.verify('good-b')).resolves.toMatchObject({ sub: 'good-b' });
    revoked.add('good-c');
    await expect(cache.verify('good-c')).rejects.toMatchObject({ code: 'TOKEN_REVOKED' });
    await expect(cache.verify('good-c')).rejects.toMatchObject({ code: 'TOKEN_REVOKED' });
    current = false;
    expect(cache.peek('good-b')).toBeUndefined();
    await expect(cache.verify('good-b')).rejects.toMatchObject({ code: 'SERVICE_UNAVAILABLE' });

    expect(calls).toEqual(['good-a', 'good-b', 'good-c']);
  });
});
