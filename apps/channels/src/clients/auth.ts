import { JwksSchema } from '@platform/contracts';
import { AccessTokenVerifier, JwksKeyStore } from '@platform/auth-middleware';
import type { ServiceClient } from '@platform/service-client';

/** Verifies access tokens locally, with auth's public keys fetched (and cached) through the service client. */
export function authTokenVerifier(auth: ServiceClient, o: { issuer: string; audience: string }): AccessTokenVerifier {
  return new AccessTokenVerifier({
    keys: new JwksKeyStore({
      fetchJwks: async () =>
        (await auth.request({ method: 'GET', path: '/auth/.well-known/jwks.json', schema: JwksSchema })).data,
    }),
    issuer: o.issuer,
    audience: o.audience,
  });
}
