import type { RequestHandler } from 'express';
import { bearerToken, type TokenVerifier } from '@platform/auth-middleware';
import { isStreamRequest, type StreamSlots } from '../services/stream-slots';

/**
 * Streams that take the Express path (public ones such as `/api/status/stream`) hold a slot while open:
 * per user with a valid token, else per client IP.
 */
export function streamCap(slots: StreamSlots, verifier: TokenVerifier): RequestHandler {
  return async (req, res, next) => {
    if (!isStreamRequest(req.method, req.path)) return next();
    let owner = req.auth ? `u:${req.auth.userId}` : undefined;
    if (!owner) {
      const token = bearerToken(req.headers.authorization);
      const claims = token ? await verifier.verify(token).catch(() => undefined) : undefined;
      owner = claims ? `u:${claims.sub}` : `ip:${req.ip ?? 'unknown'}`;
    }
    const release = await slots.acquire(owner);
    // The client may have gone while the slot was being taken: then 'close' has already fired.
    if (res.closed) release();
    else res.once('close', release);
    next();
  };
}
