import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, randomUUID, type KeyObject } from 'node:crypto';
import jwt from 'jsonwebtoken';
import type { Jwk, Jwks, TokenRole } from '@platform/contracts';

export interface SignedToken {
  token: string;
  jti: string;
  expiresIn: number;
}

/** The access-token signing key: ES256, identified by its RFC 7638 thumbprint, published as a JWKS. */
export class SigningKeys {
  readonly kid: string;
  private readonly privateKey: KeyObject;
  private readonly publicJwk: Jwk;

  constructor(
    pem: string | undefined,
    private readonly issuer: string,
    private readonly audience: string,
  ) {
    this.privateKey = pem ? createPrivateKey(pem) : generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
    if (this.privateKey.asymmetricKeyType !== 'ec' || this.privateKey.asymmetricKeyDetails?.namedCurve !== 'prime256v1') {
      throw new Error('JWT_PRIVATE_KEY must be an EC P-256 key (ES256)');
    }
    const jwk = createPublicKey(this.privateKey).export({ format: 'jwk' }) as { kty: string; crv: string; x: string; y: string };
    this.kid = createHash('sha256')
      .update(JSON.stringify({ crv: jwk.crv, kty: jwk.kty, x: jwk.x, y: jwk.y }))
      .digest('base64url');
    this.publicJwk = { ...jwk, kid: this.kid, alg: 'ES256', use: 'sig' };
  }

  jwks(): Jwks {
    return { keys: [this.publicJwk] };
  }

  sign(claims: { sub: string; role: TokenRole; username?: string; sid?: string; tv?: number }, ttlS: number): SignedToken {
    const jti = randomUUID();
    const extra = { ...(claims.username ? { username: claims.username } : {}), ...(claims.sid ? { sid: claims.sid } : {}), ...(claims.tv !== undefined ? { tv: claims.tv } : {}) };
    const token = jwt.sign({ role: claims.role, ...extra }, this.privateKey, {
      algorithm: 'ES256',
      keyid: this.kid,
      issuer: this.issuer,
      audience: this.audience,
      subject: claims.sub,
      jwtid: jti,
      expiresIn: ttlS,
    });
    return { token, jti, expiresIn: ttlS };
  }
}
