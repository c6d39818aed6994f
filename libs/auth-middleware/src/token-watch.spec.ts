import type { AccessTokenClaims, StreamEndReason } from '@platform/contracts';
import type { RevocationList } from './revocations';
import type { TokenVerifier } from './token-cache';
import { watchToken } from './token-watch';

const claims = (sub: string, expS: number): AccessTokenClaims => ({ sub, role: 'user', jti: 'j', iss: 'i', aud: 'a', iat: 0, exp: expS });

/** A verifier whose revocation list revokes the subs in `revoked` and lets the test fire a user's listeners. */
function fakeVerifier() {
  const revoked = new Set<string>();
  const listeners = new Map<string, Set<() => void>>();
  const revocations = {
    isRevoked: (c: AccessTokenClaims) => revoked.has(c.sub),
    onChange: (sub: string, l: () => void) => {
      if (!listeners.has(sub)) listeners.set(sub, new Set());
      listeners.get(sub)!.add(l);
      return () => listeners.get(sub)!.delete(l);
    },
  } as unknown as RevocationList;
  const verifier: TokenVerifier = { verify: () => Promise.reject(new Error('unused')), revocations };
  const revoke = (sub: string) => {
    revoked.add(sub);
    for (const l of listeners.get(sub) ?? []) l();
  };
  return { verifier, revoke, listeners };
}

beforeEach(() => jest.useFakeTimers({ now: 1_000_000 }));
afterEach(() => jest.useRealTimers());

describe('watchToken', () => {
  it('ends once, with token_expired, when the token expires', () => {
    const { verifier } = fakeVerifier();
    const ends: StreamEndReason[] = [];
    watchToken(verifier, claims('u1', 1_060), (r) => ends.push(r));

    jest.advanceTimersByTime(59_999);
    expect(ends).toEqual([]);
    jest.advanceTimersByTime(1);
    expect(ends).toEqual(['token_expired']);
  });

  it("ends with token_revoked when the user's tokens are revoked, and ignores other users' revocations", () => {
    const { verifier, revoke, listeners } = fakeVerifier();
    const ends: StreamEndReason[] = [];
    watchToken(verifier, claims('u1', 1_060), (r) => ends.push(r));

    revoke('u2');
    expect(ends).toEqual([]);
    revoke('u1');
    jest.advanceTimersByTime(120_000);

    expect(ends).toEqual(['token_revoked']);
    expect(listeners.get('u1')?.size).toBe(0);
  });

  it('catches a revocation that came between the check and the watch, after returning its stop function', async () => {
    jest.useRealTimers(); // the check runs as a microtask, which fake timers would hold back
    const { verifier, revoke } = fakeVerifier();
    revoke('u1');
    const ends: StreamEndReason[] = [];
    const stop = watchToken(verifier, claims('u1', Math.floor(Date.now() / 1000) + 60), (r) => ends.push(r));
    expect(ends).toEqual([]);

    await Promise.resolve();

    expect(ends).toEqual(['token_revoked']);
    stop();
  });

  it('calls nothing once stopped', () => {
    const { verifier, revoke } = fakeVerifier();
    const ends: StreamEndReason[] = [];
    const stop = watchToken(verifier, claims('u1', 1_060), (r) => ends.push(r));
    stop();
    revoke('u1');
    jest.advanceTimersByTime(120_000);
    expect(ends).toEqual([]);
  });
});
