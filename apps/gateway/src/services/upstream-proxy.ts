import type http from 'node:http';
import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import type net from 'node:net';
import type { RequestHandler } from 'express';
import { createProxyMiddleware, type Plugin } from 'http-proxy-middleware';
import { AppError, UpstreamUnavailableError, type Logger } from '@platform/service-kit';
import { isBreakerOpenError, type BreakerRegistry, type InstanceResolver } from '@platform/service-client';
import { matchRoute, type RouteRule } from '../route-table';

/** Per-request upstream choice and the settle callbacks the breaker waits on. */
interface Upstream {
  service: string;
  url: string;
  timedOut?: boolean;
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

const isTimeout = (err: Error & { code?: string }) => err.code === 'ETIMEDOUT';

/**
 * Streams matched requests (and WebSocket upgrades) to a live instance of the target service, through
 * that service's breaker: connection failures, timeouts and 5xx count against it; 4xx do not.
 */
export function upstreamProxy(o: UpstreamProxyOptions) {
  const events: Plugin = (proxyServer) => {
    proxyServer.on('proxyRes', (proxyRes, req) => {
      const up = (req as ProxiedRequest).upstream;
      const status = proxyRes.statusCode ?? 502;
      up?.settle(status >= 500 ? new UpstreamStatusError(`${up.service} answered ${status}`) : undefined);
    });
    proxyServer.on('proxyReq', (proxyReq, req) => {
      const up = (req as ProxiedRequest).upstream;
      proxyReq.once('timeout', () => {
        if (up) up.timedOut = true;
      });
    });
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
      up?.settle(up.timedOut ? Object.assign(new Error('upstream timed out'), { code: 'ETIMEDOUT' }) : err);
    });
  };
  // Without an agent http-proxy opens (and closes) one upstream connection per request; keep-alive
  // reuses them. Node's agent honours the upstream's Keep-Alive timeout hint, so an idle socket is
  // dropped before the upstream closes it. One agent (and proxy) per protocol: an agent is protocol-bound.
  const proxyWith = (agent: HttpAgent) =>
    createProxyMiddleware({
      router: (req) => (req as ProxiedRequest).upstream?.url ?? 'http://127.0.0.1:9',
      changeOrigin: false,
      xfwd: true,
      ws: false,
      proxyTimeout: o.timeoutMs,
      agent,
      ejectPlugins: true,
      plugins: [events],
    });
  const plain = proxyWith(new HttpAgent({ keepAlive: true, maxFreeSockets: 256 }));
  const tls = proxyWith(new HttpsAgent({ keepAlive: true, maxFreeSockets: 256 }));
  const proxyFor = (req: ProxiedRequest) => (req.upstream?.url.startsWith('https:') ? tls : plain);

  async function through(service: string, req: ProxiedRequest, run: () => void): Promise<void> {
    const instance = await o.resolver.pick(service);
    await o.breakers.fire(service, () =>
      new Promise<void>((resolve, reject) => {
        let settled = false;
        req.upstream = {
          service,
          url: instance.url,
          settle: (err) => {
            if (settled) return;
            settled = true;
            if (err) reject(err);
            else resolve();
          },
        };
        run();
      }),
    );
  }

  const http: RequestHandler = async (req, res, next) => {
    const rule = matchRoute(o.routes, req.path);
    if (!rule) return next();
    const length = Number(req.headers['content-length'] ?? 0);
    if (length > o.bodyLimitBytes) throw new AppError('PAYLOAD_TOO_LARGE', 'Request body is too large');
    res.locals.metricsRoute = `${rule.prefix}/*`;
    try {
      await through(rule.service, req, () => void proxyFor(req)(req, res, next));
    } catch (err) {
      if (res.headersSent) return;
      throw toUpstreamError(rule.service, err, o.breakers, o.timeoutMs);
    }
  };

  /** WebSocket upgrades: same routing, auth is checked by the caller before this runs. */
  async function upgrade(req: http.IncomingMessage, socket: net.Socket, head: Buffer): Promise<void> {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    const rule = matchRoute(o.routes, path);
    if (!rule) throw new AppError('ROUTE_NOT_FOUND', `No route for ${path}`);
    await through(rule.service, req, () => proxyFor(req).upgrade(req, socket, head));
  }

  return { http, upgrade };
}

function toUpstreamError(service: string, err: unknown, breakers: BreakerRegistry, timeoutMs: number): AppError {
  if (err instanceof AppError) return err;
  if (isBreakerOpenError(err)) return new UpstreamUnavailableError(service, breakers.retryAfterSeconds(service), 'circuit breaker open');
  if (err instanceof Error && isTimeout(err)) {
    return new AppError('UPSTREAM_TIMEOUT', `Service ${service} did not answer within ${timeoutMs} ms`, { headers: { 'Retry-After': '1' } });
  }
  // The error code only: the message ("connect ECONNREFUSED <host>:<port>") names internals a 5xx body must not carry.
  const code = (err as { code?: unknown } | null)?.code;
  return new UpstreamUnavailableError(service, 1, `connection failed${typeof code === 'string' ? `: ${code}` : ''}`, err);
}
