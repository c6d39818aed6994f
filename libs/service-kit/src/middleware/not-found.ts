import type { RequestHandler } from 'express';
import { AppError } from '../errors';

/** Unknown routes answer 404 in the envelope. */
export function notFound(): RequestHandler {
  return (req, _res, next) => {
    next(new AppError('ROUTE_NOT_FOUND', `No route for ${req.method} ${req.path}`));
  };
}
