import http from 'node:http';
import type { Readable } from 'node:stream';
import { ErrorEnvelopeSchema, type ErrorCode, type ErrorEnvelope } from '@platform/contracts';
import type { JsonResponse } from '@platform/testing';

export interface RawResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
}

export interface RawRequest {
  method?: string;
  /** Sent byte for byte: no URL normalisation of dot segments or percent escapes (unlike fetch). */
  path: string;
  headers?: Record<string, string>;
  /** A stream is sent chunked (no Content-Length). */
  body?: string | Buffer | Readable;
}

/** One HTTP/1.1 request to `baseUrl` with the exact request target given. */
export function rawRequest(baseUrl: string, r: RawRequest): Promise<RawResponse> {
  const { hostname, port } = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    const req = http.request({ host: hostname, port, method: r.method ?? 'GET', path: r.path, headers: r.headers, agent: false }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.setTimeout(10_000, () => req.destroy(new Error(`${r.method ?? 'GET'} ${r.path} timed out`)));
    const body = r.body;
    if (body === undefined) req.end();
    else if (typeof body === 'string' || Buffer.isBuffer(body)) req.end(body);
    else body.pipe(req);
  });
}

/**
 * Asserts `res` is the platform's error envelope with `status` and `code`, whose request id is the
 * one in the X-Request-Id header, and returns it.
 */
export function expectEnvelope(res: JsonResponse | RawResponse, status: number, code: ErrorCode): ErrorEnvelope {
  const text = res.text;
  const requestId = res.headers instanceof Headers ? res.headers.get('x-request-id') : res.headers['x-request-id'];
  const parsed = ErrorEnvelopeSchema.safeParse(safeJson(text));
  if (!parsed.success) throw new Error(`expected the error envelope, got ${res.status}: ${text.slice(0, 500)}`);
  expect({ status: res.status, code: parsed.data.error_code }).toEqual({ status, code });
  expect(parsed.data.request_id).toBe(requestId);
  return parsed.data;
}

/** The field paths (`body.password`) a VALIDATION_ERROR envelope names. */
export function issuePaths(envelope: ErrorEnvelope): string[] {
  const issues = (envelope.details?.issues ?? []) as Array<{ path: string }>;
  return issues.map((i) => i.path);
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}
