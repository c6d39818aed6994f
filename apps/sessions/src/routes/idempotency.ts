import type { RequestHandler } from 'express';
import { ValidationError } from '@platform/service-kit';
import { requestFingerprint, type IdempotencyService } from '../services/idempotency.service';
import { callerOf } from './caller';

const KEY = /^[\x21-\x7e]{1,255}$/;

/**
 * Route middleware for `Idempotency-Key` (after authentication): a first request runs and its
 * successful answer is stored before it is sent; a retry with the same key and body gets that answer
 * again (`Idempotent-Replayed: true`) without the handler running. Without the header: nothing changes.
 */
export function idempotent(service: IdempotencyService): RequestHandler {
  return async (req, res, next) => {
    const key = req.get('idempotency-key');
    if (key === undefined) return next();
    if (!KEY.test(key)) {
      throw new ValidationError([{ path: 'headers.idempotency-key', message: 'must be 1 to 255 visible ASCII characters', code: 'custom' }]);
    }
    const path = req.originalUrl.split('?')[0] ?? req.path;
    const outcome = await service.begin(callerOf(req).userId, key, requestFingerprint(req.method, path, req.body));
    if (outcome.kind === 'replay') {
      res.set('Idempotent-Replayed', 'true').status(outcome.status).json(outcome.body);
      return;
    }
    const send = res.json.bind(res);
    // Stored before it is sent: a client that retries as soon as it has the answer finds it.
    res.json = (body: unknown) => {
      void outcome.finish(res.statusCode, body).then(() => send(body));
      return res;
    };
    next();
  };
}
