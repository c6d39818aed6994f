import request from 'supertest';
import { ReadyResponseSchema } from '@platform/contracts';
import { freePort } from '@platform/testing';
import { envelope } from './support/envelope';
import { buildChannelsApp, type AppParts } from './support/harness';

// Postgres is "down": the app is built over a port nothing listens on.
let parts: AppParts;
beforeAll(async () => {
  parts = buildChannelsApp({ DATABASE_URL: `postgresql://postgres@127.0.0.1:${await freePort()}/channels` });
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

  it('answers every channel route with 503 SERVICE_UNAVAILABLE, never 500', async () => {
    const user = parts.signer.caller('user');
    const id = '00000000-0000-4000-8000-000000000001';

    expectUnavailable(await request(parts.app).post('/api/channels').set(user.auth).send({ name: 'x' }));
    expectUnavailable(await request(parts.app).get('/api/channels').set(user.auth));
    expectUnavailable(await request(parts.app).get(`/api/channels/${id}`).set(user.auth));
    expectUnavailable(await request(parts.app).put(`/api/channels/${id}`).set(user.auth).send({ name: 'x' }));
    expectUnavailable(await request(parts.app).patch(`/api/channels/${id}`).set(user.auth).send({ name: 'x' }));
    expectUnavailable(await request(parts.app).delete(`/api/channels/${id}`).set(user.auth));
    expectUnavailable(
      await request(parts.app)
        .get(`/internal/channels/${id}`)
        .query({ user_id: user.id, role: 'user' })
        .set(parts.signer.caller('service').auth),
    );
  });

  it('still validates input first: 400 for a bad body, 401 without a token', async () => {
    const user = parts.signer.caller('user');

    await request(parts.app).post('/api/channels').set(user.auth).send({}).expect(400);
    await request(parts.app).get('/api/channels').expect(401);
  });
});
