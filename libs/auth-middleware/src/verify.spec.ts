import { createHmac, generateKeyPairSync, randomUUID, type KeyObject } from 'node:crypto';
import jwt from 'jsonwebtoken';
import type { Jwk, Jwks } from '@platform/contracts';
import { AppError, UnauthorizedError } from '@platform/service-kit';
import { JwksKeyStore } from './jwks';
import { AccessTokenVerifier } from './verify';

const ISSUER = 'https://auth.platform.test';
const AUDIENCE = 'platform';
const KID = 'auth-key-1';
const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const other = generateKeyPairSync('ec', { namedCurve: 'P-256' });

const jwkOf = (key: KeyObject, kid: string): Jwk => ({ ...key.export({ format: 'jwk' }), kid, alg: 'ES256', use: 'sig' }) as Jwk;
const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
const now = () => Math.floor(Date.now() / 1000);

function sign(claims: Record<string, unknown> = {}, o: { key?: KeyObject; kid?: string; issuer?: string; audience?: string } = {}): string {
  return jwt.sign({ sub: 'user-1', role: 'user', jti: randomUUID(), iat: now(), exp: now() + 300, ...claims }, o.key ?? privateKey, {
    algorithm: 'ES256',
    keyid: o.kid ?? KID,
    issuer: o.issuer ?? ISSUER,
    audience: o.audience ?? AUDIENCE,
  });
}

function verifier(fetchJwks: () => Promise<Jwks> = async () => ({ keys: [jwkOf(publicKey, KID)] })) {
  return new AccessTokenVerifier({ keys: new JwksKeyStore({ fetchJwks }), issuer: ISSUER, audience: AUDIENCE });
}

async function rejection(token: string, v = verifier()): Promise<AppError> {
  const err = await v.verify(token).then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(err instanceof AppError)) throw new Error(`expected an AppError, got ${String(err)}`);
  return err;
}

describe('AccessTokenVerifier', () => {
  it('returns the claims of a valid ES256 token', async () => {
    const claims = await verifier().verify(sign({ username: 'ada', sid: 's-1' }));
    expect(claims).toMatchObject({ sub: 'user-1', role: 'user', iss: ISSUER, aud: AUDIENCE, username: 'ada', sid: 's-1' });
  });

  it('rejects an expired token as TOKEN_EXPIRED, but allows a few seconds of clock skew', async () => {
    const expired = await rejection(sign({ iat: now() - 600, exp: now() - 60 }));
    expect(expired).toBeInstanceOf(UnauthorizedError);
    expect(expired).toMatchObject({ code: 'TOKEN_EXPIRED', status: 401 });
    await expect(verifier().verify(sign({ exp: now() - 2 }))).resolves.toMatchObject({ sub: 'user-1' });
  });

  it('rejects a token whose payload was changed after signing', async () => {
    const [header, , signature] = sign().split('.');
    const forged = `${header}.${b64({ sub: 'user-1', role: 'admin', jti: 'x', iss: ISSUER, aud: AUDIENCE, iat: now(), exp: now() + 300 })}.${signature}`;
    expect(await rejection(forged)).toMatchObject({ code: 'UNAUTHORIZED', status: 401, message: 'Invalid access token' });
  });

  it('rejects a token signed by another key under a known kid', async () => {
    expect(await rejection(sign({}, { key: other.privateKey }))).toMatchObject({ code: 'UNAUTHORIZED', message: 'Invalid access token' });
  });

  it('rejects alg "none"', async () => {
    const payload = { sub: 'user-1', role: 'admin', jti: 'x', iss: ISSUER, aud: AUDIENCE, iat: now(), exp: now() + 300 };
    const token = `${b64({ alg: 'none', typ: 'JWT', kid: KID })}.${b64(payload)}.`;
    expect(await rejection(token)).toMatchObject({ code: 'UNAUTHORIZED', message: 'Unsupported token algorithm' });
  });

  it('rejects HS256 signed with the public key as the HMAC secret (algorithm confusion)', async () => {
    const pem = publicKey.export({ format: 'pem', type: 'spki' });
    const payload = { sub: 'user-1', role: 'admin', jti: 'x', iss: ISSUER, aud: AUDIENCE, iat: now(), exp: now() + 300 };
    const input = `${b64({ alg: 'HS256', typ: 'JWT', kid: KID })}.${b64(payload)}`;
    const token = `${input}.${createHmac('sha256', pem).update(input).digest('base64url')}`;
    expect(await rejection(token)).toMatchObject({ code: 'UNAUTHORIZED', message: 'Unsupported token algorithm' });
  });

  it.each([
    ['another audience', { audience: 'some-other-api' }],
    ['another issuer', { issuer: 'https://evil.example' }],
  ])('rejects a token for %s', async (_case, o) => {
    expect(await rejection(sign({}, o))).toMatchObject({ code: 'UNAUTHORIZED', status: 401 });
  });

  it('rejects claims outside the contract (unknown role), a token without kid, and garbage', async () => {
    expect(await rejection(sign({ role: 'superuser' }))).toMatchObject({ message: 'Access token claims are invalid' });
    const noKid = jwt.sign({ sub: 'u', role: 'user', jti: 'x' }, privateKey, { algorithm: 'ES256', issuer: ISSUER, audience: AUDIENCE });
    expect(await rejection(noKid)).toMatchObject({ message: 'Access token has no key id' });
    expect(await rejection('not-a-jwt')).toMatchObject({ code: 'UNAUTHORIZED', message: 'Malformed access token' });
  });

  it('rejects a token signed by a key auth never published', async () => {
    expect(await rejection(sign({}, { key: other.privateKey, kid: 'forged-kid' }))).toMatchObject({
      code: 'UNAUTHORIZED',
      message: 'Access token signed by an unknown key',
    });
  });

  it('answers 503 (not 401) when the signing keys cannot be fetched', async () => {
    const err = await rejection(sign(), verifier(() => Promise.reject(new Error('auth is down'))));
    expect(err).toMatchObject({ code: 'UPSTREAM_UNAVAILABLE', status: 503, headers: { 'Retry-After': '1' } });
  });
});
