import type { RequestHandler } from 'express';
import { bearerToken } from '@platform/auth-middleware';
import { UnauthorizedError } from '@platform/service-kit';
import { isPublic, matchRoute, type RouteRule } from '../route-table';
import type { TokenVerifier } from '@platform/auth-middleware';

/**
 * Verifies the access token (signature, expiry, revocation) at the edge for every routed, non-public
 * path; services verify again. Public paths are not authenticated here: they are limited per client IP
 * whatever token comes along (a token must not buy its holder fresh rate-limit buckets), and the
 * services behind them read the token themselves.
 */
export function edgeAuth(routes: RouteRule[], verifier: TokenVerifier): RequestHandler {
  return async (req, _res, next) => {
    if (req.method === 'OPTIONS') return next();
    const rule = matchRoute(routes, req.path);
    if (isPublic(rule, req.path)) return next();
    const token = bearerToken(req.headers.authorization) ?? wsQueryToken(req);
    if (!token) throw new UnauthorizedError('Missing bearer token');
    const claims = await verifier.verify(token);
    req.auth = { userId: claims.sub, role: claims.role, claims, token };
    next();
  };
}

/** Browsers cannot set headers on a WebSocket handshake, so upgrades may carry `?token=`. */
function wsQueryToken(req: Parameters<RequestHandler>[0]): string | undefined {
  if (req.headers.upgrade?.toLowerCase() !== 'websocket') return undefined;
  const t = req.query.token;
  return typeof t === 'string' && t.length > 0 && t.length < 4096 ? t : undefined;
}
