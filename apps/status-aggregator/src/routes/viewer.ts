import type { Request, RequestHandler } from 'express';
import { roleMay } from '@platform/contracts';
import { bearerToken, type TokenVerifier } from '@platform/auth-middleware';
import { ForbiddenError, UnauthorizedError } from '@platform/service-kit';

/**
 * Public routes that show more to admins: no token is fine (public view), a valid token identifies
 * the caller, an invalid or expired one is a 401 (so a page knows to sign in again).
 */
export function optionalAuth(verifier: TokenVerifier): RequestHandler {
  return async (req, _res, next) => {
    const token = bearerToken(req.headers.authorization);
    if (token) {
      const claims = await verifier.verify(token);
      req.auth = { userId: claims.sub, role: claims.role, claims, token };
    }
    next();
  };
}

/** Callers shown the platform's internals (the `manage` action class). */
export const isAdmin = (req: Request): boolean => req.auth !== undefined && roleMay(req.auth.role, 'manage');

/** After optionalAuth: 401 without a token, 403 unless the caller is an admin. */
export const requireAdmin: RequestHandler = (req, _res, next) => {
  if (!req.auth) throw new UnauthorizedError('Missing bearer token');
  if (!isAdmin(req)) throw new ForbiddenError('Admins only');
  next();
};
