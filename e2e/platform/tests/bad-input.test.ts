import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { ErrorEnvelopeSchema } from '@platform/contracts';
import type { JsonClient } from '@platform/testing';
import { signIn, signUp, type Session } from './support/accounts';
import { expectEnvelope, issuePaths, rawRequest } from './support/http';
import { startPlatform, type Platform } from './support/platform';

jest.setTimeout(30_000);

// Both services run with the default 100kb body limit.
const OVER_LIMIT = 150 * 1024;

let platform: Platform;
let admin: JsonClient;
let user: Session;

beforeAll(async () => {
  platform = await startPlatform({ name: 'e2e-bad-input', sessions: true, shared: true });
  admin = (await signIn(platform.api, platform.admin)).as;
  user = await signUp(platform.api, 'target');
}, 90_000);

afterAll(async () => {
  await platform?.stop();
}, 30_000);

/** POST /auth/login with `body` sent as is. */
const postRaw = (body: string | Buffer, headers: Record<string, string> = { 'content-type': 'application/json' }) =>
  rawRequest(platform.gateway.url, { method: 'POST', path: '/auth/login', headers, body });

describe('JSON bodies through the gateway', () => {
  it('answers malformed JSON with 400 INVALID_JSON', async () => {
    const res = await platform.api.post('/auth/login', undefined, { rawBody: '{"email": "a@b.c", "password": ' });

    expectEnvelope(res, 400, 'INVALID_JSON');
  });

  it('answers wrong types with 400 VALIDATION_ERROR naming each field', async () => {
    const res = await platform.api.post('/auth/login', { email: 42, password: ['x'] });

    expect(issuePaths(expectEnvelope(res, 400, 'VALIDATION_ERROR')).sort()).toEqual(['body.email', 'body.password']);
  });

  it('answers unknown fields with 400 VALIDATION_ERROR', async () => {
    const res = await platform.api.post('/auth/login', { ...user.credentials, role: 'admin' });

    expectEnvelope(res, 400, 'VALIDATION_ERROR');
  });

  it('answers a wrongly typed admin update with 400 naming body.is_active, and changes nothing', async () => {
    const res = await admin.put(`/users/${user.user.id}`, { is_active: 'no', role: 'admin' });

    expect(issuePaths(expectEnvelope(res, 400, 'VALIDATION_ERROR'))).toEqual(['body.is_active']);
    expect((await admin.get(`/users/${user.user.id}`)).body).toMatchObject({ role: 'user', is_active: true });
  });

  it('answers a body that is not JSON with 415 UNSUPPORTED_MEDIA_TYPE', async () => {
    const res = await platform.api.post('/auth/login', undefined, { rawBody: 'email=a@b.c', contentType: 'application/x-www-form-urlencoded' });

    expectEnvelope(res, 415, 'UNSUPPORTED_MEDIA_TYPE');
  });

  it('answers a charset it cannot read with 415 UNSUPPORTED_MEDIA_TYPE', async () => {
    const res = await postRaw('{}', { 'content-type': 'application/json; charset=latin1' });

    expectEnvelope(res, 415, 'UNSUPPORTED_MEDIA_TYPE');
  });

  it('answers an oversized body announced by Content-Length with 413 PAYLOAD_TOO_LARGE at the gateway', async () => {
    const res = await postRaw(JSON.stringify({ email: 'a@b.c', password: 'x'.repeat(OVER_LIMIT) }));

    expectEnvelope(res, 413, 'PAYLOAD_TOO_LARGE');
  });

  it('answers an oversized chunked body (no Content-Length) with 413 PAYLOAD_TOO_LARGE', async () => {
    const chunks = ['{"email":"a@b.c","password":"', ...Array.from({ length: 15 }, () => 'x'.repeat(10 * 1024)), '"}'];

    const res = await rawRequest(platform.gateway.url, {
      method: 'POST',
      path: '/auth/login',
      headers: { 'content-type': 'application/json' },
      body: Readable.from(chunks),
    });

    expectEnvelope(res, 413, 'PAYLOAD_TOO_LARGE');
  });

  it.each([
    ['null', 'null'],
    ['an array', '[]'],
    ['a string', '"hello"'],
    ['a number', '12345'],
    ['an empty object', '{}'],
    ['deeply nested arrays', `${'['.repeat(20_000)}${']'.repeat(20_000)}`],
    ['a __proto__ key', '{"__proto__": {"role": "admin"}, "email": "a@b.c", "password": "x"}'],
    ['a constructor key', '{"constructor": {"prototype": {"role": "admin"}}}'],
    ['a huge number', `{"email": 1e999999, "password": "x"}`],
    ['a lone surrogate', '{"email": "\\ud800@b.c", "password": "x"}'],
    ['a NUL character', '{"email": "a\\u0000@b.c", "password": "x"}'],
    ['duplicate keys', '{"email": "a@b.c", "email": 5, "password": "x"}'],
  ])('answers %s with a 4xx envelope, never a 500', async (_what, body) => {
    const res = await postRaw(body);

    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(res.status).toBeLessThan(500);
    expect(ErrorEnvelopeSchema.safeParse(JSON.parse(res.text)).success).toBe(true);
  });

  it('answers invalid UTF-8 and a body whose gzip is corrupt with a 4xx envelope', async () => {
    const badUtf8 = Buffer.concat([Buffer.from('{"email": "'), Buffer.from([0xc3, 0x28, 0xff]), Buffer.from('@b.c", "password": "x"}')]);
    const corruptGzip = gzipSync('{"email":"a@b.c"}').subarray(0, 12);

    for (const res of [await postRaw(badUtf8), await postRaw(corruptGzip, { 'content-type': 'application/json', 'content-encoding': 'gzip' })]) {
      expect(res.status).toBeGreaterThanOrEqual(400);
      expect(res.status).toBeLessThan(500);
      expect(ErrorEnvelopeSchema.safeParse(JSON.parse(res.text)).success).toBe(true);
    }
  });
});

