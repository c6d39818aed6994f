import type { ErrorRequestHandler, Request, Response } from 'express';
import type { ErrorCode, ErrorEnvelope } from '@platform/contracts';
import { AppError } from '../errors';
import { errorFields } from '../logger';

/** Writes the one JSON error envelope. */
export function sendError(req: Request, res: Response, err: AppError): void {
  const body: ErrorEnvelope = {
    error: err.message,
    error_code: err.code,
    ...(err.details ? { details: err.details } : {}),
    request_id: req.id,
    timestamp: new Date().toISOString(),
  };
  for (const [k, v] of Object.entries(err.headers)) res.setHeader(k, v);
  res.status(err.status).json(body);
}

interface HttpishError {
  type?: string;
  status?: number;
  statusCode?: number;
  expose?: boolean;
}

/** Maps body-parser's errors (bad JSON, too large, bad charset) to client errors instead of 500s. */
function fromParserError(err: HttpishError & Error): AppError | undefined {
  const byType: Record<string, [ErrorCode, string]> = {
    'entity.parse.failed': ['INVALID_JSON', 'Malformed JSON body'],
    'entity.too.large': ['PAYLOAD_TOO_LARGE', 'Request body is too large'],
    'charset.unsupported': ['UNSUPPORTED_MEDIA_TYPE', 'Unsupported charset'],
    'encoding.unsupported': ['UNSUPPORTED_MEDIA_TYPE', 'Unsupported content encoding'],
    'request.aborted': ['VALIDATION_ERROR', 'Request aborted'],
    'entity.verify.failed': ['VALIDATION_ERROR', 'Request body rejected'],
    'request.size.invalid': ['VALIDATION_ERROR', 'Request size did not match content length'],
    'stream.encoding.set': ['VALIDATION_ERROR', 'Request stream encoding should not be set'],
    'parameters.too.many': ['VALIDATION_ERROR', 'Too many parameters'],
  };
  const hit = err.type && Object.hasOwn(byType, err.type) ? byType[err.type] : undefined;
  if (hit) return new AppError(hit[0], hit[1]);
  const status = err.status ?? err.statusCode;
  if (typeof status === 'number' && status >= 400 && status < 500) {
    if (status === 413) return new AppError('PAYLOAD_TOO_LARGE', 'Request body is too large');
    if (status === 415) return new AppError('UNSUPPORTED_MEDIA_TYPE', 'Unsupported media type');
    return new AppError('VALIDATION_ERROR', err.expose ? err.message : 'Bad request');
  }
  return undefined;
}

/** The one error middleware: everything thrown becomes the envelope; 5xx never carry internals. */
export function errorHandler(): ErrorRequestHandler {
  return (err: unknown, req, res, next) => {
    if (res.headersSent) {
      next(err);
      return;
    }
    let appError = err instanceof AppError ? err : undefined;
    if (!appError && err instanceof Error) appError = fromParserError(err as HttpishError & Error);
    if (!appError) {
      req.log.error('unhandled error', { ...errorFields(err), method: req.method, path: req.path });
      appError = new AppError('INTERNAL_ERROR', 'Internal server error');
    } else if (appError.status >= 500) {
      req.log.warn('request failed', { code: appError.code, error: appError.message, details: appError.details });
    }
    sendError(req, res, appError);
  };
}
