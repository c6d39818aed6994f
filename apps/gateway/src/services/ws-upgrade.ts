import type http from 'node:http';
import type net from 'node:net';
import { bearerToken, type TokenVerifier } from '@platform/auth-middleware';
import {
  AppError,
  GATEWAY_RATE_LIMIT_HEADER,
  UnauthorizedError,
  errorFields,
  formatDelegatedRateLimit,
  refuseUpgrade,
  requestIdOf,
  type Logger,
} from '@platform/service-kit';
import { isPublic, matchRoute, wsQueryPath, type RouteRule } from '../route-table';
import { checkedPath } from '../middleware/guard';
import type { RateLimiter } from './rate-limiter';
import type { StreamSlots } from './stream-slots';

/**
 * WebSocket upgrades through the gateway: same guard, routing, token and rate-limit rules as HTTP (token
 * by header or `?token=`), a stream slot held while the socket is open, and the service told which
 * per-user counter the socket's messages count against (the one `POST …/query` uses).
 */
export function wsUpgradeHandler(o: {
  routes: RouteRule[];
  verifier: TokenVerifier;
  logger: Logger;
  limiter: RateLimiter | undefined;
  slots: StreamSlots | undefined;
  proxyUpgrade: (req: http.IncomingMessage, socket: net.Socket, head: Buffer) => Promise<void>;
}) {
  async function limit(path: string, userId: string, req: http.IncomingMessage): Promise<void> {
    if (!o.limiter) return;
    const handshake = o.limiter.ruleFor('GET', path);
    if (handshake) {
      const decision = await o.limiter.hit(handshake, `u:${userId}`).catch(() => undefined);
      if (decision && !decision.allowed) {
        throw new AppError('RATE_LIMITED', `Too many requests; limit is ${decision.limit} per ${handshake.windowS} s`, {
          details: { limit: decision.limit, window_s: handshake.windowS, retry_after_s: decision.resetS },
          headers: { 'Retry-After': String(decision.resetS) },
        });
      }
    }
    const queryPath = wsQueryPath(path);
    const queryRule = queryPath ? o.limiter.ruleFor('POST', queryPath) : undefined;
    if (queryRule) {
      req.headers[GATEWAY_RATE_LIMIT_HEADER] = formatDelegatedRateLimit({
        keyBase: o.limiter.keyBase(queryRule, `u:${userId}`),
        limit: queryRule.limit,
        windowS: queryRule.windowS,
      });
    }
  }

  return (req: http.IncomingMessage, socket: net.Socket, head: Buffer): void => {
    const requestId = requestIdOf(req);
    socket.on('error', () => socket.destroy());
    // Only the gateway speaks for the rate limit: never pass on a client's own statement.
    delete req.headers[GATEWAY_RATE_LIMIT_HEADER];
    const run = async () => {
      // Split by hand: `new URL` reads a target such as `//x` as a host and throws.
      const target = req.url ?? '/';
      const q = target.indexOf('?');
      const rawPath = q < 0 ? target : target.slice(0, q);
      const query = new URLSearchParams(q < 0 ? '' : target.slice(q + 1));
      // The same edge checks as plain HTTP: a bad path is a 400 envelope, not a failed upgrade.
      const path = checkedPath(req.method ?? 'GET', rawPath);
      const rule = matchRoute(o.routes, path);
      if (!rule) throw new AppError('ROUTE_NOT_FOUND', `No route for ${rawPath}`);
      // The proxy drops anything else without a word: refuse it here with the envelope instead.
      if (req.method !== 'GET' || req.headers.upgrade?.toLowerCase() !== 'websocket')
        throw new AppError('VALIDATION_ERROR', 'Only WebSocket upgrades (GET with Upgrade: websocket) are supported');
      // The proxy forwards the headers but not the body, so an upstream would wait for it forever.
      if (Number(req.headers['content-length'] ?? 0) > 0 || req.headers['transfer-encoding'] !== undefined)
        throw new AppError('VALIDATION_ERROR', 'A WebSocket handshake carries no body');
      let release: (() => void) | undefined;
      if (!isPublic(rule, path)) {
        const token = bearerToken(req.headers.authorization) ?? query.get('token') ?? undefined;
        if (!token) throw new UnauthorizedError('Missing bearer token');
        const claims = await o.verifier.verify(token);
        await limit(path, claims.sub, req);
        release = await o.slots?.acquire(`u:${claims.sub}`);
      }
      // (No public WebSocket route exists; one would hold no slot, as its client IP is not known here.)
      if (release && socket.destroyed) release();
      else if (release) socket.once('close', release);
      try {
        await o.proxyUpgrade(req, socket, head);
      } catch (err) {
        release?.();
        throw err;
      }
    };
    run().catch((err: unknown) => {
      const appError = err instanceof AppError ? err : new AppError('BAD_GATEWAY', 'WebSocket upgrade failed');
      if (!(err instanceof AppError)) o.logger.warn('websocket upgrade failed', { request_id: requestId, ...errorFields(err) });
      if (!socket.destroyed) refuseUpgrade(socket, appError, requestId);
    });
  };
}
