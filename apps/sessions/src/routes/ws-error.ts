import type { WsServerMessage } from '@platform/contracts';
import { AppError, errorFields, type Logger } from '@platform/service-kit';

/** An error as a WebSocket `error` message (the envelope's code, message and details); unknown errors are logged and hidden. */
export function wsError(err: unknown, logger?: Logger): WsServerMessage {
  const e = err instanceof AppError ? err : new AppError('INTERNAL_ERROR', 'Request failed');
  if (!(err instanceof AppError)) logger?.error('websocket request failed', errorFields(err));
  return { type: 'error', error_code: e.code, error: e.message, ...(e.details ? { details: e.details } : {}) };
}
