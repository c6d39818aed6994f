import request from 'supertest';
import { ReadyResponseSchema } from '@platform/contracts';
import { freePort } from '@platform/testing';
import { bearer } from './support/accounts';
import { envelope } from './support/envelope';
import { SERVICE_CLIENT, buildAuthApp, type AppParts } from './support/harness';

// Postgres is "down": the app is built over a port nothing listens on.
let parts: AppParts;
beforeAll(async () => {
  parts = buildAuthApp({ DATABASE_URL: `postgresql://postgres@127.0.0.1:${await freePort()}/auth` });
});
afterAll(() => parts?.db.$disconnect());

function expectUnavailable(res: request.Response): void {
  expect(res.status).toBe(503);
  expect(envelope(res.body, 'SERVICE_UNAVAILABLE').error).toBe('Database unavailable, try again shortly');
  expect(res.headers['retry-after']).toBe('2');
  expect(res.text).not.toMatch(/ECONNREFUSED|prisma|127\.0\.0\.1/i);
}

describe('when the database is unreachable', () => {
  it('reports not ready with 503 and the failing postgres check', async () => {
    const res = await request(parts.app).get('/ready').expect(503);

    const body = ReadyResponseSchema.parse(res.body);
    expect(body.status).toBe('not_ready');
    expect(body.checks).toEqual([expect.objectContaining({ name: 'postgres', ok: false })]);
  });

  it('stays alive: /health is 200', async () => {
    await request(parts.app).get('/health').expect(200);
  });

  it('answers login, register and refresh with 503 SERVICE_UNAVAILABLE, never 500', async () => {
    expectUnavailable(
      await request(parts.app).post('/auth/login').send({ email: 'a@example.test', password: 'whatever-1234' }),
    );
    expectUnavailable(
      await request(parts.app)
        .post('/auth/register')
        .send({ email: 'b@example.test', username: 'bbb', password: 'whatever-1234' }),
    );
    expectUnavailable(
      await request(parts.app)
        .post('/auth/refresh')
        .send({ refresh_token: `rt_${'x'.repeat(43)}` }),
    );
  });

  it('answers authenticated reads and writes with 503 too', async () => {
    const token = parts.keys.sign(
      { sub: '00000000-0000-4000-8000-000000000001', role: 'admin', sid: '00000000-0000-4000-8000-000000000002' },
      60,
    ).token;

    expectUnavailable(await request(parts.app).get('/auth/profile').set(bearer(token)));
    expectUnavailable(await request(parts.app).get('/users').set(bearer(token)));
    expectUnavailable(await request(parts.app).post('/auth/logout').set(bearer(token)));
  });

  it('still issues service tokens and the JWKS, which need no database', async () => {
    await request(parts.app).get('/auth/.well-known/jwks.json').expect(200);
    await request(parts.app)
      .post('/auth/service-token')
      .send({ client_id: SERVICE_CLIENT.id, client_secret: SERVICE_CLIENT.secret })
      .expect(200);
  });
});
