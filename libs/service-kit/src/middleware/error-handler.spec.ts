import { Writable } from 'node:stream';
import request from 'supertest';
import winston from 'winston';
import { z } from 'zod';
import { ERROR_STATUS, ErrorCodeSchema, ErrorEnvelopeSchema, type ErrorCode } from '@platform/contracts';
import { createServiceApp } from '../create-app';
import { AppError, UnauthorizedError, UpstreamUnavailableError } from '../errors';
import { parseInput } from '../validate';

const lines: Array<Record<string, unknown>> = [];
const logger = winston.createLogger({
  level: 'debug',
  format: winston.format.json(),
  transports: [
    new winston.transports.Stream({
      stream: new Writable({
        write(chunk: Buffer, _enc, done) {
          lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
          done();
        },
      }),
    }),
  ],
});

const app = createServiceApp({
  service: 'kit-test',
  version: '0.0.0',
  instanceId: 'kit-test-1',
  logger,
  bodyLimit: '1kb',
  routes: (a) => {
    a.get('/codes/:code', (req) => {
      throw new AppError(ErrorCodeSchema.parse(req.params.code), `failed with ${req.params.code}`, { details: { hint: 'x' } });
    });
    a.get('/unauthorized', () => {
      throw new UnauthorizedError('Access token expired', 'TOKEN_EXPIRED');
    });
    a.get('/upstream', () => {
      throw new UpstreamUnavailableError('auth', 2.2, 'circuit breaker open');
    });
    a.get('/crash', () => {
      throw new Error('password=hunter2 leaked from /srv/app/db.ts');
    });
    a.get('/crash-async', async () => {
      await Promise.resolve();
      throw new TypeError("Cannot read properties of undefined (reading 'secret_column')");
    });
    a.get('/crash-non-error', () => {
      throw { internal: 'secret object' };
    });
    a.get('/things/:name', (req, res) => {
      res.json(parseInput(z.object({ name: z.string() }), req.params, 'params'));
    });
    a.post('/echo', (req, res) => {
      // No parseInput: the app-wide check alone must keep the string away.
      res.json({ body: req.body as unknown, query: req.query });
    });
    a.post('/items', (req, res) => {
      const body = parseInput(z.object({ name: z.string().min(2), tags: z.array(z.string()) }), req.body, 'body');
      res.status(201).json(body);
    });
  },
});

const envelopeOf = (res: request.Response) => {
  const body = ErrorEnvelopeSchema.parse(res.body);
  expect(body.request_id).toBe(res.headers['x-request-id']);
  return body;
};

describe('error handler', () => {
  it.each(Object.entries(ERROR_STATUS) as Array<[ErrorCode, number]>)('answers AppError %s with status %i and the envelope', async (code, status) => {
    const res = await request(app).get(`/codes/${code}`).expect(status);
    expect(envelopeOf(res)).toMatchObject({ error_code: code, error: `failed with ${code}`, details: { hint: 'x' } });
  });

  it('sends the headers an error carries (WWW-Authenticate, Retry-After)', async () => {
    const unauthorized = await request(app).get('/unauthorized').expect(401);
    expect(unauthorized.headers['www-authenticate']).toBe('Bearer');
    expect(envelopeOf(unauthorized).error_code).toBe('TOKEN_EXPIRED');
    const upstream = await request(app).get('/upstream').expect(503);
    expect(upstream.headers['retry-after']).toBe('3');
    expect(envelopeOf(upstream)).toMatchObject({ error_code: 'UPSTREAM_UNAVAILABLE', details: { service: 'auth', reason: 'circuit breaker open' } });
  });

  it.each(['/crash', '/crash-async', '/crash-non-error'])('answers an unknown error from %s with a bare 500, leaking nothing', async (path) => {
    const res = await request(app).get(path).expect(500);
    expect(envelopeOf(res)).toEqual({
      error: 'Internal server error',
      error_code: 'INTERNAL_ERROR',
      request_id: res.headers['x-request-id'],
      timestamp: expect.any(String),
    });
    expect(res.text).not.toMatch(/hunter2|secret|\/srv\/|TypeError|\bat\s/);
  });

  it('logs an unknown error once, at error level, with the request id and the stack', async () => {
    const res = await request(app).get('/crash').set('x-request-id', 'trace-me-0001').expect(500);
    expect(res.headers['x-request-id']).toBe('trace-me-0001');
    const logged = lines.filter((l) => l.request_id === 'trace-me-0001' && l.level === 'error');
    expect(logged).toHaveLength(1);
    expect(logged[0]).toMatchObject({ message: 'unhandled error', err_message: 'password=hunter2 leaked from /srv/app/db.ts', path: '/crash' });
    expect(String(logged[0]!.stack)).toContain('error-handler.spec.ts');
  });

  it('names each invalid field of a body in a 400', async () => {
    const res = await request(app).post('/items').send({ name: 'x', tags: [1] }).expect(400);
    const issues = (envelopeOf(res).details as { issues: Array<{ path: string }> }).issues;
    expect(issues.map((i) => i.path).sort()).toEqual(['body.name', 'body.tags.0']);
  });
});

