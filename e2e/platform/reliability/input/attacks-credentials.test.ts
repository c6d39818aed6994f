import { TokenResponseSchema } from '@platform/contracts';
import { login, signUp, type Session } from '../../tests/support/accounts';
import type { Platform } from '../../tests/support/platform';
import { createSession } from '../../tests/support/sessions';
import { AttackLog, authAudit } from './support/attack-log';
import { WS_HANDSHAKE as WS, forgeries as forge, targets as aim } from './support/forgeries';
import { startFuzzPlatform } from './support/fuzz-platform';
import { writeReport } from './support/oracle';

jest.setTimeout(60_000);

let platform: Platform;
let owner: Session;
let sessionId: string;
const log = new AttackLog();
const forgeries = () => forge(platform, owner);
const targets = () => aim(platform, owner, sessionId);

beforeAll(async () => {
  platform = await startFuzzPlatform('rel-attacks-credentials');
  owner = await signUp(platform.api, 'victim');
  sessionId = (await createSession(owner.as, { name: 'target' })).id;
}, 120_000);

afterAll(async () => {
  log.restore();
  writeReport('input-attacks-credentials', { requests: log.requests, attacks: log.attacks });
  await platform?.stop();
}, 30_000);

describe('forged, stale and misplaced access tokens', () => {
  it('are refused with 401 in the error envelope on every service, through the gateway and directly', async () => {
    const outcomes: string[] = [];
    for (const [forgery, token] of forgeries())
      for (const [where, base, path, headers] of targets()) {
        const res = await log.attempt(
          `forged token: ${forgery}`,
          base,
          { method: 'GET', target: path, headers: { ...headers, authorization: `Bearer ${token}` } },
          401,
        );
        if (res.status !== 401 || !['UNAUTHORIZED', 'TOKEN_EXPIRED'].includes(res.code ?? ''))
          outcomes.push(`${forgery} @ ${where}: ${res.status} ${res.text.slice(0, 100)}`);
      }

    expect(outcomes).toEqual([]);
    const refused = Object.entries(log.attacks)
      .filter(([k]) => k.startsWith('forged token'))
      .reduce((n, [, a]) => n + a.refused, 0);
    expect(refused).toBeGreaterThanOrEqual(forgeries().length * targets().length);
  });

  it('in the WebSocket ?token= parameter are refused the same way', async () => {
    for (const [forgery, token] of forgeries()) {
      const res = await log.attempt(
        `forged token: ${forgery}`,
        platform.gateway.url,
        {
          method: 'GET',
          target: `/api/v1/sessions/${sessionId}/stream?token=${encodeURIComponent(token)}`,
          headers: WS,
        },
        401,
      );
      expect({ forgery, status: res.status }).toEqual({ forgery, status: 401 });
    }
  });
});

describe('a refresh-token family', () => {
  it('is revoked whole when a rotated refresh token is replayed, and the reuse is audited', async () => {
    const first = await login(platform.api, owner.credentials);
    const second = TokenResponseSchema.parse(
      (await platform.api.post('/auth/refresh', { refresh_token: first.refresh_token })).body,
    );

    const replay = await log.attempt(
      'replayed refresh token',
      platform.gateway.url,
      post('/auth/refresh', { refresh_token: first.refresh_token }),
      401,
    );
    const heir = await log.attempt(
      'refresh token of a revoked family',
      platform.gateway.url,
      post('/auth/refresh', { refresh_token: second.refresh_token }),
      401,
    );

    expect([replay.code, heir.code]).toEqual(['TOKEN_REUSED', 'UNAUTHORIZED']);
    const reuse = (await authAudit(platform.authDatabaseUrl, owner.user.id)).filter(
      (a) => a.event === 'refresh_token_reused',
    );
    expect(reuse).toHaveLength(1);
    expect(reuse[0]!.details).toMatchObject({ revoked: expect.any(Number) });
  });

  it('stops working after logout, and a wrong password is refused and audited', async () => {
    const tokens = await login(platform.api, owner.credentials);
    await platform.api.post('/auth/logout', undefined, { headers: { authorization: `Bearer ${tokens.access_token}` } });

    const after = await log.attempt(
      'refresh after logout',
      platform.gateway.url,
      post('/auth/refresh', { refresh_token: tokens.refresh_token }),
      401,
    );
    const guess = await log.attempt(
      'wrong password',
      platform.gateway.url,
      post('/auth/login', { email: owner.credentials.email, password: 'not-the-password-1' }),
      401,
    );

    expect([after.code, guess.code]).toEqual(['UNAUTHORIZED', 'INVALID_CREDENTIALS']);
    expect((await authAudit(platform.authDatabaseUrl, owner.user.id)).map((a) => a.event)).toEqual(
      expect.arrayContaining(['logout', 'login_failed']),
    );
  });
});

const JSON_TYPE = { 'content-type': 'application/json' };
const post = (target: string, body: unknown) => ({
  method: 'POST',
  target,
  headers: JSON_TYPE,
  body: Buffer.from(JSON.stringify(body)),
});
