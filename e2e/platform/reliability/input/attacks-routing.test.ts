import { ApiHealthResponseSchema, DiscoveryResponseSchema } from '@platform/contracts';
import { signIn, signUp, type Session } from '../../tests/support/accounts';
import { startPlatform, type Platform } from '../../tests/support/platform';
import { claimsFor, decodeToken, signEs256 } from '../../tests/support/tokens';
import { AttackLog } from './support/attack-log';
import { WS_HANDSHAKE as WS } from './support/forgeries';
import { writeReport } from './support/oracle';

jest.setTimeout(60_000);

let platform: Platform;
let owner: Session;
const sessionId = '4f0c2a8e-5b7d-4e1a-9c3f-2d6b8a1e7f90';
const log = new AttackLog();

beforeAll(async () => {
  platform = await startPlatform({ name: 'rel-attacks-routing', channels: true });
  owner = await signUp(platform.api, 'victim');
}, 120_000);

afterAll(async () => {
  log.restore();
  writeReport('input-attacks-routing', { requests: log.requests, attacks: log.attacks });
  await platform?.stop();
}, 30_000);

const JSON_TYPE = { 'content-type': 'application/json' };
const post = (target: string, body: unknown) => ({
  method: 'POST',
  target,
  headers: JSON_TYPE,
  body: Buffer.from(JSON.stringify(body)),
});

/** A service token auth would accept (forged with its real key): the strongest credential a caller can hold. */
const serviceToken = () =>
  signEs256(
    platform.signingKey,
    String(decodeToken(owner.tokens.access_token).header.kid),
    claimsFor('service:sessions', 'service'),
  );

describe('the registry', () => {
  it('refuses registration, heartbeats and deregistration without its service credential, and routing is unchanged', async () => {
    const admin = await signIn(platform.api, platform.admin);
    const health = ApiHealthResponseSchema.parse((await admin.as.get('/api/health')).body);
    const auth = health.services.find((s) => s.name === 'auth')!.instances![0]!;
    const rogue = {
      name: 'auth',
      instance_id: 'rogue-1',
      url: 'http://127.0.0.1:9',
      version: '6.6.6',
      endpoints: [{ method: 'GET', path: '/auth/profile' }],
    };
    const service = serviceToken();
    const reg = platform.registry.url;

    for (const authorization of [
      undefined,
      'Bearer wrong',
      `Bearer ${owner.tokens.access_token}`,
      `Bearer ${service}`,
      'Basic cmVnaXN0cnk6cmVnaXN0cnk=',
    ]) {
      const headers: Record<string, string> = authorization ? { authorization } : {};
      await log.attempt(
        'registry without credential',
        reg,
        { ...post('/registry/instances', rogue), headers: { ...JSON_TYPE, ...headers } },
        401,
      );
      await log.attempt(
        'registry without credential',
        reg,
        { method: 'PUT', target: `/registry/instances/auth/${auth.instance_id}/heartbeat`, headers },
        401,
      );
      await log.attempt(
        'registry without credential',
        reg,
        { method: 'DELETE', target: `/registry/instances/auth/${auth.instance_id}`, headers },
        401,
      );
    }
    const through = await log.attempt(
      'registry through the gateway',
      platform.gateway.url,
      post('/registry/instances', rogue),
      404,
    );

    expect(log.attacks['registry without credential']).toEqual({ attempts: 15, refused: 15 });
    expect(through.code).toBe('ROUTE_NOT_FOUND');
    const listed = DiscoveryResponseSchema.parse((await platform.api.get('/api/discovery')).body).services.find(
      (s) => s.service_name === 'auth',
    );
    expect([listed?.instances, listed?.version === rogue.version]).toEqual([1, false]);
    expect((await owner.as.get('/auth/profile')).status).toBe(200);
  });
});

describe('/internal routes through the gateway', () => {
  it.each([
    ['/internal/channels/count', 404],
    ['/INTERNAL/users/{me}', 404],
    ['/%69nternal/users/{me}', 404],
    ['//internal/sessions/{session}/messages', 404],
    ['/auth/../internal/users/{me}', 400],
    ['/api/v1/sessions/%2e%2e/%2e%2e/%2e%2e/internal/sessions/{session}/messages', 400],
  ])('refuse %s (%i) even with a valid service token, over HTTP and WebSocket', async (template, status) => {
    const service = serviceToken();
    const target = template.replace('{me}', owner.user.id).replace('{session}', sessionId);
    const headers = { authorization: `Bearer ${service}` };

    const http = await log.attempt(
      '/internal through the gateway',
      platform.gateway.url,
      { method: 'GET', target, headers },
      status,
    );
    const ws = await log.attempt(
      '/internal through the gateway',
      platform.gateway.url,
      { method: 'GET', target, headers: { ...headers, ...WS } },
      status,
    );

    expect([http.status, ws.status]).toEqual([status, status]);
    expect(http.text).not.toContain(owner.user.email);
  });
});
