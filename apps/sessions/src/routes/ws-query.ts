import { randomUUID } from 'node:crypto';
import type { WsClientMessage, WsServerMessage } from '@platform/contracts';
import { assertMay } from '@platform/auth-middleware';
import { AppError, errorFields, runWithContext, type DelegatedRateLimit, type FixedWindowCounter, type Logger } from '@platform/service-kit';
import type { RunsService } from '../services/runs.service';
import type { SocketAuth } from './ws-auth';
import { wsError } from './ws-error';

/**
 * A `query` message: the same checks as `POST …/query` through the gateway (a live token, a role that
 * may run, the per-user rate limit on the gateway's own counter), then the same service call.
 */
export function answerQuery(
  d: { runs: RunsService; counter: FixedWindowCounter | undefined; limit: DelegatedRateLimit | undefined; logger: Logger },
  auth: SocketAuth,
  sessionId: string,
  msg: Extract<WsClientMessage, { type: 'query' }>,
): Promise<WsServerMessage> {
  return runWithContext({ requestId: randomUUID(), logger: d.logger }, async (): Promise<WsServerMessage> => {
    try {
      const claims = auth.current();
      assertMay(claims.role, 'run');
      await limit(d);
      const accepted = await d.runs.query({ userId: claims.sub, role: claims.role }, sessionId, msg.message, msg.multitask);
      return { type: 'query_accepted', ...accepted };
    } catch (err) {
      return wsError(err, d.logger);
    }
  });
}

async function limit(d: { counter: FixedWindowCounter | undefined; limit: DelegatedRateLimit | undefined; logger: Logger }): Promise<void> {
  if (!d.counter || !d.limit) return;
  let counted;
  try {
    counted = await d.counter.hit(d.limit.keyBase, d.limit.limit, d.limit.windowS);
  } catch (err) {
    // Redis down: serve rather than refuse, as the gateway does; the outage shows in logs and readiness.
    d.logger.warn('rate limiter unavailable; allowing query', errorFields(err));
    return;
  }
  if (counted.allowed) return;
  throw new AppError('RATE_LIMITED', `Too many requests; limit is ${counted.limit} per ${d.limit.windowS} s`, {
    details: { limit: counted.limit, window_s: d.limit.windowS, retry_after_s: counted.resetS },
  });
}
