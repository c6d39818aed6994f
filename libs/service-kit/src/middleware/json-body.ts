import express, { type RequestHandler } from 'express';
import { AppError } from '../errors';

const BODY_METHODS = new Set(['POST', 'PUT', 'PATCH']);

/** JSON bodies only, bounded by `limit`; any other non-empty body on a write is a 415. */
export function jsonBody(limit: string): RequestHandler[] {
  const parse = express.json({ limit, strict: true, type: ['application/json', 'application/*+json'] });
  const requireJson: RequestHandler = (req, _res, next) => {
    const hasBody = Number(req.headers['content-length'] ?? 0) > 0 || req.headers['transfer-encoding'] !== undefined;
    if (BODY_METHODS.has(req.method) && hasBody && !req.is(['application/json', 'application/*+json'])) {
      next(new AppError('UNSUPPORTED_MEDIA_TYPE', 'Request body must be application/json'));
      return;
    }
    next();
  };
  return [requireJson, parse];
}
