import { generateKeyPairSync, randomUUID } from 'node:crypto';
import jwt from 'jsonwebtoken';
import request from 'supertest';
import { ErrorEnvelopeSchema, type Jwk, type TokenRole } from '@platform/contracts';
import { createLogger, createServiceApp } from '@platform/service-kit';
import { JwksKeyStore } from './jwks';
import { bearerToken, requireAction, requireAuth } from './middleware';
import { AccessTokenVerifier } from './verify';

const ISSUER = 'https://auth.platform.test';
const AUDIENCE = 'platform';
const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const jwks = { keys: [{ ...publicKey.export({ format: 'jwk' }), kid: 'k1', alg: 'ES256', use: 'sig' } as Jwk] };
const verifier = new AccessTokenVerifier({ keys: new JwksKeyStore({ fetchJwks: async () => jwks }), issuer: ISSUER, audience: AUDIENCE });

const token = (role: TokenRole, expiresIn = 300) =>
  jwt.sign({ sub: `${role}-1`, role, jti: randomUUID() }, privateKey, { algorithm: 'ES256', keyid: 'k1', issuer: ISSUER, audience: AUDIENCE, expiresIn });

const app = createServiceApp({
  service: 'auth-mw-test',
  version: '0.0.0',
  instanceId: 'auth-mw-test-1',
  logger: createLogger({ service: 'auth-mw-test', level: 'error', pretty: false }),
  routes: (a) => {
    a.get('/me', requireAuth(verifier), (req, res) => res.json({ userId: req.auth?.userId, role: req.auth?.role }));
    a.get('/admin', requireAuth(verifier), requireAction('manage'), (_req, res) => res.json({ ok: true }));
    a.get('/internal', requireAuth(verifier), requireAction('internal'), (_req, res) => res.json({ ok: true }));
    a.get('/run', requireAuth(verifier), requireAction('run'), (_req, res) => res.json({ ok: true }));
    a.get('/no-auth-first', requireAction('manage'), (_req, res) => res.json({ ok: true }));
  },
});

const errorCode = (res: request.Response) => ErrorEnvelopeSchema.parse(res.body).error_code;

describe('requireAuth', () => {
  it('puts the verified caller on the request', async () => {
    const res = await request(app).get('/me').set('authorization', `Bearer ${token('user')}`).expect(200);
    expect(res.body).toEqual({ userId: 'user-1', role: 'user' });
  });

  it.each([
    ['no Authorization header', undefined],
    ['a Basic credential', 'Basic dXNlcjpwYXNz'],
    ['an empty bearer', 'Bearer '],
    ['a token that is not a JWT', 'Bearer abc.def'],
  ])('answers 401 with WWW-Authenticate for %s', async (_case, header) => {
    const req = request(app).get('/me');
    const res = await (header === undefined ? req : req.set('authorization', header)).expect(401);
    expect(errorCode(res)).toBe('UNAUTHORIZED');
    expect(res.headers['www-authenticate']).toBe('Bearer');
  });

  it('answers 401 TOKEN_EXPIRED for an expired token', async () => {
    const res = await request(app).get('/me').set('authorization', `Bearer ${token('user', -60)}`).expect(401);
    expect(errorCode(res)).toBe('TOKEN_EXPIRED');
  });
});

describe('requireAction', () => {
  it('answers 403 FORBIDDEN to a caller whose role may not perform the action', async () => {
    const res = await request(app).get('/admin').set('authorization', `Bearer ${token('user')}`).expect(403);
    expect(errorCode(res)).toBe('FORBIDDEN');
  });

  it('follows the role table: run for agent and user, never for guest or service; internal for services only', async () => {
    await request(app).get('/admin').set('authorization', `Bearer ${token('admin')}`).expect(200);
    await request(app).get('/internal').set('authorization', `Bearer ${token('service')}`).expect(200);
    await request(app).get('/internal').set('authorization', `Bearer ${token('admin')}`).expect(403);
    await request(app).get('/run').set('authorization', `Bearer ${token('agent')}`).expect(200);
    await request(app).get('/run').set('authorization', `Bearer ${token('user')}`).expect(200);
    await request(app).get('/run').set('authorization', `Bearer ${token('guest')}`).expect(403);
    await request(app).get('/run').set('authorization', `Bearer ${token('service')}`).expect(403);
  });

  it('answers 401, not 403, when no authentication ran before it', async () => {
    const res = await request(app).get('/no-auth-first').expect(401);
    expect(errorCode(res)).toBe('UNAUTHORIZED');
  });
});

describe('bearerToken', () => {
  it('reads the token of a Bearer header, case-insensitively and with surrounding spaces', () => {
    expect(bearerToken('Bearer abc.def-ghi_jkl')).toBe('abc.def-ghi_jkl');
    expect(bearerToken('bearer   abc  ')).toBe('abc');
  });

  it('finds no token in other schemes, empty or multi-part values', () => {
    for (const h of [undefined, '', 'Bearer', 'Basic abc', 'Bearer a b', 'Token abc']) expect(bearerToken(h)).toBeUndefined();
  });
});
