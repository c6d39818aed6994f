import { JwksSchema } from '@platform/contracts';
import type { ServiceClient } from '@platform/service-client';
import { JwksKeyStore } from './jwks';
import { VerifiedTokenCache } from './token-cache';
import { AccessTokenVerifier } from './verify';

/**
 * Verifies access tokens locally, with auth's public keys fetched (and cached) through the service client;
 * a verified token is remembered until it expires (an ES256 check costs ~0.5 ms of CPU, and a client
 * sends the same token many times).
 */
export function authTokenVerifier(auth: ServiceClient, o: { issuer: string; audience: string }): VerifiedTokenCache {
  return new VerifiedTokenCache(
    new AccessTokenVerifier({
      keys: new JwksKeyStore({
        fetchJwks: async () => (await auth.request({ method: 'GET', path: '/auth/.well-known/jwks.json', schema: JwksSchema })).data,
      }),
      issuer: o.issuer,
      audience: o.audience,
    }),
  );
}
