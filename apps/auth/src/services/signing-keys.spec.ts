import { createHash, createPublicKey, generateKeyPairSync, type JsonWebKey as NodeJwk } from 'node:crypto';
import jwt from 'jsonwebtoken';
import { SigningKeys } from './signing-keys';

const p256Pem = () =>
  generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();

describe('SigningKeys', () => {
  it('names the key by its RFC 7638 thumbprint, stable across instances of the same PEM', () => {
    const pem = p256Pem();
    const a = new SigningKeys(pem, 'iss', 'aud');
    const b = new SigningKeys(pem, 'other-iss', 'other-aud');

    const [jwk] = a.jwks().keys;
    const thumbprint = createHash('sha256')
      .update(`{"crv":"P-256","kty":"EC","x":"${String(jwk?.x)}","y":"${String(jwk?.y)}"}`)
      .digest('base64url');
    expect(a.kid).toBe(thumbprint);
    expect(b.kid).toBe(a.kid);
    expect(new SigningKeys(p256Pem(), 'iss', 'aud').kid).not.toBe(a.kid);
  });

  it('publishes only the public half, marked ES256 for signing', () => {
    const keys = new SigningKeys(p256Pem(), 'iss', 'aud');

    const jwks = keys.jwks();

    expect(jwks.keys).toHaveLength(1);
    expect(jwks.keys[0]).toEqual({
      kty: 'EC',
      crv: 'P-256',
      x: expect.any(String),
      y: expect.any(String),
      kid: keys.kid,
      alg: 'ES256',
      use: 'sig',
    });
  });

  it('signs tokens that verify with the published key and carry the given claims', () => {
    const keys = new SigningKeys(p256Pem(), 'the-iss', 'the-aud');

    const signed = keys.sign({ sub: 'user-1', role: 'agent', username: 'bot', sid: 'family-1' }, 120);

    const publicKey = createPublicKey({ key: keys.jwks().keys[0] as unknown as NodeJwk, format: 'jwk' });
    const decoded = jwt.verify(signed.token, publicKey, {
      algorithms: ['ES256'],
      issuer: 'the-iss',
      audience: 'the-aud',
      complete: true,
    });
    expect(decoded.header).toMatchObject({ alg: 'ES256', kid: keys.kid });
    expect(decoded.payload).toMatchObject({
      sub: 'user-1',
      role: 'agent',
      username: 'bot',
      sid: 'family-1',
      jti: signed.jti,
    });
    const payload = decoded.payload as jwt.JwtPayload;
    expect(payload.exp! - payload.iat!).toBe(120);
    expect(signed.expiresIn).toBe(120);
  });

  it('gives every token its own jti and omits absent optional claims', () => {
    const keys = new SigningKeys(undefined, 'iss', 'aud');

    const a = keys.sign({ sub: 'service:x', role: 'service' }, 60);
    const b = keys.sign({ sub: 'service:x', role: 'service' }, 60);

    expect(a.jti).not.toBe(b.jti);
    expect(jwt.decode(a.token)).not.toHaveProperty('username');
    expect(jwt.decode(a.token)).not.toHaveProperty('sid');
  });

  it('refuses keys that are not EC P-256', () => {
    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 })
      .privateKey.export({ format: 'pem', type: 'pkcs8' })
      .toString();
    const p384 = generateKeyPairSync('ec', { namedCurve: 'P-384' })
      .privateKey.export({ format: 'pem', type: 'pkcs8' })
      .toString();

    expect(() => new SigningKeys(rsa, 'iss', 'aud')).toThrow(/EC P-256/);
    expect(() => new SigningKeys(p384, 'iss', 'aud')).toThrow(/EC P-256/);
  });
});
