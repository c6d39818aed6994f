import type { OpenApiDocument } from '@platform/contracts';
import { mergeOpenApiDocuments } from './openapi-merge';

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- walking a merged document

const docOf = (title: string, paths: Obj, schemas: Obj = {}, tags: string[] = []): OpenApiDocument => ({
  openapi: '3.1.0',
  info: { title, version: `${title}-1` },
  paths,
  components: { schemas, securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer' } } },
  tags: tags.map((name) => ({ name })),
});
const envelope = { type: 'object', properties: { error: { type: 'string' } } };
const info = { title: 'platform', version: '9' };
const everywhere = { routable: () => true, unavailable: [] };

describe('mergeOpenApiDocuments', () => {
  it('merges paths, schemas, security schemes and tags, naming the service of each operation', () => {
    const merged = mergeOpenApiDocuments(
      info,
      [
        {
          service: 'auth',
          doc: docOf('auth', { '/auth/login': { post: { operationId: 'login' } } }, { ErrorEnvelope: envelope }, [
            'auth',
          ]),
          stale: false,
        },
        {
          service: 'channels',
          doc: docOf('channels', { '/api/channels': { get: { operationId: 'list' } } }, { ErrorEnvelope: envelope }, [
            'channels',
            'auth',
          ]),
          stale: true,
        },
      ],
      { ...everywhere, unavailable: ['sessions'] },
    ) as Obj;
    expect(merged.openapi).toBe('3.1.0');
    expect(merged.info).toEqual(info);
    expect(merged.paths['/auth/login'].post).toEqual({ operationId: 'login', 'x-service': 'auth' });
    expect(merged.paths['/api/channels'].get['x-service']).toBe('channels');
    expect(Object.keys(merged.components.schemas)).toEqual(['ErrorEnvelope']);
    expect(merged.components.securitySchemes.bearerAuth).toBeDefined();
    expect(merged.tags).toEqual([{ name: 'auth' }, { name: 'channels' }]);
    expect(merged['x-services']).toEqual([
      { name: 'auth', version: 'auth-1', stale: false },
      { name: 'channels', version: 'channels-1', stale: true },
    ]);
    expect(merged['x-unavailable-services']).toEqual(['sessions']);
  });

  it('renames a schema two services define differently and points that service at its own copy', () => {
    const ref = { $ref: '#/components/schemas/Thing' };
    const merged = mergeOpenApiDocuments(
      info,
      [
        {
          service: 'a',
          doc: docOf(
            'a',
            { '/a': { get: { responses: { 200: { content: { 'application/json': { schema: ref } } } } } } },
            { Thing: { type: 'string' } },
          ),
          stale: false,
        },
        {
          service: 'b',
          doc: docOf(
            'b',
            { '/b': { get: { responses: { 200: { content: { 'application/json': { schema: ref } } } } } } },
            { Thing: { type: 'integer' } },
          ),
          stale: false,
        },
      ],
      everywhere,
    ) as Obj;
    expect(merged.components.schemas).toEqual({ Thing: { type: 'string' }, 'b.Thing': { type: 'integer' } });
    expect(merged.paths['/a'].get.responses[200].content['application/json'].schema).toEqual(ref);
    expect(merged.paths['/b'].get.responses[200].content['application/json'].schema).toEqual({
      $ref: '#/components/schemas/b.Thing',
    });
  });

  it('leaves out paths the gateway does not route and keeps the first of two identical operations', () => {
    const merged = mergeOpenApiDocuments(
      info,
      [
        {
          service: 'a',
          doc: docOf('a', { '/x': { get: { operationId: 'first' } }, '/hidden': { get: {} } }),
          stale: false,
        },
        {
          service: 'b',
          doc: docOf('b', { '/x': { get: { operationId: 'second' }, post: { operationId: 'other' } } }),
          stale: false,
        },
      ],
      { routable: (p) => p !== '/hidden', unavailable: [] },
    ) as Obj;
    expect(Object.keys(merged.paths)).toEqual(['/x']);
    expect(merged.paths['/x'].get.operationId).toBe('first');
    expect(merged.paths['/x'].post.operationId).toBe('other');
    expect(merged['x-duplicate-operations']).toEqual(['GET /x (b)']);
  });
});
