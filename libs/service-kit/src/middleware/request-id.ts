import { randomUUID } from 'node:crypto';
import type { RequestHandler } from 'express';
import type { Logger } from '../logger';
import { runWithContext } from '../request-context';

const SANE_ID = /^[A-Za-z0-9._:-]{8,128}$/;

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
    const incoming = req.headers['x-request-id'];
    const id = typeof incoming === 'string' && SANE_ID.test(incoming) ? incoming : randomUUID();
    req.id = id;
    req.headers['x-request-id'] = id;
    req.log = logger.child({ request_id: id });
    res.setHeader('X-Request-Id', id);
    const traceparent = typeof req.headers.traceparent === 'string' ? req.headers.traceparent : undefined;
    runWithContext({ requestId: id, logger: req.log, ...(traceparent ? { traceparent } : {}) }, () => next());
  };
}
