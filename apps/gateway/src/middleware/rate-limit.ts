import type { ServerResponse } from 'node:http';
import type { RequestHandler } from 'express';
import { AppError, errorFields } from '@platform/service-kit';
import type { RateDecision, RateLimiter } from '../services/rate-limiter';

/** Writes the RateLimit-* headers of a decision; returns the 429 to answer when the client is over the limit. */
export function applyRateDecision(res: ServerResponse, decision: RateDecision): AppError | undefined {
  const { rule } = decision;
  res.setHeader('RateLimit-Limit', String(decision.limit));
  res.setHeader('RateLimit-Remaining', String(decision.remaining));
  res.setHeader('RateLimit-Reset', String(decision.resetS));
  res.setHeader('RateLimit-Policy', `${decision.limit};w=${rule.windowS}`);
  if (decision.allowed) return undefined;
  return new AppError('RATE_LIMITED', `Too many requests; limit is ${decision.limit} per ${rule.windowS} s`, {
    details: { limit: decision.limit, window_s: rule.windowS, retry_after_s: decision.resetS },
    headers: { 'Retry-After': String(decision.resetS) },
  });
}

/** Per route and per client (user id when authenticated, else IP); 429 in the envelope with RateLimit-* headers. */
export function rateLimit(limiter: RateLimiter): RequestHandler {
  return async (req, res, next) => {
    if (req.method === 'OPTIONS') return next();
    const rule = limiter.ruleFor(req.method, req.path);
    if (!rule) return next();
    const client = req.auth ? `u:${req.auth.userId}` : `ip:${req.ip ?? 'unknown'}`;
    let decision;
    try {
      decision = await limiter.hit(rule, client);
    } catch (err) {
      // Redis down: serve rather than refuse everyone; the outage shows in logs and readiness.
      req.log.warn('rate limiter unavailable; allowing request', errorFields(err));
      return next();
    }
    const refusal = applyRateDecision(res, decision);
    if (refusal) throw refusal;
    next();
  };
}
