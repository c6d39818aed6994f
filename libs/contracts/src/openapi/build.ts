import { ErrorEnvelopeSchema } from '../errors';
import { objectProperties, toSchemaObject, type SchemaComponents } from './json-schema';
import type { ApiAuth, ApiOperation, ApiResponse, JsonSchema, OpenApiDocument, OpenApiInfo } from './operation';

const ERROR_REF = { $ref: '#/components/schemas/ErrorEnvelope' };
const SECURITY: Record<ApiAuth, JsonSchema[]> = {
  public: [],
  optional: [{}, { bearerAuth: [] }],
  user: [{ bearerAuth: [] }],
  admin: [{ bearerAuth: [] }],
};
const DEFAULT_ERRORS: Record<number, string> = {
  400: 'Invalid input (`VALIDATION_ERROR` names each bad field)',
  401: 'Missing, invalid or expired access token',
  403: 'The caller lacks the required role',
  500: 'Unexpected error (the body never carries internals)',
};

/** `GET /api/channels/{id}` -> `getApiChannelsById`: stable and unique per method and path. */
export function operationIdOf(method: string, path: string): string {
  const words = path
    .split('/')
    .filter(Boolean)
    .map((seg) => (seg.startsWith('{') ? `by ${seg.slice(1, -1)}` : seg))
    .flatMap((seg) => seg.split(/[^A-Za-z0-9]+/))
    .filter(Boolean);
  return method.toLowerCase() + words.map((w) => w[0]?.toUpperCase() + w.slice(1)).join('');
}

function parameters(op: ApiOperation, components: SchemaComponents, hint: string): JsonSchema[] {
  const out: JsonSchema[] = [];
  const req = op.request ?? {};
  const pathSchema = req.params ? toSchemaObject(req.params, 'input', components, hint) : {};
  const documented = new Map(objectProperties(pathSchema).map((p) => [p.name, p.schema]));
  for (const [, name] of op.path.matchAll(/\{([^}]+)\}/g)) {
    if (name === undefined) continue;
    const example = req.examples?.params?.[name];
    out.push({
      name,
      in: 'path',
      required: true,
      schema: documented.get(name) ?? { type: 'string' },
      ...(example === undefined ? {} : { example }),
    });
  }
  for (const where of ['query', 'header'] as const) {
    const schema = where === 'query' ? req.query : req.headers;
    if (!schema) continue;
    const examples: Record<string, unknown> = (where === 'query' ? req.examples?.query : req.examples?.headers) ?? {};
    for (const p of objectProperties(toSchemaObject(schema, 'input', components, hint))) {
      const { description, ...rest } = p.schema;
      const example = examples[p.name];
      out.push({
        name: p.name,
        in: where,
        required: p.required,
        ...(typeof description === 'string' ? { description } : {}),
        schema: rest,
        ...(example === undefined ? {} : { example }),
      });
    }
  }
  return out;
}

function response(status: number, r: ApiResponse, components: SchemaComponents, hint: string): JsonSchema {
  if (status >= 400 && !r.schema)
    return { description: r.description, content: { 'application/json': { schema: ERROR_REF } } };
  if (!r.schema)
    return r.contentType
      ? { description: r.description, content: { [r.contentType]: {} } }
      : { description: r.description };
  const schema = toSchemaObject(r.schema, 'output', components, hint);
  return { description: r.description, content: { [r.contentType ?? 'application/json']: { schema } } };
}

function responses(op: ApiOperation, components: SchemaComponents, hint: string): Record<string, JsonSchema> {
  const all: Record<number, ApiResponse> = { ...op.responses };
  const hasInput = op.request?.body ?? op.request?.query ?? op.request?.params ?? op.request?.headers;
  const defaults = [hasInput ? 400 : 0, op.auth !== 'public' ? 401 : 0, op.auth === 'admin' ? 403 : 0, 500];
  if (op.auth === 'optional' && !all[401]) all[401] = { description: 'A token was given but is invalid or expired' };
  for (const status of defaults) {
    if (status && !all[status]) all[status] = { description: DEFAULT_ERRORS[status] ?? 'Error' };
  }
  if (op.stream === 'websocket' && !all[101])
    all[101] = { description: 'Switching Protocols: the connection is now a WebSocket' };
  return Object.fromEntries(
    Object.entries(all).map(([status, r]) => [status, response(Number(status), r, components, hint)]),
  );
}

