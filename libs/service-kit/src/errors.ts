import { ERROR_STATUS, type ErrorCode, type FieldIssue } from '@platform/contracts';

/** The one error type services throw; its `code` decides the HTTP status through ERROR_STATUS. */
export class AppError extends Error {
  readonly code: ErrorCode;
  readonly details: Record<string, unknown> | undefined;
  readonly headers: Record<string, string>;

  constructor(
    code: ErrorCode,
    message: string,
    opts: { details?: Record<string, unknown>; headers?: Record<string, string>; cause?: unknown } = {},
  ) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'AppError';
    this.code = code;
    this.details = opts.details;
    this.headers = opts.headers ?? {};
  }

  get status(): number {
    return ERROR_STATUS[this.code];
  }
}

export class ValidationError extends AppError {
  constructor(issues: FieldIssue[], message = 'Request validation failed') {
    super('VALIDATION_ERROR', message, { details: { issues } });
    this.name = 'ValidationError';
  }
}

export class NotFoundError extends AppError {
  constructor(what = 'Resource') {
    super('NOT_FOUND', `${what} not found`);
    this.name = 'NotFoundError';
  }
}

export class ConflictError extends AppError {
  constructor(message: string, details?: Record<string, unknown>) {
    super('CONFLICT', message, details ? { details } : {});
    this.name = 'ConflictError';
  }
}

export class UnauthorizedError extends AppError {
  constructor(message = 'Authentication required', code: 'UNAUTHORIZED' | 'TOKEN_EXPIRED' | 'INVALID_CREDENTIALS' | 'TOKEN_REUSED' | 'TOKEN_REVOKED' = 'UNAUTHORIZED') {
    super(code, message, { headers: { 'WWW-Authenticate': 'Bearer' } });
    this.name = 'UnauthorizedError';
  }
}

export class ForbiddenError extends AppError {
  constructor(message = 'Not allowed') {
    super('FORBIDDEN', message);
    this.name = 'ForbiddenError';
  }
}

/** A dependency could not answer: breaker open, no live instance, or the call failed. */
export class UpstreamUnavailableError extends AppError {
  constructor(service: string, retryAfterS: number, reason: string, cause?: unknown) {
    super('UPSTREAM_UNAVAILABLE', `Service ${service} is unavailable`, {
      details: { service, reason },
      headers: { 'Retry-After': String(Math.max(1, Math.ceil(retryAfterS))) },
      cause,
    });
    this.name = 'UpstreamUnavailableError';
  }
}

export class UpstreamTimeoutError extends AppError {
  constructor(service: string, timeoutMs: number, retryAfterS = 1) {
    super('UPSTREAM_TIMEOUT', `Service ${service} did not answer within ${timeoutMs} ms`, {
      details: { service, timeout_ms: timeoutMs },
      headers: { 'Retry-After': String(Math.max(1, Math.ceil(retryAfterS))) },
    });
    this.name = 'UpstreamTimeoutError';
  }
}

export function isAppError(err: unknown): err is AppError {
  return err instanceof AppError;
}