describe('body parsing errors', () => {
  it('answers malformed JSON with 400 INVALID_JSON', async () => {
    const res = await request(app).post('/items').set('content-type', 'application/json').send('{"name":').expect(400);
    expect(envelopeOf(res).error_code).toBe('INVALID_JSON');
  });

  it('answers a body over the limit with 413 PAYLOAD_TOO_LARGE', async () => {
    const res = await request(app).post('/items').send({ name: 'x'.repeat(2048), tags: [] }).expect(413);
    expect(envelopeOf(res).error_code).toBe('PAYLOAD_TOO_LARGE');
  });

  it.each([
    ['a non-JSON media type', { 'content-type': 'text/plain' }],
    ['an unsupported charset', { 'content-type': 'application/json; charset=iso-8859-1' }],
    ['an unsupported content encoding', { 'content-type': 'application/json', 'content-encoding': 'compress' }],
  ])('answers %s with 415 UNSUPPORTED_MEDIA_TYPE', async (_case, headers: Record<string, string>) => {
    const res = await request(app).post('/items').set(headers).send('{"name":"ok","tags":[]}').expect(415);
    expect(envelopeOf(res).error_code).toBe('UNSUPPORTED_MEDIA_TYPE');
  });

  it('accepts a +json media type', async () => {
    await request(app).post('/items').set('content-type', 'application/merge-patch+json').send('{"name":"ok","tags":[]}').expect(201);
  });

  it('answers an unknown route with 404 ROUTE_NOT_FOUND', async () => {
    const res = await request(app).delete('/nowhere').expect(404);
    expect(envelopeOf(res)).toMatchObject({ error_code: 'ROUTE_NOT_FOUND', error: 'No route for DELETE /nowhere' });
  });
});

describe('strings PostgreSQL cannot store', () => {
  it.each([
    ['a NUL in a body string', '{"name":"a\\u0000b","tags":[]}', 'body.name'],
    ['a lone surrogate deep in a body', '{"name":"ok","tags":["x","\\ud800"]}', 'body.tags.1'],
    ['a NUL in a body key', '{"name":"ok","tags":[],"k\\u0000":1}', 'body."k\\u0000"'],
  ])('answers %s with 400 naming the field, before any handler sees it', async (_what, raw, path) => {
    const res = await request(app).post('/echo').set('content-type', 'application/json').send(raw).expect(400);
    expect(envelopeOf(res)).toMatchObject({ error_code: 'VALIDATION_ERROR', details: { issues: [{ path }] } });
  });

  it('answers a NUL in a query value or a path parameter with 400', async () => {
    const query = await request(app).post('/echo?q=a%00b').send({}).expect(400);
    expect(envelopeOf(query)).toMatchObject({ details: { issues: [{ path: 'query.q' }] } });
    const param = await request(app).get('/things/a%00b').expect(400);
    expect(envelopeOf(param)).toMatchObject({ details: { issues: [{ path: 'params.name' }] } });
  });

  it('passes emoji (surrogate pairs) and ordinary text through', async () => {
    const res = await request(app).post('/echo?q=caf%C3%A9').send({ name: 'ok 😀' }).expect(200);
    expect(res.body).toEqual({ body: { name: 'ok 😀' }, query: { q: 'café' } });
  });
});
