import type { z } from 'zod';

export interface JsonResponse<T = unknown> {
  status: number;
  headers: Headers;
  /** Parsed JSON when the answer is JSON, else the raw text (undefined when empty). */
  body: T;
  text: string;
}

export interface JsonRequestInit<T = unknown> {
  headers?: Record<string, string>;
  query?: Record<string, string | number | boolean | undefined>;
  /** Sent as JSON. */
  body?: unknown;
  /** Sent as is (malformed JSON, other media types); `contentType` defaults to application/json. */
  rawBody?: string | Uint8Array;
  contentType?: string;
  /** Parses the body whatever the status (e.g. ErrorEnvelopeSchema for an expected 4xx); throws on mismatch. */
  schema?: z.ZodType<T>;
  timeoutMs?: number;
}

export type HttpVerb = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE' | 'HEAD' | 'OPTIONS';

export interface JsonClient {
  readonly baseUrl: string;
  request<T = unknown>(method: HttpVerb, path: string, init?: JsonRequestInit<T>): Promise<JsonResponse<T>>;
  get<T = unknown>(path: string, init?: JsonRequestInit<T>): Promise<JsonResponse<T>>;
  delete<T = unknown>(path: string, init?: JsonRequestInit<T>): Promise<JsonResponse<T>>;
  post<T = unknown>(path: string, body?: unknown, init?: JsonRequestInit<T>): Promise<JsonResponse<T>>;
  put<T = unknown>(path: string, body?: unknown, init?: JsonRequestInit<T>): Promise<JsonResponse<T>>;
  patch<T = unknown>(path: string, body?: unknown, init?: JsonRequestInit<T>): Promise<JsonResponse<T>>;
  /** A client that adds `headers` to every request (e.g. an Authorization header). */
  withHeaders(headers: Record<string, string>): JsonClient;
}

function parseBody(text: string, contentType: string | null): unknown {
  if (text.length === 0) return undefined;
  if (!contentType || !/[/+]json\b/i.test(contentType)) return text;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

/** A tiny fetch wrapper for tests: JSON in and out, never throws on a status, returns `{ status, headers, body }`. */
export function jsonRequest(baseUrl: string, defaults: { headers?: Record<string, string> } = {}): JsonClient {
  const request = async <T>(method: HttpVerb, path: string, init: JsonRequestInit<T> = {}): Promise<JsonResponse<T>> => {
    const url = new URL(path, baseUrl);
    for (const [k, v] of Object.entries(init.query ?? {})) if (v !== undefined) url.searchParams.set(k, String(v));
    const headers: Record<string, string> = { accept: 'application/json', ...defaults.headers, ...init.headers };
    let body: string | Uint8Array | undefined;
    if (init.rawBody !== undefined) body = init.rawBody;
    else if (init.body !== undefined) body = JSON.stringify(init.body);
    if (body !== undefined) headers['content-type'] = init.contentType ?? 'application/json';
    const res = await fetch(url, {
      method,
      headers,
      redirect: 'manual',
      signal: AbortSignal.timeout(init.timeoutMs ?? 10_000),
      ...(body === undefined ? {} : { body }),
    });
    const text = await res.text();
    const parsed = parseBody(text, res.headers.get('content-type'));
    if (init.schema) {
      const result = init.schema.safeParse(parsed);
      if (!result.success) {
        throw new Error(`${method} ${url.pathname} answered ${res.status} with an unexpected body: ${result.error.message}\n${text.slice(0, 1000)}`);
      }
      return { status: res.status, headers: res.headers, body: result.data, text };
    }
    return { status: res.status, headers: res.headers, body: parsed as T, text };
  };
  return {
    baseUrl,
    request,
    get: (path, init) => request('GET', path, init),
    delete: (path, init) => request('DELETE', path, init),
    post: (path, body, init) => request('POST', path, { ...init, body }),
    put: (path, body, init) => request('PUT', path, { ...init, body }),
    patch: (path, body, init) => request('PATCH', path, { ...init, body }),
    withHeaders: (headers) => jsonRequest(baseUrl, { headers: { ...defaults.headers, ...headers } }),
  };
}
