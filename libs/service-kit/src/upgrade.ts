import type http from 'node:http';
import type net from 'node:net';
import type stream from 'node:stream';
import { randomUUID } from 'node:crypto';
import type { ErrorEnvelope } from '@platform/contracts';
import { AppError } from './errors';

const SANE_ID = /^[A-Za-z0-9._:-]{8,128}$/;

/** A sane incoming `x-request-id`, or a new one; written back onto the request so proxies pass it on. */
export function requestIdOf(req: http.IncomingMessage): string {
  const incoming = req.headers['x-request-id'];
  const id = typeof incoming === 'string' && SANE_ID.test(incoming) ? incoming : randomUUID();
  req.headers['x-request-id'] = id;
  return id;
}

/** Answers a refused WebSocket handshake with a plain HTTP response carrying the error envelope. */
export function refuseUpgrade(socket: net.Socket, err: AppError, requestId: string): void {
  const body: ErrorEnvelope = { error: err.message, error_code: err.code, request_id: requestId, timestamp: new Date().toISOString() };
  const json = JSON.stringify(body);
  const headers = [
    `HTTP/1.1 ${err.status} ${err.code}`,
    'Content-Type: application/json; charset=utf-8',
    `Content-Length: ${Buffer.byteLength(json)}`,
    `X-Request-Id: ${requestId}`,
    ...Object.entries(err.headers).map(([k, v]) => `${k}: ${v}`),
    'Connection: close',
  ];
  socket.end(`${headers.join('\r\n')}\r\n\r\n${json}`);
}

/**
 * `clientError` handler: a request node's parser refuses (headers over the limit, a malformed request
 * line or header) gets the error envelope instead of node's bare status line. Like node's own handler,
 * it answers only on a connection that has not started a response; otherwise it just closes it.
 */
export function answerClientError(err: Error & { code?: string }, socket: stream.Duplex): void {
  const s = socket as net.Socket;
  // A client too slow to send its request is not waiting for an answer either.
  if (err.code === 'ECONNRESET' || err.code === 'ERR_HTTP_REQUEST_TIMEOUT' || !s.writable || s.bytesWritten > 0) {
    s.destroy();
    return;
  }
  const refusal =
    err.code === 'HPE_HEADER_OVERFLOW'
      ? new AppError('HEADERS_TOO_LARGE', 'Request headers are too large')
      : err.code === 'HPE_CHUNK_EXTENSIONS_OVERFLOW'
        ? new AppError('PAYLOAD_TOO_LARGE', 'Request body is too large')
        : new AppError('VALIDATION_ERROR', 'Malformed HTTP request');
  refuseUpgrade(s, refusal, randomUUID());
}
