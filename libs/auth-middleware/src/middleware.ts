import type { RequestHandler } from 'express';
import { roleMay, type AccessTokenClaims, type ActionClass, type TokenRole } from '@platform/contracts';
import { ForbiddenError, UnauthorizedError } from '@platform/service-kit';
import type { TokenVerifier } from './token-cache';

export interface AuthContext {
  userId: string;
  role: TokenRole;
  claims: AccessTokenClaims;
  token: string;
}

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Express {
    interface Request {
      auth?: AuthContext;
    }
  }
}

/** The bearer token of a request, from the Authorization header only. */
export function bearerToken(header: string | undefined): string | undefined {
  if (!header) return undefined;
  const match = /^Bearer\s+([A-Za-z0-9._~+/=-]+)\s*$/i.exec(header);
  return match?.[1];
}

/** Requires a valid (and unrevoked) access token and puts the caller on `req.auth`. */
export function requireAuth(verifier: TokenVerifier): RequestHandler {
  return async (req, _res, next) => {
    const token = bearerToken(req.headers.authorization);
    if (!token) throw new UnauthorizedError('Missing bearer token');
    const claims = await verifier.verify(token);
    req.auth = { userId: claims.sub, role: claims.role, claims, token };
    next();
  };
}

/** Throws 403 unless `role` may perform actions of class `action` (the one table: `ROLE_ACTIONS`). */
export function assertMay(role: TokenRole, action: ActionClass): void {
  if (!roleMay(role, action)) throw new ForbiddenError(`Your role (${role}) may not do this (${action})`);
}

/** Allows only callers whose role may perform actions of class `action` (after requireAuth). */
export function requireAction(action: ActionClass): RequestHandler {
  return (req, _res, next) => {
    if (!req.auth) throw new UnauthorizedError();
    assertMay(req.auth.role, action);
    next();
  };
}

/** `requireAuth` then `requireAction(action)`: the guard of a route in one place. */
export function authorize(verifier: TokenVerifier, action: ActionClass): RequestHandler[] {
  return [requireAuth(verifier), requireAction(action)];
}

/** The authenticated caller of a request that passed requireAuth. */
export function authOf(req: { auth?: AuthContext }): AuthContext {
  if (!req.auth) throw new UnauthorizedError();
  return req.auth;
}
