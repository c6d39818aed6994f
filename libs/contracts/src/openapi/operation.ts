import { z } from 'zod';

/**
 * Who may call an operation: anyone; anyone, with a token showing more (`optional`: a bad token is
 * still a 401); any signed-in user; or admins only.
 */
export type ApiAuth = 'public' | 'optional' | 'user' | 'admin';
export type ApiMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/** One documented answer of an operation; a 4xx/5xx without a schema is the error envelope. */
export interface ApiResponse {
  description: string;
  schema?: z.ZodType;
  /** Defaults to `application/json` when a schema is given. */
  contentType?: string;
}

/** The zod schemas a route parses its input with (the very ones it passes to `parseInput`). */
export interface ApiRequest {
  params?: z.ZodType;
  query?: z.ZodType;
  body?: z.ZodType;
  headers?: z.ZodType;
  /** Content type of the body; `application/json` unless said otherwise. */
  bodyContentType?: string;
  /** A valid request, shown in the docs and used by tests as the known-good input. */
  examples?: {
    params?: Record<string, string>;
    query?: Record<string, unknown>;
    body?: unknown;
    headers?: Record<string, string>;
  };
}

/**
 * One route of a service, described once: the registry endpoint list and the OpenAPI
 * document are both derived from it.
 */
export interface ApiOperation {
  method: ApiMethod;
  /** OpenAPI style: `/api/channels/{id}`. */
  path: string;
  summary: string;
  description?: string;
  tags: string[];
  auth: ApiAuth;
  request?: ApiRequest;
  /** Keyed by HTTP status; 4xx/5xx entries without a schema document the error envelope. */
  responses: Record<number, ApiResponse>;
  /** `sse`: answers `text/event-stream`; `websocket`: the GET is an upgrade (`x-websocket: true`). */
  stream?: 'sse' | 'websocket';
  /** WebSocket only: the messages each side sends (rendered as `x-websocket-messages`). */
  messages?: { client?: z.ZodType; server?: z.ZodType };
  /** Defaults to one derived from method and path. */
  operationId?: string;
  deprecated?: boolean;
}

/** Metadata of a generated document. */
export interface OpenApiInfo {
  title: string;
  version: string;
  description?: string;
}

export type JsonSchema = Record<string, unknown>;

/** The OpenAPI 3.1 document shape services publish at `/openapi.json`; loose so readers ignore what they do not know. */
export const OpenApiDocumentSchema = z
  .object({
    openapi: z.string().regex(/^3\.1\.\d+$/),
    info: z.object({ title: z.string(), version: z.string(), description: z.string().optional() }).loose(),
    paths: z.record(z.string(), z.record(z.string(), z.unknown())),
    components: z
      .object({
        schemas: z.record(z.string(), z.unknown()).optional(),
        securitySchemes: z.record(z.string(), z.unknown()).optional(),
      })
      .loose()
      .optional(),
    tags: z.array(z.object({ name: z.string(), description: z.string().optional() }).loose()).optional(),
  })
  .loose();
export type OpenApiDocument = z.infer<typeof OpenApiDocumentSchema>;
