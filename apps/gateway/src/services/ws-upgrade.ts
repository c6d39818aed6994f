import type http from 'node:http';
import type net from 'node:net';
import { bearerToken, type TokenVerifier } from '@platform/auth-middleware';
import { AppError, UnauthorizedError, errorFields, refuseUpgrade, requestIdOf, type Logger } from '@platform/service-kit';
import { isPublic, matchRoute, type RouteRule } from '../route-table';
import { checkedPath } from '../middleware/guard';

/** WebSocket upgrades through the gateway: same guard, routing and token rules as HTTP (token by header or `?token=`). */
export function wsUpgradeHandler(o: {
  routes: RouteRule[];
  verifier: TokenVerifier;
  logger: Logger;
  proxyUpgrade: (req: http.IncomingMessage, socket: net.Socket, head: Buffer) => Promise<void>;
}) {
  return (req: http.IncomingMessage, socket: net.Socket, head: Buffer): void => {
    const requestId = requestIdOf(req);
    socket.on('error', () => socket.destroy());
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
      if (!isPublic(rule, path)) {
        const token = bearerToken(req.headers.authorization) ?? query.get('token') ?? undefined;
        if (!token) throw new UnauthorizedError('Missing bearer token');
        await o.verifier.verify(token);
      }
      await o.proxyUpgrade(req, socket, head);
    };
    run().catch((err: unknown) => {
      const appError = err instanceof AppError ? err : new AppError('BAD_GATEWAY', 'WebSocket upgrade failed');
      if (!(err instanceof AppError)) o.logger.warn('websocket upgrade failed', { request_id: requestId, ...errorFields(err) });
      if (!socket.destroyed) refuseUpgrade(socket, appError, requestId);
    });
  };
}
