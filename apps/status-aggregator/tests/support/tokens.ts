import { createPublicKey, generateKeyPairSync, randomUUID, type KeyObject } from 'node:crypto';
import jwt from 'jsonwebtoken';
import type { Jwk, TokenRole } from '@platform/contracts';
import { AccessTokenVerifier, JwksKeyStore } from '@platform/auth-middleware';

const ISSUER = 'agent-platform';
const AUDIENCE = 'agent-platform';

/** Stands in for auth: an ES256 key whose JWKS feeds the app's verifier, and tokens signed with it. */
export class TestSigner {
  private readonly privateKey: KeyObject = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
  private readonly kid = `test-${randomUUID().slice(0, 8)}`;

  private jwk(): Jwk {
    const pub = createPublicKey(this.privateKey).export({ format: 'jwk' }) as Record<string, unknown>;
    return { ...pub, kty: 'EC', kid: this.kid, alg: 'ES256', use: 'sig' };
  }

  verifier(): AccessTokenVerifier {
    return new AccessTokenVerifier({
      keys: new JwksKeyStore({ fetchJwks: () => Promise.resolve({ keys: [this.jwk()] }) }),
      issuer: ISSUER,
      audience: AUDIENCE,
    });
  }

  token(role: TokenRole, sub: string = role === 'service' ? 'service:status-aggregator' : randomUUID()): string {
    return jwt.sign({ role }, this.privateKey, {
      algorithm: 'ES256',
      keyid: this.kid,
      issuer: ISSUER,
      audience: AUDIENCE,
      subject: sub,
      jwtid: randomUUID(),
      expiresIn: 300,
    });
  }

  /** `{ authorization: 'Bearer …' }` for a caller with `role`. */
  auth(role: TokenRole): { authorization: string } {
    return { authorization: `Bearer ${this.token(role)}` };
  }
}
