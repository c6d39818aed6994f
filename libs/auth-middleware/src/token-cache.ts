import { createHash } from 'node:crypto';
import type { AccessTokenClaims } from '@platform/contracts';

/** What the edge needs from a token verifier. */
export interface TokenVerifier {
  verify(token: string): Promise<AccessTokenClaims>;
}

interface Entry {
  claims: AccessTokenClaims;
  expiresAtMs: number;
}

/**
 * Remembers verified access tokens until they expire, so a client's every request does not pay for an
 * ES256 signature check. Access tokens are stateless (nothing revokes one before its `exp`), so a cached
 * answer is the answer the verifier would give; failures are never cached. Bounded LRU keyed by the
 * token's SHA-256, so the cache holds no bearer token.
 */
export class VerifiedTokenCache implements TokenVerifier {
  private readonly entries = new Map<string, Entry>();

  constructor(
    private readonly inner: TokenVerifier,
    private readonly maxEntries = 10_000,
    private readonly now: () => number = Date.now,
  ) {}

  /** The cached claims of a still-valid token, without touching the verifier; undefined on a miss. */
  peek(token: string): AccessTokenClaims | undefined {
    const key = keyOf(token);
    const hit = this.entries.get(key);
    if (!hit) return undefined;
    this.entries.delete(key);
    if (hit.expiresAtMs <= this.now()) return undefined;
    this.entries.set(key, hit);
    return hit.claims;
  }

  async verify(token: string): Promise<AccessTokenClaims> {
    const cached = this.peek(token);
    if (cached) return cached;
    const claims = await this.inner.verify(token);
    const expiresAtMs = claims.exp * 1000;
    if (expiresAtMs > this.now()) {
      this.entries.set(keyOf(token), { claims, expiresAtMs });
      if (this.entries.size > this.maxEntries) this.entries.delete(this.entries.keys().next().value as string);
    }
    return claims;
  }

  get size(): number {
    return this.entries.size;
  }
}

const keyOf = (token: string) => createHash('sha256').update(token).digest('base64url');
