import type http from 'node:http';
import type net from 'node:net';
import { randomUUID } from 'node:crypto';
import type { ErrorEnvelope } from '@platform/contracts';
import { bearerToken, type AccessTokenVerifier } from '@platform/auth-middleware';
import { AppError, UnauthorizedError, errorFields, type Logger } from '@platform/service-kit';
import { isPublic, matchRoute, type RouteRule } from '../route-table';
import { isInternalPath } from '../middleware/guard';

/** Answers a refused WebSocket handshake with a plain HTTP response in the error envelope. */
function refuse(socket: net.Socket, err: AppError, requestId: string): void {
  const body: ErrorEnvelope = { error: err.message, error_code: err.code, request_id: requestId, timestamp: new Date().toISOString() };
  const json = JSON.stringify(body);
  const headers = [
    `HTTP/1.1 ${err.status} ${err.code}`,
    'Content-Type: application/json; charset=utf-8',
    `Content-Length: ${Buffer.byteLength(json)}`,
    `X-Request-Id: ${requestId}`,
    ...Object.entries(err.headers).map(([k, v]) => `${k}: ${v}`),
    'Connection: close',
  ];
  socket.end(`${headers.join('\r\n')}\r\n\r\n${json}`);
}

/** WebSocket upgrades through the gateway: same guard, routing and token rules as HTTP (token by header or `?token=`). */
export function wsUpgradeHandler(o: {
  routes: RouteRule[];
  verifier: AccessTokenVerifier;
  logger: Logger;
  proxyUpgrade: (req: http.IncomingMessage, socket: net.Socket, head: Buffer) => Promise<void>;
}) {
  return (req: http.IncomingMessage, socket: net.Socket, head: Buffer): void => {
    const incoming = req.headers['x-request-id'];
    const requestId = typeof incoming === 'string' && /^[A-Za-z0-9._:-]{8,128}$/.test(incoming) ? incoming : randomUUID();
    req.headers['x-request-id'] = requestId;
    socket.on('error', () => socket.destroy());
    const run = async () => {
      const url = new URL(req.url ?? '/', 'http://gateway.invalid');
      const path = decodeURIComponent(url.pathname);
      const rule = matchRoute(o.routes, path);
      if (isInternalPath(path) || !rule) throw new AppError('ROUTE_NOT_FOUND', `No route for ${url.pathname}`);
      if (!isPublic(rule, path)) {
        const token = bearerToken(req.headers.authorization) ?? url.searchParams.get('token') ?? undefined;
        if (!token) throw new UnauthorizedError('Missing bearer token');
        await o.verifier.verify(token);
      }
      await o.proxyUpgrade(req, socket, head);
    };
    run().catch((err: unknown) => {
      const appError = err instanceof AppError ? err : new AppError('BAD_GATEWAY', 'WebSocket upgrade failed');
      if (!(err instanceof AppError)) o.logger.warn('websocket upgrade failed', { request_id: requestId, ...errorFields(err) });
      if (!socket.destroyed) refuse(socket, appError, requestId);
    });
  };
}
