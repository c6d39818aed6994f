import request from 'supertest';
import { bearer, buildRegistry, envelope, instanceBody } from './support';

// A small body limit so "too large" is cheap to reach.
const registry = buildRegistry('registry-input', { BODY_LIMIT: '4kb' });
const api = registry.app;

afterAll(() => registry.close());

const post = () => request(api).post('/registry/instances').set(bearer());

function issuePaths(body: unknown): string[] {
  const details = envelope(body).details as { issues: Array<{ path: string; message: string; code: string }> };
  return details.issues.map((i) => i.path);
}

describe('registry: bad input is a 4xx envelope, never a 500', () => {
  it('answers 400 INVALID_JSON to malformed JSON', async () => {
    const res = await post().set('content-type', 'application/json').send('{"name": "echo",').expect(400);
    expect(envelope(res.body)).toMatchObject({ error_code: 'INVALID_JSON', error: 'Malformed JSON body' });
  });

  it('answers 400 INVALID_JSON to a bare JSON primitive', async () => {
    const res = await post().set('content-type', 'application/json').send('"echo"').expect(400);
    expect(envelope(res.body).error_code).toBe('INVALID_JSON');
  });

  it('names every wrong field by its path', async () => {
    const res = await post()
      .send({
        name: 42,
        instance_id: 'has spaces',
        url: 'ftp://127.0.0.1/x',
        version: '',
        endpoints: [{ method: 'FETCH', path: 'no-slash' }],
        metadata: { owner: 7 },
      })
      .expect(400);
    expect(envelope(res.body).error_code).toBe('VALIDATION_ERROR');
    expect(issuePaths(res.body).sort()).toEqual(
      [
        'body.name',
        'body.instance_id',
        'body.url',
        'body.version',
        'body.endpoints.0.method',
        'body.endpoints.0.path',
        'body.metadata.owner',
      ].sort(),
    );
  });

  it('reports missing required fields', async () => {
    const res = await post().send({ name: 'echo' }).expect(400);
    expect(issuePaths(res.body).sort()).toEqual(['body.instance_id', 'body.url', 'body.version']);
  });

  it('rejects a JSON array and an empty body as a whole', async () => {
    expect(issuePaths((await post().send([instanceBody()]).expect(400)).body)).toEqual(['body']);
    expect(issuePaths((await post().expect(400)).body)).toEqual(['body']);
  });

  it('answers 413 PAYLOAD_TOO_LARGE to a body over the limit', async () => {
    const res = await post()
      .send(instanceBody('echo', { metadata: Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`k${i}`, 'x'.repeat(400)])) }))
      .expect(413);
    expect(envelope(res.body).error_code).toBe('PAYLOAD_TOO_LARGE');
  });

  it.each([
    ['text/plain', 'name=echo'],
    ['application/x-www-form-urlencoded', 'name=echo&instance_id=a'],
    ['application/xml', '<instance/>'],
  ])('answers 415 UNSUPPORTED_MEDIA_TYPE to a %s body', async (type, body) => {
    const res = await post().set('content-type', type).send(body).expect(415);
    expect(envelope(res.body).error_code).toBe('UNSUPPORTED_MEDIA_TYPE');
  });

  it('answers 415 to JSON in a charset body-parser cannot decode', async () => {
    const res = await post().set('content-type', 'application/json; charset=ebcdic').send('{}').expect(415);
    expect(envelope(res.body).error_code).toBe('UNSUPPORTED_MEDIA_TYPE');
  });

  it('validates path parameters and names them', async () => {
    const beat = await request(api).put('/registry/instances/Not_A_Service/x/heartbeat').set(bearer()).expect(400);
    expect(issuePaths(beat.body)).toEqual(['params.name']);
    const list = await request(api).get('/registry/services/9lives').set(bearer()).expect(400);
    expect(issuePaths(list.body)).toEqual(['params.name']);
  });

  it('answers an unknown route with 404 ROUTE_NOT_FOUND', async () => {
    const res = await request(api).patch('/registry/instances').set(bearer()).send({}).expect(404);
    expect(envelope(res.body).error_code).toBe('ROUTE_NOT_FOUND');
  });
});
