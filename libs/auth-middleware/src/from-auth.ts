import { JwksSchema } from '@platform/contracts';
import type { ServiceClient } from '@platform/service-client';
import { JwksKeyStore } from './jwks';
import { AccessTokenVerifier } from './verify';

/** Verifies access tokens locally, with auth's public keys fetched (and cached) through the service client. */
export function authTokenVerifier(auth: ServiceClient, o: { issuer: string; audience: string }): AccessTokenVerifier {
  return new AccessTokenVerifier({
    keys: new JwksKeyStore({
      fetchJwks: async () => (await auth.request({ method: 'GET', path: '/auth/.well-known/jwks.json', schema: JwksSchema })).data,
    }),
    issuer: o.issuer,
    audience: o.audience,
  });
}
