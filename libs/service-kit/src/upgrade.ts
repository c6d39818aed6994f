import type http from 'node:http';
import type net from 'node:net';
import { randomUUID } from 'node:crypto';
import type { ErrorEnvelope } from '@platform/contracts';
import type { AppError } from './errors';

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
