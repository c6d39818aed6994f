import type http from 'node:http';
import type net from 'node:net';
import { randomUUID } from 'node:crypto';
import { WebSocketServer, type WebSocket } from 'ws';
import { RoleSchema, WsClientMessageSchema, findUnstorableText } from '@platform/contracts';
import { bearerToken, type TokenVerifier } from '@platform/auth-middleware';
import { AppError, UnauthorizedError, errorFields, refuseUpgrade, requestIdOf, runWithContext, type Logger } from '@platform/service-kit';
import type { SessionsService } from '../services/sessions.service';
import type { RunsService } from '../services/runs.service';
import type { EventHub } from '../services/event-hub';
import type { EventLogRepository } from '../repositories/event-log.repository';
import type { OpenStreams } from '../services/open-streams';
import { openSessionStream } from '../services/session-stream';
import type { Caller } from '../services/caller';
import { resumePosition } from './stream-position';

const PATH = /^\/api\/v1\/sessions\/([0-9a-f-]{36})\/stream$/i;

export interface WsDeps {
  sessions: SessionsService;
  runs: RunsService;
  hub: EventHub;
  log: EventLogRepository;
  verifier: TokenVerifier;
  streams: OpenStreams;
  logger: Logger;
  heartbeatMs: number;
}

/** WebSocket on the stream path: events out; `{type:"query"}` and `{type:"ping"}` in. */
export function sessionsWebSocket(d: WsDeps) {
  const wss = new WebSocketServer({ noServer: true, maxPayload: 256 * 1024 });
  // A handshake ws refuses (bad key, version, upgrade or method) gets the envelope, not ws's plain text.
  wss.on('wsClientError', (err, socket, req) => {
    if (!socket.destroyed) refuseUpgrade(socket as net.Socket, new AppError('VALIDATION_ERROR', err.message), requestIdOf(req));
  });

  async function authorise(req: http.IncomingMessage): Promise<{ caller: Caller; sessionId: string; after: number | undefined }> {
    const url = new URL(req.url ?? '/', 'http://sessions.invalid');
    const match = PATH.exec(url.pathname);
    if (!match?.[1]) throw new AppError('ROUTE_NOT_FOUND', `No route for ${url.pathname}`);
    const token = bearerToken(req.headers.authorization) ?? url.searchParams.get('token') ?? undefined;
    if (!token) throw new UnauthorizedError('Missing bearer token');
    const claims = await d.verifier.verify(token);
    if (!RoleSchema.safeParse(claims.role).success) throw new AppError('FORBIDDEN', 'Your role may not do this');
    const caller = { userId: claims.sub, role: claims.role };
    await d.sessions.visible(caller, match[1]);
    const after = resumePosition(req.headers['last-event-id'] as string | undefined, Object.fromEntries(url.searchParams));
    return { caller, sessionId: match[1], after };
  }

  function serve(ws: WebSocket, caller: Caller, sessionId: string, after: number | undefined, requestId: string): void {
    const send = (msg: unknown) => {
      if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(msg));
    };
    const logger = d.logger.child({ request_id: requestId, session_id: sessionId });
    let close: (() => void) | undefined;
    const heartbeat = setInterval(() => send({ type: 'heartbeat', ts: new Date().toISOString() }), d.heartbeatMs);
    const forget = d.streams.add(() => ws.close(1001, 'server shutting down'));
    // A malformed frame is emitted as 'error' (ws then closes the socket): unheard, it would end the process.
    ws.on('error', (err) => logger.warn('websocket protocol error', errorFields(err)));
    ws.on('close', () => {
      clearInterval(heartbeat);
      close?.();
      forget();
    });
    ws.on('message', (raw) => {
      let parsed;
      try {
        const json: unknown = JSON.parse(raw.toString());
        const unstorable = findUnstorableText(json, '');
        if (unstorable) {
          send({ type: 'error', error_code: 'VALIDATION_ERROR', error: `${unstorable.path} ${unstorable.message}` });
          return;
        }
        parsed = WsClientMessageSchema.safeParse(json);
      } catch {
        parsed = undefined;
      }
      if (!parsed?.success) {
        send({ type: 'error', error_code: 'VALIDATION_ERROR', error: 'Expected {"type":"query","message":…} or {"type":"ping"}' });
        return;
      }
      const msg = parsed.data;
      if (msg.type === 'ping') {
        send({ type: 'pong' });
        return;
      }
      runWithContext({ requestId: randomUUID(), logger }, () => {
        d.runs
          .query(caller, sessionId, msg.message, msg.multitask)
          .then((accepted) => send({ type: 'query_accepted', ...accepted }))
          .catch((err: unknown) => {
            const e = err instanceof AppError ? err : new AppError('INTERNAL_ERROR', 'Query failed');
            if (!(err instanceof AppError)) logger.error('websocket query failed', errorFields(err));
            send({ type: 'error', error_code: e.code, error: e.message, ...(e.details ? { details: e.details } : {}) });
          });
      });
    });
    openSessionStream(d, sessionId, after, (event) => send({ type: 'event', event }))
      .then((c) => {
        close = c;
        if (ws.readyState !== ws.OPEN) c();
      })
      .catch((err: unknown) => {
        logger.warn('websocket stream failed', errorFields(err));
        ws.close(1011, 'stream failed');
      });
  }

  return (req: http.IncomingMessage, socket: net.Socket, head: Buffer): void => {
    const requestId = requestIdOf(req);
    socket.on('error', () => socket.destroy());
    authorise(req)
      .then(({ caller, sessionId, after }) => {
        wss.handleUpgrade(req, socket, head, (ws) => serve(ws, caller, sessionId, after, requestId));
      })
      .catch((err: unknown) => {
        const e = err instanceof AppError ? err : new AppError('INTERNAL_ERROR', 'Upgrade failed');
        if (!(err instanceof AppError)) d.logger.warn('websocket upgrade failed', errorFields(err));
        if (!socket.destroyed) refuseUpgrade(socket, e, requestId);
      });
  };
}
