import type { RequestHandler } from 'express';
import type { Logger } from '../logger';
import { runWithContext } from '../request-context';
import { requestIdOf } from '../upgrade';

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Express {
    interface Request {
      id: string;
      log: Logger;
    }
  }
}

/** Keeps a sane incoming `x-request-id` (else makes one), echoes it, and opens the request context. */
export function requestId(logger: Logger): RequestHandler {
  return (req, res, next) => {
    const id = requestIdOf(req);
    req.id = id;
    req.log = logger.child({ request_id: id });
    res.setHeader('X-Request-Id', id);
    const traceparent = typeof req.headers.traceparent === 'string' ? req.headers.traceparent : undefined;
    runWithContext({ requestId: id, logger: req.log, ...(traceparent ? { traceparent } : {}) }, () => next());
  };
}
