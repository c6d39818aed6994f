import jwt from 'jsonwebtoken';
import { AccessTokenClaimsSchema, type AccessTokenClaims } from '@platform/contracts';
import { AppError, UnauthorizedError } from '@platform/service-kit';
import type { JwksKeyStore } from './jwks';

export const ACCESS_TOKEN_ALGORITHMS: jwt.Algorithm[] = ['ES256'];

export interface VerifierOptions {
  keys: JwksKeyStore;
  issuer: string;
  audience: string;
  clockToleranceS?: number;
}

/** Verifies access tokens locally against auth's published keys: ES256 only, issuer, audience, expiry. */
export class AccessTokenVerifier {
  constructor(private readonly o: VerifierOptions) {}

  async verify(token: string): Promise<AccessTokenClaims> {
    const decoded = jwt.decode(token, { complete: true });
    if (!decoded || typeof decoded.payload === 'string') throw new UnauthorizedError('Malformed access token');
    const { alg, kid } = decoded.header;
    if (!ACCESS_TOKEN_ALGORITHMS.includes(alg as jwt.Algorithm)) throw new UnauthorizedError('Unsupported token algorithm');
    if (!kid) throw new UnauthorizedError('Access token has no key id');
    let key;
    try {
      key = await this.o.keys.getKey(kid);
    } catch (err) {
      throw new AppError('UPSTREAM_UNAVAILABLE', 'Cannot fetch signing keys to verify the token', {
        headers: { 'Retry-After': '1' },
        cause: err,
      });
    }
    if (!key) throw new UnauthorizedError('Access token signed by an unknown key');
    let payload: unknown;
    try {
      payload = jwt.verify(token, key, {
        algorithms: ACCESS_TOKEN_ALGORITHMS,
        issuer: this.o.issuer,
        audience: this.o.audience,
        clockTolerance: this.o.clockToleranceS ?? 5,
      });
    } catch (err) {
      if (err instanceof jwt.TokenExpiredError) throw new UnauthorizedError('Access token expired', 'TOKEN_EXPIRED');
      throw new UnauthorizedError('Invalid access token');
    }
    const claims = AccessTokenClaimsSchema.safeParse(payload);
    if (!claims.success) throw new UnauthorizedError('Access token claims are invalid');
    return claims.data;
  }
}