function operationObject(op: ApiOperation, components: SchemaComponents): JsonSchema {
  const operationId = op.operationId ?? operationIdOf(op.stream === 'websocket' ? 'ws' : op.method, op.path);
  const params = parameters(op, components, operationId);
  const body = op.request?.body;
  const example = op.request?.examples?.body;
  return {
    operationId,
    summary: op.summary,
    ...(op.description ? { description: op.description } : {}),
    tags: op.tags,
    ...(op.deprecated ? { deprecated: true } : {}),
    ...(params.length ? { parameters: params } : {}),
    ...(body
      ? {
          requestBody: {
            required: !body.safeParse(undefined).success,
            content: {
              [op.request?.bodyContentType ?? 'application/json']: {
                schema: toSchemaObject(body, 'input', components, operationId),
                ...(example === undefined ? {} : { example }),
              },
            },
          },
        }
      : {}),
    responses: responses(op, components, operationId),
    security: SECURITY[op.auth],
    'x-auth': op.auth,
    ...(op.request?.query &&
    toSchemaObject(op.request.query, 'input', components, operationId).additionalProperties === false
      ? { 'x-query-additional-properties': false }
      : {}),
    ...(op.stream ? { 'x-stream': op.stream } : {}),
    ...(op.stream === 'websocket' ? { 'x-websocket': true } : {}),
    ...(op.messages ? { 'x-websocket-messages': websocketMessages(op.messages, components, operationId) } : {}),
  };
}

function websocketMessages(
  m: NonNullable<ApiOperation['messages']>,
  components: SchemaComponents,
  hint: string,
): JsonSchema {
  return {
    ...(m.client ? { client: toSchemaObject(m.client, 'input', components, hint) } : {}),
    ...(m.server ? { server: toSchemaObject(m.server, 'output', components, hint) } : {}),
  };
}

/** An SSE GET and a WebSocket upgrade on one path share the path's single `get`. */
function mergeUpgrade(existing: JsonSchema, ws: JsonSchema): JsonSchema {
  const note = `WebSocket: ${String(ws.summary)}${ws.description ? `. ${String(ws.description)}` : ''}`;
  return {
    ...existing,
    description: existing.description ? `${String(existing.description)}\n\n${note}` : note,
    responses: { ...(ws.responses as JsonSchema), ...(existing.responses as JsonSchema) },
    'x-websocket': true,
    'x-websocket-operation': ws.operationId,
    ...(ws['x-websocket-messages'] ? { 'x-websocket-messages': ws['x-websocket-messages'] } : {}),
  };
}

/** Builds an OpenAPI 3.1 document from a service's operations; schemas come from the zod contracts the routes use. */
export function buildOpenApiDocument(info: OpenApiInfo, operations: readonly ApiOperation[]): OpenApiDocument {
  const components: SchemaComponents = {
    ErrorEnvelope: toSchemaObject(ErrorEnvelopeSchema, 'output', {}, 'ErrorEnvelope'),
  };
  const paths: Record<string, Record<string, unknown>> = {};
  const ordered = [...operations].sort((a, b) => Number(a.stream === 'websocket') - Number(b.stream === 'websocket'));
  for (const op of ordered) {
    const item = (paths[op.path] ??= {});
    const method = op.method.toLowerCase();
    const obj = operationObject(op, components);
    const existing = item[method] as JsonSchema | undefined;
    if (existing && op.stream === 'websocket' && existing['x-stream'] !== 'websocket')
      item[method] = mergeUpgrade(existing, obj);
    else if (existing) throw new Error(`duplicate operation ${op.method} ${op.path}`);
    else item[method] = obj;
  }
  const tags = [...new Set(operations.flatMap((o) => o.tags))].sort().map((name) => ({ name }));
  return {
    openapi: '3.1.0',
    info: { ...info },
    tags,
    paths,
    components: {
      schemas: components,
      securitySchemes: {
        bearerAuth: {
          type: 'http',
          scheme: 'bearer',
          bearerFormat: 'JWT',
          description: 'Access token from POST /auth/login',
        },
      },
    },
  };
}
