import { z } from 'zod';
import { IdParamsSchema, PageQuerySchema } from '../common';
import { buildOpenApiDocument, endpointsFromOperations, exampleProblems, type ApiOperation } from './index';

const Channel = z.object({ id: z.uuid(), name: z.string() });
const Create = z.strictObject({ name: z.string().min(1).max(10), description: z.string().optional() });
const ops: ApiOperation[] = [
  {
    method: 'POST',
    path: '/api/channels',
    summary: 'Create a channel',
    tags: ['channels'],
    auth: 'user',
    request: { body: Create, examples: { body: { name: 'general' } } },
    responses: { 201: { description: 'Created', schema: Channel }, 409: { description: 'Name taken' } },
  },
  {
    method: 'GET',
    path: '/api/channels/{id}/events',
    summary: 'Events',
    tags: ['channels', 'streams'],
    auth: 'admin',
    request: { params: IdParamsSchema, query: PageQuerySchema },
    responses: { 200: { description: 'Event stream', contentType: 'text/event-stream' } },
    stream: 'sse',
  },
  {
    method: 'GET',
    path: '/api/channels/{id}/events',
    summary: 'Events and commands over a WebSocket',
    tags: ['streams'],
    auth: 'user',
    request: { params: IdParamsSchema },
    responses: {},
    stream: 'websocket',
    messages: { client: z.object({ type: z.literal('ping') }), server: z.object({ type: z.literal('pong') }) },
  },
  {
    method: 'GET',
    path: '/api/ping',
    summary: 'Ping',
    tags: ['misc'],
    auth: 'public',
    responses: { 200: { description: 'pong' } },
  },
];

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- walking a generated document
const doc = buildOpenApiDocument({ title: 'test', version: '1.0.0' }, ops) as Obj;

