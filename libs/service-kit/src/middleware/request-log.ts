import type { RequestHandler } from 'express';

const QUIET = new Set(['/health', '/ready', '/metrics']);
// Probes and registry heartbeats arrive every few seconds; at info level they would drown real traffic.
const isQuiet = (path: string) => QUIET.has(path) || path.endsWith('/heartbeat');

/** One structured line per finished request, carrying the request id (probes at debug level). */
export function requestLog(): RequestHandler {
  return (req, res, next) => {
    const start = process.hrtime.bigint();
    res.on('finish', () => {
      const ms = Number(process.hrtime.bigint() - start) / 1e6;
      const level = isQuiet(req.path) ? 'debug' : res.statusCode >= 500 ? 'warn' : 'info';
      req.log.log(level, 'request', {
        method: req.method,
        path: req.originalUrl.split('?')[0],
        status: res.statusCode,
        duration_ms: Math.round(ms * 10) / 10,
      });
    });
    next();
  };
}
