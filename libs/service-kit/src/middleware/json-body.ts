import express, { type RequestHandler } from 'express';
import { AppError } from '../errors';

const BODY_METHODS = new Set(['POST', 'PUT', 'PATCH']);

/** Deepest nesting a JSON body may have, so recursive code downstream (serialisers, canonical JSON) never meets a stack-deep value. */
export const MAX_JSON_DEPTH = 64;

/** Whether `value` nests objects or arrays more than `max` levels deep (walked without recursion). */
export function nestedDeeperThan(value: unknown, max: number): boolean {
  const pending: Array<[unknown, number]> = [[value, 1]];
  for (let next = pending.pop(); next; next = pending.pop()) {
    const [v, depth] = next;
    if (v === null || typeof v !== 'object') continue;
    if (depth > max) return true;
    for (const child of Object.values(v)) pending.push([child, depth + 1]);
  }
  return false;
}

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
  const boundDepth: RequestHandler = (req, _res, next) => {
    if (nestedDeeperThan(req.body, MAX_JSON_DEPTH)) {
      next(new AppError('VALIDATION_ERROR', `JSON body is nested more than ${MAX_JSON_DEPTH} levels deep`));
      return;
    }
    next();
  };
  return [requireJson, parse, boundDepth];
}
