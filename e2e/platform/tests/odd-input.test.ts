import { signUp, type Session } from './support/accounts';
import { expectEnvelope, issuePaths, rawRequest } from './support/http';
import { startPlatform, type Platform } from './support/platform';
import { SESSIONS, createChannel, createSession, runQuery } from './support/sessions';
import { WsClient } from './support/ws';

jest.setTimeout(60_000);

/**
 * Input PostgreSQL cannot store (NUL, unpaired surrogates) is a 400 naming the field in every service, and
 * client-supplied keys never reach Object.prototype (`__proto__`, `constructor`, `toString` are unknown ids).
 * Through the gateway, every service a real process.
 */
let platform: Platform;
let owner: Session;
let sessionId: string;

beforeAll(async () => {
  platform = await startPlatform({ name: 'e2e-odd-input', sessions: true });
  owner = await signUp(platform.api, 'odd');
  sessionId = (await createSession(owner.as, { name: 'odd input' })).id;
}, 90_000);

afterAll(async () => {
  await platform?.stop();
}, 30_000);

// JSON escapes, so the request carries the characters themselves once parsed.
const NUL = '\\u0000';
const LONE = '\\ud800';

describe('strings PostgreSQL cannot store', () => {
  it.each([
    ['a query message with NUL (was a 500)', 'POST', () => `${SESSIONS}/${sessionId}/query`, `{"message":"a${NUL}b"}`, 'body.message'],
    ['a query message with a lone surrogate', 'POST', () => `${SESSIONS}/${sessionId}/query`, `{"message":"x${LONE}"}`, 'body.message'],
    ['a session name', 'POST', () => SESSIONS, `{"name":"a${NUL}"}`, 'body.name'],
    ['a system prompt deep in the options', 'POST', () => SESSIONS, `{"name":"ok","options":{"system_prompt":"${LONE}"}}`, 'body.options.system_prompt'],
    ['a renamed session', 'PATCH', () => `${SESSIONS}/${sessionId}`, `{"name":"b${NUL}"}`, 'body.name'],
    ['a cancel reason', 'POST', () => `${SESSIONS}/${sessionId}/runs/00000000-0000-4000-8000-000000000000/cancel`, `{"reason":"${NUL}"}`, 'body.reason'],
    ['a channel name', 'POST', () => '/api/channels', `{"name":"c${LONE}"}`, 'body.name'],
    ['a channel description', 'POST', () => '/api/channels', `{"name":"fine","description":"d${NUL}"}`, 'body.description'],
    ['a profile username', 'PUT', () => '/auth/profile', `{"username":"u${NUL}"}`, 'body.username'],
    ['a webhook URL', 'PUT', () => '/api/v1/webhook-settings', `{"url":"https://example.com/${NUL}"}`, 'body.url'],
    ['an object key', 'POST', () => SESSIONS, `{"name":"ok","k${NUL}":1}`, 'body."k\\u0000"'],
  ])('refuses %s with 400 naming the field', async (_what, method, path, raw, field) => {
    const res = await rawRequest(platform.gateway.url, {
      method,
      path: path(),
      headers: { authorization: `Bearer ${owner.tokens.access_token}`, 'content-type': 'application/json' },
      body: raw,
    });

    expect(issuePaths(expectEnvelope(res, 400, 'VALIDATION_ERROR'))).toEqual([field]);
  });

  it('refuses a registration with NUL in the username (a public route) with 400', async () => {
    const res = await platform.api.post('/auth/register', undefined, {
      rawBody: `{"email":"nul@e2e.test","username":"n${NUL}l","password":"Long-enough-pass-1"}`,
    });

    expect(issuePaths(expectEnvelope(res, 400, 'VALIDATION_ERROR'))).toEqual(['body.username']);
  });

  it('refuses NUL in a query string value with 400 naming it', async () => {
    const res = await rawRequest(platform.gateway.url, {
      path: `${SESSIONS}?status=active%00`,
      headers: { authorization: `Bearer ${owner.tokens.access_token}` },
    });

    expect(issuePaths(expectEnvelope(res, 400, 'VALIDATION_ERROR'))).toEqual(['query.status']);
  });

  it('answers a WebSocket query with NUL with an error message, and the session stays usable', async () => {
    const ws = await WsClient.connect(`${platform.gateway.url}${SESSIONS}/${sessionId}/stream`, { authorization: `Bearer ${owner.tokens.access_token}` });
    try {
      ws.send({ type: 'query', message: 'a\u0000b' });
      expect(await ws.next()).toMatchObject({ type: 'error', error_code: 'VALIDATION_ERROR', error: expect.stringMatching(/^message .*NUL/) });
      ws.send({ type: 'ping' });
      expect(await ws.next()).toEqual({ type: 'pong' });
    } finally {
      await ws.close();
    }
    expect((await runQuery(owner.as, sessionId, 'hello')).status).toBe('completed');
  });

  it('keeps emoji and other well-formed text as it was sent', async () => {
    const channel = await createChannel(owner.as, 'café ☕ 😀');

    expect(channel.name).toBe('café ☕ 😀');
  });
});

describe('client-supplied keys', () => {
  it.each(['__proto__', 'constructor', 'toString', 'hasOwnProperty'])('answers template_id %s with 404 like any unknown template, creating nothing', async (templateId) => {
    const before = (await owner.as.get(SESSIONS, { query: { limit: 100 } })).body as { items: unknown[] };

    const res = await owner.as.post(SESSIONS, { name: 'from a template', template_id: templateId });

    expect(expectEnvelope(res, 404, 'NOT_FOUND').error).toBe('Template not found');
    expect(((await owner.as.get(SESSIONS, { query: { limit: 100 } })).body as { items: unknown[] }).items).toHaveLength(before.items.length);
  });

  it.each(['constructor', '__proto__', 'toString', 'valueOf'])('answers GET /api/docs/assets/%s (no token) with 404, not a 500', async (name) => {
    const res = await rawRequest(platform.gateway.url, { path: `/api/docs/assets/${name}` });

    expectEnvelope(res, 404, 'NOT_FOUND');
  });

  it('runs a session whose model is named constructor at no cost, not NaN', async () => {
    const session = await createSession(owner.as, { name: 'odd model', options: { provider: 'offline', model: 'constructor' } });

    const run = await runQuery(owner.as, session.id, 'hello');

    expect(run).toMatchObject({ status: 'completed', model: 'constructor', cost_usd: 0 });
  });
});
