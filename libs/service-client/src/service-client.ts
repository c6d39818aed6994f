import type { z } from 'zod';
import { ErrorEnvelopeSchema, type ErrorCode } from '@platform/contracts';
import {
  AppError,
  UpstreamTimeoutError,
  UpstreamUnavailableError,
  currentContext,
  type Logger,
} from '@platform/service-kit';
import type { InstanceResolver } from './resolver';
import { isBreakerOpenError, type BreakerRegistry } from './breakers';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE' | 'HEAD';

export interface RequestOptions<S extends z.ZodType> {
  method: HttpMethod;
  path: string;
  query?: Record<string, string | number | boolean | undefined>;
  body?: unknown;
  headers?: Record<string, string>;
  /** Parses a 2xx body; a body that does not match is a BAD_GATEWAY. */
  schema?: S;
  /** Retried on network errors, timeouts and 502-504 only when true; defaults to true for GET/HEAD/PUT/DELETE. */
  idempotent?: boolean;
  timeoutMs?: number;
  /** Skip the service token (e.g. when forwarding a user's own bearer token in `headers`). */
  anonymous?: boolean;
}

export interface ServiceResponse<T> {
  status: number;
  data: T;
  headers: Headers;
}

/** The upstream answered with a 4xx; carries its envelope so callers may map or pass it on. */
export class UpstreamResponseError extends AppError {
  constructor(
    readonly service: string,
    readonly upstreamStatus: number,
    code: ErrorCode,
    message: string,
    details?: Record<string, unknown>,
  ) {
    super(code, message, details ? { details } : {});
    this.name = 'UpstreamResponseError';
  }
}

export interface ServiceClientOptions {
  target: string;
  resolver: InstanceResolver;
  breakers: BreakerRegistry;
  logger: Logger;
  timeoutMs?: number;
  retries?: number;
  retryBaseDelayMs?: number;
  /** Supplies a bearer token for service-to-service calls. */
  token?: () => Promise<string>;
}

class RetryableFailure extends Error {
  constructor(
    message: string,
    readonly kind: 'network' | 'timeout' | 'status',
    readonly instanceUrl: string,
  ) {
    super(message);
  }
}

const IDEMPOTENT = new Set<HttpMethod>(['GET', 'HEAD', 'PUT', 'DELETE']);

/** Typed HTTP client for one service: registry lookup, breaker, timeout, retries for idempotent calls, id propagation. */
export class ServiceClient {
  constructor(private readonly o: ServiceClientOptions) {}

  get target(): string {
    return this.o.target;
  }

  async request<S extends z.ZodType = z.ZodUnknown>(req: RequestOptions<S>): Promise<ServiceResponse<z.infer<S>>> {
    const idempotent = req.idempotent ?? IDEMPOTENT.has(req.method);
    const attempts = 1 + (idempotent ? (this.o.retries ?? 2) : 0);
    let lastError: unknown;
    for (let attempt = 1; attempt <= attempts; attempt++) {
      try {
        return await this.o.breakers.fire(this.o.target, () => this.once(req));
      } catch (err) {
        lastError = err;
        if (isBreakerOpenError(err)) {
          throw new UpstreamUnavailableError(this.o.target, this.o.breakers.retryAfterSeconds(this.o.target), 'circuit breaker open');
        }
        if (!(err instanceof RetryableFailure)) throw err;
        if (err.kind === 'network') this.o.resolver.markFailed(this.o.target, err.instanceUrl);
        if (attempt < attempts) await sleep(backoff(attempt, this.o.retryBaseDelayMs ?? 50));
      }
    }
    if (lastError instanceof RetryableFailure && lastError.kind === 'timeout') {
      throw new UpstreamTimeoutError(this.o.target, req.timeoutMs ?? this.o.timeoutMs ?? 5000);
    }
    throw new UpstreamUnavailableError(
      this.o.target,
      1,
      lastError instanceof Error ? lastError.message : 'request failed',
      lastError,
    );
  }

  private async once<S extends z.ZodType>(req: RequestOptions<S>): Promise<ServiceResponse<z.infer<S>>> {
    const instance = await this.o.resolver.pick(this.o.target);
    const url = new URL(req.path, instance.url);
    for (const [k, v] of Object.entries(req.query ?? {})) if (v !== undefined) url.searchParams.set(k, String(v));
    const ctx = currentContext();
    const headers: Record<string, string> = { accept: 'application/json', ...req.headers };
    if (ctx) {
      headers['x-request-id'] = ctx.requestId;
      if (ctx.traceparent) headers.traceparent = ctx.traceparent;
    }
    if (req.body !== undefined) headers['content-type'] = 'application/json';
    if (!req.anonymous && this.o.token && !headers.authorization) headers.authorization = `Bearer ${await this.o.token()}`;
    const timeoutMs = req.timeoutMs ?? this.o.timeoutMs ?? 5000;
    let res: Response;
    try {
      res = await fetch(url, {
        method: req.method,
        headers,
        ...(req.body === undefined ? {} : { body: JSON.stringify(req.body) }),
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (err) {
      // By name, not instanceof: fetch's DOMException may come from another realm (e.g. under Jest).
      const name = (err as { name?: unknown } | null)?.name;
      const timedOut = name === 'TimeoutError' || name === 'AbortError';
      throw new RetryableFailure(
        timedOut ? `timed out after ${timeoutMs} ms` : `connection failed: ${causeMessage(err)}`,
        timedOut ? 'timeout' : 'network',
        instance.url,
      );
    }
    if (res.status >= 500) {
      await res.body?.cancel();
      throw new RetryableFailure(`${this.o.target} answered ${res.status}`, 'status', instance.url);
    }
    const text = await res.text();
    const json: unknown = text.length > 0 ? safeJson(text) : undefined;
    if (res.status >= 400) throw this.toResponseError(res.status, json);
    if (!req.schema) return { status: res.status, data: json as z.infer<S>, headers: res.headers };
    const parsed = req.schema.safeParse(json);
    if (!parsed.success) {
      this.o.logger.warn('upstream answered with an unexpected body', { target: this.o.target, path: req.path });
      throw new AppError('BAD_GATEWAY', `Service ${this.o.target} answered with an unexpected body`);
    }
    return { status: res.status, data: parsed.data, headers: res.headers };
  }

  private toResponseError(status: number, body: unknown): UpstreamResponseError {
    const envelope = ErrorEnvelopeSchema.safeParse(body);
    if (envelope.success) {
      return new UpstreamResponseError(this.o.target, status, envelope.data.error_code, envelope.data.error, envelope.data.details);
    }
    return new UpstreamResponseError(this.o.target, status, status === 404 ? 'NOT_FOUND' : 'BAD_GATEWAY', `${this.o.target} answered ${status}`);
  }
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

function causeMessage(err: unknown): string {
  const cause = (err as { cause?: { code?: string; message?: string } }).cause;
  return cause?.code ?? cause?.message ?? (err instanceof Error ? err.message : String(err));
}

function backoff(attempt: number, base: number): number {
  return base * 2 ** (attempt - 1) * (0.5 + Math.random());
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
