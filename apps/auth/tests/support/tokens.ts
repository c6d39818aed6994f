import { createPublicKey, type JsonWebKey as NodeJwk } from 'node:crypto';
import jwt from 'jsonwebtoken';
import request from 'supertest';
import type { Express } from 'express';
import { AccessTokenClaimsSchema, JwksSchema, type AccessTokenClaims, type Jwk } from '@platform/contracts';

/** Verifies `token` the way another service would: key by `kid` from the published JWKS, ES256 only. */
export async function verifyWithJwks(
  app: Express,
  token: string,
  expected: { issuer: string; audience: string },
): Promise<{ claims: AccessTokenClaims; jwk: Jwk }> {
  const jwks = JwksSchema.parse((await request(app).get('/auth/.well-known/jwks.json').expect(200)).body);
  const header = jwt.decode(token, { complete: true })?.header;
  const jwk = jwks.keys.find((k) => k.kid === header?.kid);
  if (!jwk) throw new Error(`no JWKS key for kid ${String(header?.kid)}`);
  const key = createPublicKey({ key: jwk as unknown as NodeJwk, format: 'jwk' });
  const payload = jwt.verify(token, key, {
    algorithms: ['ES256'],
    issuer: expected.issuer,
    audience: expected.audience,
  });
  return { claims: AccessTokenClaimsSchema.parse(payload), jwk };
}
