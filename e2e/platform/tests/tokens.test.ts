import { createPublicKey } from 'node:crypto';
import { AccessTokenClaimsSchema, JwksSchema, ServiceTokenResponseSchema } from '@platform/contracts';
import { signUp, withToken, type Session } from './support/accounts';
import { expectEnvelope } from './support/http';
import { startPlatform, type Platform } from './support/platform';
import {
  claimsFor,
  decodeToken,
  hs256Token,
  signEs256,
  strangerKey,
  tamperedToken,
  unsignedToken,
} from './support/tokens';

jest.setTimeout(30_000);

const SERVICE_CLIENT = { client_id: 'e2e-worker', client_secret: 'e2e-worker-secret-0123456789' };

let platform: Platform;
let session: Session;
let kid: string;

beforeAll(async () => {
  platform = await startPlatform({
    name: 'e2e-tokens',
    authEnv: { SERVICE_CLIENTS: `${SERVICE_CLIENT.client_id}:${SERVICE_CLIENT.client_secret}` },
  });
  session = await signUp(platform.api, 'holder');
  kid = String(decodeToken(session.tokens.access_token).header.kid);
}, 90_000);

afterAll(async () => {
  await platform?.stop();
}, 30_000);

/** GET /auth/profile through the gateway with `token` as the bearer. */
const profileWith = (token: string) => withToken(platform.api, token).get('/auth/profile');

describe('access tokens auth issues', () => {
  it('are ES256 JWTs with the published kid, issuer, audience and the user as subject', async () => {
    const jwks = JwksSchema.parse((await platform.api.get('/auth/.well-known/jwks.json')).body);
    const { header, payload } = decodeToken(session.tokens.access_token);

    expect(header).toMatchObject({ alg: 'ES256', kid });
    expect(jwks.keys.map((k) => k.kid)).toContain(kid);
    expect(AccessTokenClaimsSchema.parse(payload)).toMatchObject({
      sub: session.user.id,
      role: 'user',
      iss: 'agent-platform',
      aud: 'agent-platform',
    });
  });

  it('are accepted when signed by the real key with valid claims', async () => {
    const forged = signEs256(platform.signingKey, kid, claimsFor(session.user.id, 'user'));

    const res = await profileWith(forged);

    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ id: session.user.id });
  });
});

