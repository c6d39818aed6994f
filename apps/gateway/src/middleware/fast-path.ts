import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Express, RequestHandler } from 'express';
import { bearerToken } from '@platform/auth-middleware';
import type { AccessTokenClaims } from '@platform/contracts';
import { errorFields, requestIdOf, runWithContext, type Logger, type Metrics, type RequestContext } from '@platform/service-kit';
import { isPublic, matchRoute, type RouteRule } from '../route-table';
import type { RateLimiter } from '../services/rate-limiter';
import type { VerifiedTokenCache } from '@platform/auth-middleware';
import type { UpstreamProxy } from '../services/upstream-proxy';
import { AccessRecorder, securityHeaders, sendEnvelope } from './edge-response';
import { pathRefusal } from './guard';
import { applyRateDecision } from './rate-limit';
import { isStreamRequest, type StreamSlots } from '../services/stream-slots';

export interface FastPathDeps {
  routes: RouteRule[];
  logger: Logger;
  metrics: Metrics;
  verifier: VerifiedTokenCache;
  limiter: RateLimiter | undefined;
  slots: StreamSlots | undefined;
  proxy: UpstreamProxy;
  cors: RequestHandler;
}

/** Takes a request (true) or leaves it to Express (false). */
export type FastPath = (req: IncomingMessage, res: ServerResponse) => boolean;

/** Lets `fast` see every request before the Express app does. */
export function withFastPath(app: Express, fast: FastPath): Express {
  const target = app as unknown as { handle: (req: IncomingMessage, res: ServerResponse, done?: unknown) => void };
  const expressHandle = target.handle.bind(app);
  target.handle = (req, res, done) => {
    if (!fast(req, res)) expressHandle(req, res, done);
  };
  return app;
}

/**
 * Proxied requests to protected routes that carry a bearer token skip Express: the same edge stack
 * (request id and context, security headers, access log and metrics, path guard, CORS, token and
 * revocation check, rate limit, stream cap, breaker, envelope errors) as plain functions, without
 * Express's per-request prototype swaps and middleware walk. Everything else — gateway routes,
 * preflights, upgrades, public routes (limited per client IP, token or not), requests without a token
 * (a 401) — goes through the Express app, which has the same behaviour.
 */
const MAY_BE_REFUSED = /[%.\\]/;

export function proxiedFastPath(d: FastPathDeps): FastPath {
  const security = securityHeaders();
  const recorder = new AccessRecorder(d.logger, d.metrics);

  async function handle(req: IncomingMessage, res: ServerResponse, rule: RouteRule, path: string, token: string): Promise<void> {
    const start = process.hrtime.bigint();
    const requestId = requestIdOf(req);
    let child: Logger | undefined;
    const log = () => (child ??= d.logger.child({ request_id: requestId }));
    let claims = d.verifier.peek(token);
    let verifyError: unknown;
    if (!claims) {
      // Only a cache miss calls out (auth's signing keys), so only it needs the request context the
      // Express path opens for every request: nothing else here reads it.
      const traceparent = typeof req.headers.traceparent === 'string' ? req.headers.traceparent : undefined;
      const context: RequestContext = { requestId, get logger() { return log(); }, ...(traceparent ? { traceparent } : {}) };
      try {
        claims = await runWithContext(context, () => d.verifier.verify(token));
      } catch (err) {
        verifyError = err;
      }
    }
    const method = req.method ?? 'GET';
    res.setHeader('X-Request-Id', requestId);
    for (const [name, value] of security) res.setHeader(name, value);
    res.once('finish', () => recorder.record(requestId, method, path, `${rule.prefix}/*`, res.statusCode, start));
    try {
      // The path starts with a routed prefix, so only an escape, a dot or a backslash can make the guard refuse it.
      const refusal = MAY_BE_REFUSED.test(path) ? pathRefusal(method, path) : undefined;
      if (refusal) throw refusal;
      if (req.headers.origin !== undefined) d.cors(req as Parameters<RequestHandler>[0], res as Parameters<RequestHandler>[1], () => undefined);
      if (!claims) throw verifyError;
      await limit(req, res, path, claims, log);
      if (d.slots && isStreamRequest(method, path)) {
        const release = await d.slots.acquire(`u:${claims.sub}`);
        if (res.closed) release();
        else res.once('close', release);
      }
      await d.proxy.forward(rule, req, res);
    } catch (err) {
      sendEnvelope(res, requestId, err, log, method, path, recorder.log);
    }
  }

  async function limit(req: IncomingMessage, res: ServerResponse, path: string, claims: AccessTokenClaims, log: () => Logger): Promise<void> {
    const rule = d.limiter?.ruleFor(req.method ?? 'GET', path);
    if (!d.limiter || !rule) return;
    let decision;
    try {
      decision = await d.limiter.hit(rule, `u:${claims.sub}`);
    } catch (err) {
      // Redis down: serve rather than refuse everyone; the outage shows in logs and readiness.
      log().warn('rate limiter unavailable; allowing request', errorFields(err));
      return;
    }
    const refusal = applyRateDecision(res, decision);
    if (refusal) throw refusal;
  }

  return (req, res) => {
    const method = req.method;
    if (method === 'OPTIONS' || req.headers.upgrade !== undefined) return false;
    const token = bearerToken(req.headers.authorization);
    if (!token) return false;
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const path = q < 0 ? url : url.slice(0, q);
    const rule = matchRoute(d.routes, path);
    // Public routes are limited per client IP whatever token comes along: only Express knows that IP.
    if (!rule || isPublic(rule, path)) return false;
    void handle(req, res, rule, path, token);
    return true;
  };
}
