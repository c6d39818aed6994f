import request from 'supertest';
import {
  RegisterInstanceResponseSchema,
  ServiceInstancesResponseSchema,
  ServiceListResponseSchema,
} from '@platform/contracts';
import { HEARTBEAT_MS, TTL_MS, bearer, buildRegistry, envelope, instanceBody, sleep } from './support';

const registry = buildRegistry('registry-api');
const api = registry.app;

afterAll(() => registry.close());

const listed = async (name: string): Promise<string[]> => {
  const res = await request(api).get(`/registry/services/${name}`).set(bearer()).expect(200);
  return ServiceInstancesResponseSchema.parse(res.body).instances.map((i) => i.instance_id);
};
const heartbeat = (name: string, id: string) => request(api).put(`/registry/instances/${name}/${id}/heartbeat`).set(bearer());

describe('registry: instance lifecycle', () => {
  it('lists a registered instance under its service, with defaults filled in and its heartbeat pace', async () => {
    const body = instanceBody('echo');
    const res = await request(api).post('/registry/instances').set(bearer()).send(body).expect(201);
    const registered = RegisterInstanceResponseSchema.parse(res.body);
    expect(registered).toMatchObject({ ttl_ms: TTL_MS, heartbeat_interval_ms: HEARTBEAT_MS });
    expect(registered.instance).toMatchObject({ ...body, health_path: '/health', ready_path: '/ready', endpoints: [], metadata: {} });

    expect(await listed('echo')).toContain(body.instance_id);
    const all = ServiceListResponseSchema.parse((await request(api).get('/registry/services').set(bearer()).expect(200)).body);
    expect(all.services.find((s) => s.name === 'echo')?.instances.map((i) => i.instance_id)).toContain(body.instance_id);
  });

  it('keeps registered_at when an instance registers again', async () => {
    const body = instanceBody('echo');
    const first = RegisterInstanceResponseSchema.parse((await request(api).post('/registry/instances').set(bearer()).send(body)).body);
    await sleep(20);
    const again = RegisterInstanceResponseSchema.parse(
      (await request(api).post('/registry/instances').set(bearer()).send({ ...body, version: '2.0.0' }).expect(201)).body,
    );
    expect(again.instance.registered_at).toBe(first.instance.registered_at);
    expect(again.instance.version).toBe('2.0.0');
    expect(again.instance.last_heartbeat_at > first.instance.last_heartbeat_at).toBe(true);
  });

  it('keeps a heartbeating instance past its TTL and forgets it within three heartbeat intervals once it stops', async () => {
    const body = instanceBody('pulse');
    await request(api).post('/registry/instances').set(bearer()).send(body).expect(201);
    const started = Date.now();
    // The last heartbeat is known to have been applied between these two instants.
    let lastBeatSent = started;
    let lastBeat = started;
    while (Date.now() - started < 2 * TTL_MS) {
      await sleep(HEARTBEAT_MS * 0.75);
      lastBeatSent = Date.now();
      await heartbeat('pulse', body.instance_id).expect(204);
      lastBeat = Date.now();
      expect(await listed('pulse')).toContain(body.instance_id);
    }

    // Judge each lookup by when it was sent, so a slow answer under load cannot fail the bound.
    for (;;) {
      const askedAt = Date.now();
      if (!(await listed('pulse')).includes(body.instance_id)) break;
      expect(askedAt - lastBeat).toBeLessThan(3 * HEARTBEAT_MS + 100);
      await sleep(20);
    }
    expect(Date.now() - lastBeatSent).toBeGreaterThanOrEqual(TTL_MS - 150);
    await heartbeat('pulse', body.instance_id).expect(404);
  });

  it('removes a deregistered instance at once; deregistering it again is 404', async () => {
    const body = instanceBody('echo');
    await request(api).post('/registry/instances').set(bearer()).send(body).expect(201);
    await request(api).delete(`/registry/instances/echo/${body.instance_id}`).set(bearer()).expect(204);
    expect(await listed('echo')).not.toContain(body.instance_id);
    const again = await request(api).delete(`/registry/instances/echo/${body.instance_id}`).set(bearer()).expect(404);
    expect(envelope(again.body).error_code).toBe('NOT_FOUND');
  });

  it('answers 404 NOT_FOUND to a heartbeat from an instance it does not know, so the instance registers again', async () => {
    const res = await heartbeat('echo', 'never-registered').expect(404);
    expect(envelope(res.body)).toMatchObject({ error_code: 'NOT_FOUND', error: 'Instance not found' });
  });

  it('lists a service nobody registered as empty, not as an error', async () => {
    expect(await listed('ghost')).toEqual([]);
  });
});

describe('registry: service credential', () => {
  it.each([
    ['no Authorization header', {}],
    ['a wrong token', bearer('wrong-token-wrong-token')],
    ['a Basic credential', { authorization: `Basic ${Buffer.from('registry:secret').toString('base64')}` }],
    ['the token with trailing junk', { authorization: `Bearer ${bearer().authorization.slice(7)} extra` }],
  ])('answers 401 with the envelope and registers nothing for %s', async (_case, headers: Record<string, string>) => {
    const body = instanceBody('locked');
    const res = await request(api).post('/registry/instances').set(headers).send(body).expect(401);
    expect(envelope(res.body)).toMatchObject({ error_code: 'UNAUTHORIZED', request_id: res.headers['x-request-id'] });
    expect(res.headers['www-authenticate']).toBe('Bearer');
    expect(await listed('locked')).toEqual([]);
    await request(api).get('/registry/services').set(headers).expect(401);
  });
});
