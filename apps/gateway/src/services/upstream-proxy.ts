import type http from 'node:http';
import type net from 'node:net';
import type { RequestHandler } from 'express';
import { createProxyMiddleware, type Plugin } from 'http-proxy-middleware';
import { AppError, UpstreamUnavailableError, type Logger } from '@platform/service-kit';
import { isBreakerOpenError, type BreakerRegistry, type InstanceResolver } from '@platform/service-client';
import { matchRoute, type RouteRule } from '../route-table';
import { HttpForwarder, type ForwardError } from './http-forward';

/** Per-upgrade upstream choice and the settle callback the breaker waits on. */
interface Upstream {
  service: string;
  url: string;
  settle: (err?: Error) => void;
}
type ProxiedRequest = http.IncomingMessage & { upstream?: Upstream };

class UpstreamStatusError extends Error {}

export interface UpstreamProxyOptions {
  routes: RouteRule[];
  resolver: InstanceResolver;
  breakers: BreakerRegistry;
  logger: Logger;
  timeoutMs: number;
  bodyLimitBytes: number;
}

export interface UpstreamProxy {
  /** Express handler for routed paths (anything else goes to `next`). */
  http: RequestHandler;
  /** Proxies `req` to a live instance of `rule.service`; throws an AppError when there is no upstream answer. */
  forward: (rule: RouteRule, req: http.IncomingMessage, res: http.ServerResponse) => Promise<void>;
  upgrade: (req: http.IncomingMessage, socket: net.Socket, head: Buffer) => Promise<void>;
  close: () => void;
}

/**
 * Streams matched requests (and WebSocket upgrades) to a live instance of the target service, through
 * that service's breaker: connection failures, timeouts and 5xx count against it; 4xx do not.
 */
export function upstreamProxy(o: UpstreamProxyOptions): UpstreamProxy {
  const forwarder = new HttpForwarder(o.timeoutMs);

  async function forward(rule: RouteRule, req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const length = Number(req.headers['content-length'] ?? 0);
    if (length > o.bodyLimitBytes) throw new AppError('PAYLOAD_TOO_LARGE', 'Request body is too large');
    let answered = false;
    try {
      const instance = await o.resolver.pick(rule.service);
      await o.breakers.fire(rule.service, async () => {
        let status: number;
        try {
          status = await forwarder.forward(req, res, instance.url);
        } catch (err) {
          if ((err as ForwardError).code === 'ECONNREFUSED') o.resolver.markFailed(rule.service, instance.url);
          throw err;
        }
        answered = true;
        // The upstream's own answer is relayed as it is; a 5xx still counts against its breaker.
        if (status >= 500) throw new UpstreamStatusError(`${rule.service} answered ${status}`);
      });
    } catch (err) {
      if (answered || res.headersSent) return;
      throw toUpstreamError(rule.service, err, o.breakers, o.timeoutMs);
    }
  }

  const http: RequestHandler = async (req, res, next) => {
    const rule = matchRoute(o.routes, req.path);
    if (!rule) return next();
    res.locals.metricsRoute = `${rule.prefix}/*`;
    await forward(rule, req, res);
  };

  // WebSocket upgrades go through http-proxy (one fresh upstream connection each).
  const events: Plugin = (proxyServer) => {
    proxyServer.on('proxyReqWs', (proxyReq, req) => {
      const up = (req as ProxiedRequest).upstream;
      proxyReq.once('upgrade', () => up?.settle());
      proxyReq.once('response', (r: http.IncomingMessage) =>
        up?.settle((r.statusCode ?? 502) >= 500 ? new UpstreamStatusError(`${up.service} answered ${r.statusCode}`) : undefined),
      );
    });
    proxyServer.on('error', (err: Error & { code?: string }, req) => {
      const up = (req as ProxiedRequest).upstream;
      if (up && err.code === 'ECONNREFUSED') o.resolver.markFailed(up.service, up.url);
      up?.settle(err);
    });
  };
  const wsProxy = createProxyMiddleware({
    router: (req) => (req as ProxiedRequest).upstream?.url ?? 'http://127.0.0.1:9',
    changeOrigin: false,
    xfwd: true,
    ws: false,
    proxyTimeout: o.timeoutMs,
    ejectPlugins: true,
    plugins: [events],
  });

  /** WebSocket upgrades: same routing, auth is checked by the caller before this runs. */
  async function upgrade(req: ProxiedRequest, socket: net.Socket, head: Buffer): Promise<void> {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    const rule = matchRoute(o.routes, path);
    if (!rule) throw new AppError('ROUTE_NOT_FOUND', `No route for ${path}`);
    const instance = await o.resolver.pick(rule.service);
    await o.breakers.fire(rule.service, () =>
      new Promise<void>((resolve, reject) => {
        let settled = false;
        req.upstream = {
          service: rule.service,
          url: instance.url,
          settle: (err) => {
            if (settled) return;
            settled = true;
            if (err) reject(err);
            else resolve();
          },
        };
        wsProxy.upgrade(req, socket, head);
      }),
    );
  }

  return { http, forward, upgrade, close: () => forwarder.destroy() };
}

function toUpstreamError(service: string, err: unknown, breakers: BreakerRegistry, timeoutMs: number): AppError {
  if (err instanceof AppError) return err;
  if (isBreakerOpenError(err)) return new UpstreamUnavailableError(service, breakers.retryAfterSeconds(service), 'circuit breaker open');
  if ((err as ForwardError | null)?.code === 'ETIMEDOUT') {
    return new AppError('UPSTREAM_TIMEOUT', `Service ${service} did not answer within ${timeoutMs} ms`, { headers: { 'Retry-After': '1' } });
  }
  // The error code only: the message ("connect ECONNREFUSED <host>:<port>") names internals a 5xx body must not carry.
  const code = (err as { code?: unknown } | null)?.code;
  return new UpstreamUnavailableError(service, 1, `connection failed${typeof code === 'string' ? `: ${code}` : ''}`, err);
}
