import { createHash } from 'node:crypto';
import type { AccessTokenClaims } from '@platform/contracts';
import type { RevocationList } from './revocations';

/** What the edge and the services need from a token verifier. */
export interface TokenVerifier {
  verify(token: string): Promise<AccessTokenClaims>;
  /** The revocation feed the verifier consults, when it has one (streams watch it to end themselves). */
  readonly revocations?: RevocationList | undefined;
}

interface Entry {
  claims: AccessTokenClaims;
  expiresAtMs: number;
}

/**
 * Remembers verified access tokens until they expire, so a client's every request does not pay for an
 * ES256 signature check. A cached signature check is the answer the verifier would give; revocation is
 * checked on every call, cached or not, against the in-memory revocation list (two map lookups), so a
 * revoked token stops working as soon as its revocation reaches this instance. Failures are never
 * cached. Bounded LRU keyed by the token's SHA-256, so the cache holds no bearer token.
 */
export class VerifiedTokenCache implements TokenVerifier {
  private readonly entries = new Map<string, Entry>();

  constructor(
    private readonly inner: TokenVerifier,
    private readonly maxEntries = 10_000,
    private readonly now: () => number = Date.now,
    readonly revocations?: RevocationList,
  ) {}

  /**
   * The cached claims of a still-valid token, without touching the verifier; undefined on a miss, and
   * for a revoked token or while revocations cannot be confirmed (`verify` then says why).
   */
  peek(token: string): AccessTokenClaims | undefined {
    const claims = this.cached(token);
    if (!claims || (this.revocations && (!this.revocations.current || this.revocations.isRevoked(claims)))) return undefined;
    return claims;
  }

  async verify(token: string): Promise<AccessTokenClaims> {
    let claims = this.cached(token);
    if (!claims) {
      claims = await this.inner.verify(token);
      // Cached before the revocation check: a revoked token's signature is still valid, and a client
      // repeating it must not cost a signature check each time.
      const expiresAtMs = claims.exp * 1000;
      if (expiresAtMs > this.now()) {
        this.entries.set(keyOf(token), { claims, expiresAtMs });
        if (this.entries.size > this.maxEntries) this.entries.delete(this.entries.keys().next().value as string);
      }
    }
    this.revocations?.assertValid(claims);
    return claims;
  }

  get size(): number {
    return this.entries.size;
  }

  private cached(token: string): AccessTokenClaims | undefined {
    const key = keyOf(token);
    const hit = this.entries.get(key);
    if (!hit) return undefined;
    this.entries.delete(key);
    if (hit.expiresAtMs <= this.now()) return undefined;
    this.entries.set(key, hit);
    return hit.claims;
  }
}

const keyOf = (token: string) => createHash('sha256').update(token).digest('base64url');
