import type { IncomingMessage, ServerResponse } from 'node:http';
import helmet, { type HelmetOptions } from 'helmet';
import type { ErrorEnvelope } from '@platform/contracts';
import { AppError, errorFields, type Logger, type Metrics } from '@platform/service-kit';
import { AccessLog } from './access-log';

/** The platform's security headers (service-kit's createServiceApp uses the same helmet options). */
export const HELMET_OPTIONS: HelmetOptions = {
  contentSecurityPolicy: false,
  frameguard: { action: 'deny' },
  hsts: { maxAge: 31_536_000, includeSubDomains: true },
};

/** The headers helmet would set on every answer, computed once (they do not depend on the request). */
export function securityHeaders(options: HelmetOptions = HELMET_OPTIONS): Array<[string, string]> {
  const headers: Array<[string, string]> = [];
  const recorder = { setHeader: (name: string, value: unknown) => headers.push([name, String(value)]), removeHeader: () => undefined };
  helmet(options)({} as IncomingMessage, recorder as unknown as ServerResponse, () => undefined);
  return headers;
}

/**
 * The same envelope service-kit's error middleware writes, for answers given outside Express. Unknown
 * errors become a bare 500 and are logged once with the stack; AppErrors of 5xx are logged as warnings.
 */
export function sendEnvelope(res: ServerResponse, requestId: string, err: unknown, log: () => Logger, method: string, path: string, lines?: AccessLog): void {
  let appError: AppError;
  if (err instanceof AppError) {
    appError = err;
    if (appError.status >= 500) {
      const fields = { code: appError.code, error: appError.message, details: appError.details };
      // An open breaker turns every request into a 503: those lines go out batched like access lines.
      if (lines) lines.write('warn', 'request failed', { request_id: requestId, ...fields });
      else log().warn('request failed', fields);
    }
  } else {
    log().error('unhandled error', { ...errorFields(err), method, path });
    appError = new AppError('INTERNAL_ERROR', 'Internal server error');
  }
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const body: ErrorEnvelope = {
    error: appError.message,
    error_code: appError.code,
    ...(appError.details ? { details: appError.details } : {}),
    request_id: requestId,
    timestamp: new Date().toISOString(),
  };
  const json = JSON.stringify(body);
  for (const [k, v] of Object.entries(appError.headers)) res.setHeader(k, v);
  res.statusCode = appError.status;
  res.setHeader('Content-Type', 'application/json; charset=utf-8');
  res.setHeader('Content-Length', Buffer.byteLength(json));
  res.end(json);
}

/** Records what service-kit's request-log and metrics middlewares record: one access line with the request id; count and latency by route template. */
export class AccessRecorder {
  readonly log: AccessLog;

  constructor(
    logger: Logger,
    private readonly metrics: Metrics,
  ) {
    this.log = new AccessLog(logger);
  }

  record(requestId: string, method: string, path: string, route: string, status: number, startNs: bigint): void {
    const seconds = Number(process.hrtime.bigint() - startNs) / 1e9;
    const labels = { method, route, status: String(status) };
    this.metrics.httpRequests.inc(labels);
    this.metrics.httpDuration.observe(labels, seconds);
    this.log.write(status >= 500 ? 'warn' : 'info', 'request', {
      request_id: requestId,
      method,
      path,
      status,
      duration_ms: Math.round(seconds * 10_000) / 10,
    });
  }
}
