import type { RequestHandler } from 'express';
import { AppError } from '@platform/service-kit';

/** True for `/internal` and anything below it, however the path is spelled. */
export function isInternalPath(path: string): boolean {
  const lowered = path.toLowerCase().replace(/\/{2,}/g, '/');
  return lowered === '/internal' || lowered.startsWith('/internal/');
}

// Dot segments and encoded separators could make an upstream see a different path than the gateway matched.
const SUSPICIOUS = /(^|\/)\.\.?(\/|$)|%2e|%2f|%5c|\\/i;

/** Why the edge refuses a raw request path (`/internal/*`, or one that could be read two ways), if it does. */
export function pathRefusal(method: string, rawPath: string): AppError | undefined {
  let decoded = rawPath;
  try {
    decoded = decodeURIComponent(rawPath);
  } catch {
    return new AppError('VALIDATION_ERROR', 'Malformed URL encoding in path');
  }
  if (isInternalPath(decoded)) return new AppError('ROUTE_NOT_FOUND', `No route for ${method} ${rawPath}`);
  if (SUSPICIOUS.test(rawPath)) return new AppError('VALIDATION_ERROR', 'Path contains dot segments or encoded separators');
  return undefined;
}

/**
 * The decoded form of a raw request path, or an AppError: `/internal/*` as if it did not exist, and
 * paths that could be read two ways (dot segments, encoded separators, broken percent-encoding) as 400.
 */
export function checkedPath(method: string, rawPath: string): string {
  let decoded = rawPath;
  try {
    decoded = decodeURIComponent(rawPath);
  } catch {
    throw new AppError('VALIDATION_ERROR', 'Malformed URL encoding in path');
  }
  if (isInternalPath(decoded)) throw new AppError('ROUTE_NOT_FOUND', `No route for ${method} ${rawPath}`);
  if (SUSPICIOUS.test(rawPath)) throw new AppError('VALIDATION_ERROR', 'Path contains dot segments or encoded separators');
  return decoded;
}

/** Refuses `/internal/*` (as if it did not exist) and paths that could be read two ways. */
export function edgeGuard(): RequestHandler {
  return (req, _res, next) => {
    checkedPath(req.method, req.originalUrl.split('?')[0] ?? '/');
    next();
  };
}
