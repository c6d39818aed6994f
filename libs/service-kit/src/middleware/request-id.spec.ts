import request from 'supertest';
import { createServiceApp } from '../create-app';
import { createLogger } from '../logger';
import { currentContext } from '../request-context';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

const app = createServiceApp({
  service: 'kit-test',
  version: '0.0.0',
  instanceId: 'kit-test-1',
  logger: createLogger({ service: 'kit-test', level: 'error', pretty: false }),
  routes: (a) => {
    a.get('/whoami', async (req, res) => {
      await new Promise((resolve) => setTimeout(resolve, 5));
      const ctx = currentContext();
      res.json({ id: req.id, header: req.headers['x-request-id'], context: ctx?.requestId, traceparent: ctx?.traceparent ?? null });
    });
  },
});

describe('request id', () => {
  it('keeps a sane incoming id, echoes it and carries it through async work in the request context', async () => {
    const res = await request(app).get('/whoami').set('x-request-id', 'gw-7f3a.c0ffee:01').expect(200);
    expect(res.headers['x-request-id']).toBe('gw-7f3a.c0ffee:01');
    expect(res.body).toEqual({ id: 'gw-7f3a.c0ffee:01', header: 'gw-7f3a.c0ffee:01', context: 'gw-7f3a.c0ffee:01', traceparent: null });
  });

  it('makes a fresh id when none is sent', async () => {
    const res = await request(app).get('/whoami').expect(200);
    expect(res.headers['x-request-id']).toMatch(UUID);
    expect(res.body.context).toBe(res.headers['x-request-id']);
  });

  it.each([
    ['too short', 'abc'],
    ['too long', 'a'.repeat(129)],
    ['with spaces', 'hello there world'],
    ['with path characters', '../../etc/passwd'],
    ['with markup', '<script>alert(1)</script>'],
    ['with non-ASCII', 'idé-ntifiant-123'],
  ])('replaces an id %s with a fresh one everywhere', async (_case, bad) => {
    const res = await request(app).get('/whoami').set('x-request-id', bad).expect(200);
    expect(res.headers['x-request-id']).toMatch(UUID);
    expect(res.body).toMatchObject({ id: res.headers['x-request-id'], header: res.headers['x-request-id'], context: res.headers['x-request-id'] });
  });

  it('puts the incoming traceparent in the request context', async () => {
    const traceparent = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
    const res = await request(app).get('/whoami').set('traceparent', traceparent).expect(200);
    expect(res.body.traceparent).toBe(traceparent);
  });

  it('echoes the id on error answers too', async () => {
    const res = await request(app).get('/missing').set('x-request-id', 'lost-and-found-42').expect(404);
    expect(res.headers['x-request-id']).toBe('lost-and-found-42');
    expect(res.body.request_id).toBe('lost-and-found-42');
  });
});
