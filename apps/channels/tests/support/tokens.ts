import { createPublicKey, generateKeyPairSync, randomUUID, type KeyObject } from 'node:crypto';
import jwt from 'jsonwebtoken';
import type { Jwk, TokenRole } from '@platform/contracts';
import { AccessTokenVerifier, JwksKeyStore } from '@platform/auth-middleware';

export const ISSUER = 'agent-platform';
export const AUDIENCE = 'agent-platform';

/** A caller as the tests see it: its user id and the header that authenticates it. */
export interface Caller {
  id: string;
  role: TokenRole;
  auth: { Authorization: string };
}

/** Stands in for auth: an ES256 key whose JWKS feeds the app's verifier, and tokens signed with it. */
export class TestSigner {
  private readonly privateKey: KeyObject;
  private readonly kid = `test-${randomUUID().slice(0, 8)}`;

  constructor() {
    this.privateKey = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
  }

  jwk(): Jwk {
    const pub = createPublicKey(this.privateKey).export({ format: 'jwk' }) as Record<string, unknown>;
    return { ...pub, kty: 'EC', kid: this.kid, alg: 'ES256', use: 'sig' };
  }

  /** The verifier the app gets: the same class main.ts uses, fed this key's JWKS instead of auth's. */
  verifier(): AccessTokenVerifier {
    return new AccessTokenVerifier({
      keys: new JwksKeyStore({ fetchJwks: () => Promise.resolve({ keys: [this.jwk()] }) }),
      issuer: ISSUER,
      audience: AUDIENCE,
    });
  }

  token(sub: string, role: TokenRole, opts: { expiresInS?: number; key?: KeyObject } = {}): string {
    return jwt.sign({ role }, opts.key ?? this.privateKey, {
      algorithm: 'ES256',
      keyid: this.kid,
      issuer: ISSUER,
      audience: AUDIENCE,
      subject: sub,
      jwtid: randomUUID(),
      expiresIn: opts.expiresInS ?? 300,
    });
  }

  /** A new caller with a fresh user id (a service caller's id is its client id, as auth issues it). */
  caller(role: TokenRole = 'user'): Caller {
    const id = role === 'service' ? 'service:sessions' : randomUUID();
    return { id, role, auth: { Authorization: `Bearer ${this.token(id, role)}` } };
  }
}
