import { JwksSchema } from '@platform/contracts';
import type { ServiceClient } from '@platform/service-client';
import { JwksKeyStore } from './jwks';
import type { RevocationList } from './revocations';
import { VerifiedTokenCache } from './token-cache';
import { AccessTokenVerifier } from './verify';

/**
 * Verifies access tokens locally, with auth's public keys fetched (and cached) through the service client;
 * a verified signature is remembered until the token expires (an ES256 check costs ~0.5 ms of CPU, and a
 * client sends the same token many times), and every use is checked against the revocation list.
 */
export function authTokenVerifier(
  auth: ServiceClient,
  o: { issuer: string; audience: string; revocations?: RevocationList },
): VerifiedTokenCache {
  return new VerifiedTokenCache(
    new AccessTokenVerifier({
      keys: new JwksKeyStore({
        fetchJwks: async () => (await auth.request({ method: 'GET', path: '/auth/.well-known/jwks.json', schema: JwksSchema })).data,
      }),
      issuer: o.issuer,
      audience: o.audience,
    }),
    undefined,
    undefined,
    o.revocations,
  );
}