describe('buildOpenApiDocument', () => {
  it('produces an OpenAPI 3.1 document with sorted tags and bearer security', () => {
    expect(doc.openapi).toBe('3.1.0');
    expect(doc.tags).toEqual([{ name: 'channels' }, { name: 'misc' }, { name: 'streams' }]);
    expect(doc.components.securitySchemes.bearerAuth).toMatchObject({ type: 'http', scheme: 'bearer' });
    expect(doc.paths['/api/channels'].post.security).toEqual([{ bearerAuth: [] }]);
    expect(doc.paths['/api/ping'].get.security).toEqual([]);
    const optional = buildOpenApiDocument({ title: 't', version: '1' }, [
      { ...(ops[3] as ApiOperation), auth: 'optional' },
    ]) as Obj;
    expect(optional.paths['/api/ping'].get.security).toEqual([{}, { bearerAuth: [] }]);
    expect(optional.paths['/api/ping'].get.responses['401']).toBeDefined();
  });

  it('documents the request body as the input a strict schema accepts, with its example', () => {
    const body = doc.paths['/api/channels'].post.requestBody;
    expect(body.required).toBe(true);
    const media = body.content['application/json'];
    expect(media.example).toEqual({ name: 'general' });
    expect(media.schema).toMatchObject({ type: 'object', required: ['name'], additionalProperties: false });
    expect(media.schema.$schema).toBeUndefined();
  });

  it('turns path and coerced query schemas into parameters; defaults are not required', () => {
    const params = doc.paths['/api/channels/{id}/events'].get.parameters as Obj[];
    expect(params.find((p) => p.name === 'id')).toMatchObject({
      in: 'path',
      required: true,
      schema: { type: 'string', format: 'uuid' },
    });
    expect(params.find((p) => p.name === 'limit')).toMatchObject({
      in: 'query',
      required: false,
      schema: { type: 'integer', default: 20 },
    });
    expect(params.find((p) => p.name === 'cursor')).toMatchObject({ in: 'query', required: false });
  });

  it('documents the error envelope for declared and implied 4xx/5xx answers', () => {
    const post = doc.paths['/api/channels'].post.responses;
    for (const status of ['400', '401', '409', '500']) {
      expect(post[status].content['application/json'].schema).toEqual({ $ref: '#/components/schemas/ErrorEnvelope' });
    }
    expect(post['403']).toBeUndefined();
    expect(doc.paths['/api/channels/{id}/events'].get.responses['403']).toBeDefined();
    expect(doc.paths['/api/ping'].get.responses['401']).toBeUndefined();
    expect(doc.components.schemas.ErrorEnvelope.required).toEqual(
      expect.arrayContaining(['error', 'error_code', 'request_id']),
    );
  });

  it('keeps response objects open so readers may meet fields added later', () => {
    const schema = doc.paths['/api/channels'].post.responses['201'].content['application/json'].schema;
    expect(schema.required).toEqual(['id', 'name']);
    expect(schema.additionalProperties).toBeUndefined();
  });

  it('folds a WebSocket upgrade into the SSE GET of the same path', () => {
    const get = doc.paths['/api/channels/{id}/events'].get;
    expect(get['x-websocket']).toBe(true);
    expect(get['x-stream']).toBe('sse');
    expect(get.responses['101']).toBeDefined();
    expect(get.responses['200'].content['text/event-stream']).toBeDefined();
    expect(get.description).toContain('Events and commands over a WebSocket');
    expect(get['x-websocket-messages'].client).toMatchObject({ properties: { type: { const: 'ping' } } });
  });

  it('documents a lone WebSocket route as a GET upgrade', () => {
    const only = buildOpenApiDocument({ title: 't', version: '1' }, [ops[2] as ApiOperation]) as Obj;
    const get = only.paths['/api/channels/{id}/events'].get;
    expect(get).toMatchObject({ 'x-websocket': true, operationId: 'wsApiChannelsByIdEvents' });
    expect(Object.keys(get.responses)).toEqual(expect.arrayContaining(['101', '400', '401', '500']));
  });

  it('moves recursive schemas into components and points refs there', () => {
    type Node = { name: string; children: Node[] };
    const NodeSchema: z.ZodType<Node> = z.lazy(() => z.object({ name: z.string(), children: z.array(NodeSchema) }));
    const tree = buildOpenApiDocument({ title: 't', version: '1' }, [
      {
        method: 'GET',
        path: '/tree',
        summary: 'Tree',
        tags: [],
        auth: 'public',
        responses: { 200: { description: 'ok', schema: z.object({ root: NodeSchema }) } },
      },
    ]) as Obj;
    const text = JSON.stringify(tree.paths);
    expect(text).not.toContain('#/$defs/');
    const ref = /"\$ref":"#\/components\/schemas\/([^"]+)"/.exec(text)?.[1];
    expect(ref && tree.components.schemas[ref]).toBeTruthy();
  });

  it('flags strict query schemas, which parameters alone cannot express', () => {
    const strict = buildOpenApiDocument({ title: 't', version: '1' }, [
      {
        method: 'GET',
        path: '/q',
        summary: 'Q',
        tags: [],
        auth: 'public',
        request: { query: z.strictObject({ a: z.string() }) },
        responses: {},
      },
    ]) as Obj;
    expect(strict.paths['/q'].get['x-query-additional-properties']).toBe(false);
  });

  it('refuses two operations with the same method and path', () => {
    expect(() =>
      buildOpenApiDocument({ title: 't', version: '1' }, [ops[3] as ApiOperation, ops[3] as ApiOperation]),
    ).toThrow('duplicate operation');
  });
});

describe('endpointsFromOperations', () => {
  it('derives the registry endpoints: WebSocket as WS, public from auth', () => {
    expect(endpointsFromOperations(ops)).toEqual([
      { method: 'POST', path: '/api/channels', description: 'Create a channel', tags: ['channels'], public: false },
      {
        method: 'GET',
        path: '/api/channels/{id}/events',
        description: 'Events (admin)',
        tags: ['channels', 'streams'],
        public: false,
      },
      {
        method: 'WS',
        path: '/api/channels/{id}/events',
        description: 'Events and commands over a WebSocket',
        tags: ['streams'],
        public: false,
      },
      { method: 'GET', path: '/api/ping', description: 'Ping', tags: ['misc'], public: true },
    ]);
  });
});

describe('exampleProblems', () => {
  it('names an example its own schema rejects', () => {
    expect(exampleProblems(ops)).toEqual([]);
    const bad: ApiOperation = {
      ...(ops[0] as ApiOperation),
      request: { body: Create, examples: { body: { name: '' } } },
    };
    expect(exampleProblems([bad])).toEqual([expect.stringContaining('POST /api/channels body')]);
  });
});
