import { createPublicKey, type JsonWebKey, type KeyObject } from 'node:crypto';
import type { Jwks } from '@platform/contracts';

export interface JwksStoreOptions {
  fetchJwks: () => Promise<Jwks>;
  /** Keys are refetched after this long even when every kid is known (key rotation). */
  maxAgeMs?: number;
  /** Unknown kids trigger a refetch at most this often, so forged kids cannot flood auth. */
  unknownKidCooldownMs?: number;
}

/** Auth's public keys by `kid`: fetched once, cached, refreshed on an unknown kid (bounded) or when old. */
export class JwksKeyStore {
  private keys = new Map<string, KeyObject>();
  private fetchedAt = 0;
  private inflight: Promise<void> | undefined;

  constructor(private readonly o: JwksStoreOptions) {}

  async getKey(kid: string): Promise<KeyObject | undefined> {
    if (this.fetchedAt === 0 || Date.now() - this.fetchedAt > (this.o.maxAgeMs ?? 10 * 60_000)) await this.refresh();
    const key = this.keys.get(kid);
    if (key) return key;
    // Age after any refresh above, so a fetch just made counts toward the cooldown.
    if (Date.now() - this.fetchedAt > (this.o.unknownKidCooldownMs ?? 5000)) {
      await this.refresh();
      return this.keys.get(kid);
    }
    return undefined;
  }

  private refresh(): Promise<void> {
    this.inflight ??= this.o
      .fetchJwks()
      .then((jwks) => {
        const next = new Map<string, KeyObject>();
        for (const jwk of jwks.keys) {
          if (jwk.use !== undefined && jwk.use !== 'sig') continue;
          next.set(jwk.kid, createPublicKey({ key: jwk as unknown as JsonWebKey, format: 'jwk' }));
        }
        this.keys = next;
        this.fetchedAt = Date.now();
      })
      .finally(() => {
        this.inflight = undefined;
      });
    return this.inflight;
  }
}