describe('the gateway refuses with 401', () => {
  it('an expired token, as TOKEN_EXPIRED', async () => {
    const past = Math.floor(Date.now() / 1000) - 120;
    const expired = signEs256(platform.signingKey, kid, claimsFor(session.user.id, 'user', { iat: past - 60, exp: past }));

    const res = await profileWith(expired);

    expectEnvelope(res, 401, 'TOKEN_EXPIRED');
    expect(res.headers.get('www-authenticate')).toMatch(/^Bearer/);
  });

  it('a token that is not valid yet', async () => {
    const later = Math.floor(Date.now() / 1000) + 600;
    const early = signEs256(platform.signingKey, kid, claimsFor(session.user.id, 'user', { nbf: later, exp: later + 60 }));

    expectEnvelope(await profileWith(early), 401, 'UNAUTHORIZED');
  });

  it('a real token whose payload was changed to claim the admin role', async () => {
    const tampered = tamperedToken(session.tokens.access_token, { role: 'admin' });

    expectEnvelope(await profileWith(tampered), 401, 'UNAUTHORIZED');
    expectEnvelope(await withToken(platform.api, tampered).get('/users'), 401, 'UNAUTHORIZED');
  });

  it('a real token whose signature was altered', async () => {
    const [h, p, sig = ''] = session.tokens.access_token.split('.');
    const flipped = `${h}.${p}.${sig.startsWith('A') ? 'B' : 'A'}${sig.slice(1)}`;

    expectEnvelope(await profileWith(flipped), 401, 'UNAUTHORIZED');
  });

  it("a token signed with another key under auth's key id", async () => {
    const forged = signEs256(strangerKey(), kid, claimsFor(session.user.id, 'user'));

    expectEnvelope(await profileWith(forged), 401, 'UNAUTHORIZED');
  });

  it('a token signed with another key under an unknown key id', async () => {
    const forged = signEs256(strangerKey(), 'not-a-published-kid', claimsFor(session.user.id, 'user'));

    expectEnvelope(await profileWith(forged), 401, 'UNAUTHORIZED');
  });

  it('an unsigned alg:none token', async () => {
    const none = unsignedToken({ alg: 'none', typ: 'JWT', kid }, claimsFor(session.user.id, 'admin'));

    expectEnvelope(await profileWith(none), 401, 'UNAUTHORIZED');
    expectEnvelope(await withToken(platform.api, none).get('/users'), 401, 'UNAUTHORIZED');
  });

  it('an HS256 token keyed with the public key (algorithm confusion)', async () => {
    const publicPem = createPublicKey(platform.signingKey).export({ format: 'pem', type: 'spki' }).toString();
    const confused = hs256Token({ typ: 'JWT', kid }, claimsFor(session.user.id, 'admin'), publicPem);

    expectEnvelope(await profileWith(confused), 401, 'UNAUTHORIZED');
  });

  it('a token for another audience, though signed by the real key', async () => {
    const foreign = signEs256(platform.signingKey, kid, claimsFor(session.user.id, 'user', { aud: 'some-other-api' }));

    expectEnvelope(await profileWith(foreign), 401, 'UNAUTHORIZED');
  });

  it('a token from another issuer, though signed by the real key', async () => {
    const foreign = signEs256(platform.signingKey, kid, claimsFor(session.user.id, 'user', { iss: 'someone-else' }));

    expectEnvelope(await profileWith(foreign), 401, 'UNAUTHORIZED');
  });

  it('a token whose claims do not fit the contract (unknown role)', async () => {
    const odd = signEs256(platform.signingKey, kid, claimsFor(session.user.id, 'superuser'));

    expectEnvelope(await profileWith(odd), 401, 'UNAUTHORIZED');
  });

  it('a bearer that is not a JWT, and a non-bearer Authorization header', async () => {
    expectEnvelope(await profileWith('not-a-jwt'), 401, 'UNAUTHORIZED');
    const basic = await platform.api.get('/auth/profile', { headers: { authorization: `Basic ${Buffer.from('a:b').toString('base64')}` } });
    expectEnvelope(basic, 401, 'UNAUTHORIZED');
  });

  it('a refresh token presented as an access token', async () => {
    expectEnvelope(await profileWith(session.tokens.refresh_token), 401, 'UNAUTHORIZED');
  });
});

describe('public routes with a bad token', () => {
  it('still serve the request (the token is ignored, not trusted)', async () => {
    const none = unsignedToken({ alg: 'none', typ: 'JWT', kid }, claimsFor(session.user.id, 'admin'));

    const res = await withToken(platform.api, none).post('/auth/login', session.credentials);

    expect(res.status).toBe(200);
  });
});

describe('service tokens from /auth/service-token', () => {
  let serviceToken: string;

  beforeAll(async () => {
    const res = await platform.api.post('/auth/service-token', SERVICE_CLIENT);
    serviceToken = ServiceTokenResponseSchema.parse(res.body).access_token;
  });

  it('carry the service role and the client as subject', () => {
    expect(decodeToken(serviceToken).payload).toMatchObject({ sub: `service:${SERVICE_CLIENT.client_id}`, role: 'service' });
  });

  it('are not issued for a wrong client secret (401 INVALID_CREDENTIALS)', async () => {
    const res = await platform.api.post('/auth/service-token', { ...SERVICE_CLIENT, client_secret: 'wrong-secret-0123456789' });

    expectEnvelope(res, 401, 'INVALID_CREDENTIALS');
  });

  it.each([
    ['GET', '/auth/profile', undefined],
    ['PUT', '/auth/profile', { username: 'service_name' }],
    ['POST', '/auth/logout', undefined],
  ] as const)('are refused on %s %s, a route for people, with 403 FORBIDDEN', async (method, path, body) => {
    const res = await withToken(platform.api, serviceToken).request(method, path, body ? { body } : {});

    expectEnvelope(res, 403, 'FORBIDDEN');
  });
});