describe('paths and queries through the gateway', () => {
  it('answers an id that is not a UUID with 400 naming params.id', async () => {
    const res = await admin.get('/users/not-a-uuid');

    expect(issuePaths(expectEnvelope(res, 400, 'VALIDATION_ERROR'))).toEqual(['params.id']);
  });

  it('answers a forged cursor with 400 naming query.cursor', async () => {
    const res = await admin.get('/users', { query: { cursor: 'bm90LWEtY3Vyc29y' } });

    expect(issuePaths(expectEnvelope(res, 400, 'VALIDATION_ERROR'))).toEqual(['query.cursor']);
  });

  it.each([
    ['whose id is not a UUID', ['2026-01-01T00:00:00.000Z', 'not-a-uuid']],
    ['whose date the database cannot store', ['-271821-04-20T00:00:00.000Z', '00000000-0000-0000-0000-000000000000']],
    ['of the wrong shape', { created_at: '2026-01-01T00:00:00.000Z' }],
  ])('answers a well-encoded cursor %s with 400 naming query.cursor', async (_what, content) => {
    const cursor = Buffer.from(JSON.stringify(content)).toString('base64url');

    const res = await admin.get('/users', { query: { cursor } });

    expect(issuePaths(expectEnvelope(res, 400, 'VALIDATION_ERROR'))).toEqual(['query.cursor']);
  });

  it('answers a search term containing a NUL character with 400 naming query.q', async () => {
    const res = await admin.get('/users?q=a%00b');

    expect(issuePaths(expectEnvelope(res, 400, 'VALIDATION_ERROR'))).toEqual(['query.q']);
  });

  it('answers a repeated or unknown-valued filter with 400', async () => {
    expectEnvelope(await admin.get('/users?role=admin&role=user'), 400, 'VALIDATION_ERROR');
    expectEnvelope(await admin.get('/users?role=root'), 400, 'VALIDATION_ERROR');
    expectEnvelope(await admin.get('/users?is_active=maybe'), 400, 'VALIDATION_ERROR');
  });

  it('answers malformed percent-encoding in the path with 400', async () => {
    const res = await rawRequest(platform.gateway.url, { path: '/users/%E0%A4%A' });

    expectEnvelope(res, 400, 'VALIDATION_ERROR');
  });

  it('answers a route nobody serves with 404 ROUTE_NOT_FOUND', async () => {
    expectEnvelope(await platform.api.get('/no/such/route'), 404, 'ROUTE_NOT_FOUND');
    expectEnvelope(await platform.api.delete('/api/service-info'), 404, 'ROUTE_NOT_FOUND');
  });
});
