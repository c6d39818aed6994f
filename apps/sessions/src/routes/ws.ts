import type http from 'node:http';
import type net from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import type { Redis } from 'ioredis';
import { STREAM_END_CLOSE_CODES, WsClientMessageSchema, findUnstorableText, streamEndEvent, type AccessTokenClaims, type WsServerMessage } from '@platform/contracts';
import { assertMay, bearerToken, type TokenVerifier } from '@platform/auth-middleware';
import {
  AppError,
  FixedWindowCounter,
  GATEWAY_RATE_LIMIT_HEADER,
  UnauthorizedError,
  errorFields,
  parseDelegatedRateLimit,
  refuseUpgrade,
  requestIdOf,
  type DelegatedRateLimit,
  type Logger,
} from '@platform/service-kit';
import type { SessionsService } from '../services/sessions.service';
import type { RunsService } from '../services/runs.service';
import type { EventHub } from '../services/event-hub';
import type { EventLogRepository } from '../repositories/event-log.repository';
import type { OpenStreams } from '../services/open-streams';
import { openSessionStream } from '../services/session-stream';
import { resumePosition } from './stream-position';
import { SocketAuth } from './ws-auth';
import { answerQuery } from './ws-query';

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
  /** Counts `query` messages against the gateway's per-user limit (the counter it names in a header). */
  redis?: Redis;
}

interface Handshake {
  claims: AccessTokenClaims;
  sessionId: string;
  after: number | undefined;
  limit: DelegatedRateLimit | undefined;
}

/**
 * WebSocket on the stream path: events out; `{type:"query"}`, `{type:"ping"}` and `{type:"auth"}` in.
 * The socket lives as long as its access token (renewable with `auth`): on expiry or revocation it
 * gets a `stream_end` message and is closed with 4401 / 4403.
 */
export function sessionsWebSocket(d: WsDeps) {
  const wss = new WebSocketServer({ noServer: true, maxPayload: 256 * 1024 });
  const counter = d.redis ? new FixedWindowCounter(d.redis) : undefined;
  // A handshake ws refuses (bad key, version, upgrade or method) gets the envelope, not ws's plain text.
  wss.on('wsClientError', (err, socket, req) => {
    if (!socket.destroyed) refuseUpgrade(socket as net.Socket, new AppError('VALIDATION_ERROR', err.message), requestIdOf(req));
  });

  async function authorise(req: http.IncomingMessage): Promise<Handshake> {
    const url = new URL(req.url ?? '/', 'http://sessions.invalid');
    const match = PATH.exec(url.pathname);
    if (!match?.[1]) throw new AppError('ROUTE_NOT_FOUND', `No route for ${url.pathname}`);
    const token = bearerToken(req.headers.authorization) ?? url.searchParams.get('token') ?? undefined;
    if (!token) throw new UnauthorizedError('Missing bearer token');
    const claims = await d.verifier.verify(token);
    assertMay(claims.role, 'read');
    await d.sessions.visible({ userId: claims.sub, role: claims.role }, match[1]);
    const after = resumePosition(req.headers['last-event-id'] as string | undefined, Object.fromEntries(url.searchParams));
    // Only the gateway's own statement counts, and only about this user's counter.
    const delegated = parseDelegatedRateLimit(req.headers[GATEWAY_RATE_LIMIT_HEADER]);
    const limit = delegated?.keyBase.endsWith(`:u:${claims.sub}`) ? delegated : undefined;
    return { claims, sessionId: match[1], after, limit };
  }

  function serve(ws: WebSocket, h: Handshake, requestId: string): void {
    const send = (msg: WsServerMessage) => {
      if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(msg));
    };
    const logger = d.logger.child({ request_id: requestId, session_id: h.sessionId });
    let close: (() => void) | undefined;
    const heartbeat = setInterval(() => send({ type: 'heartbeat', ts: new Date().toISOString() }), d.heartbeatMs);
    const forget = d.streams.add(() => ws.close(1001, 'server shutting down'));
    const auth = new SocketAuth(d.verifier, h.claims, (reason) => {
      send(streamEndEvent(reason));
      ws.close(STREAM_END_CLOSE_CODES[reason], reason);
    });
    // A malformed frame is emitted as 'error' (ws then closes the socket): unheard, it would end the process.
    ws.on('error', (err) => logger.warn('websocket protocol error', errorFields(err)));
    ws.on('close', () => {
      clearInterval(heartbeat);
      auth.stop();
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
        send({ type: 'error', error_code: 'VALIDATION_ERROR', error: 'Expected {"type":"query","message":…}, {"type":"ping"} or {"type":"auth","token":…}' });
        return;
      }
      const msg = parsed.data;
      if (msg.type === 'ping') send({ type: 'pong' });
      else if (msg.type === 'auth') void auth.renew(msg.token).then(send);
      else void answerQuery({ runs: d.runs, counter, limit: h.limit, logger }, auth, h.sessionId, msg).then(send);
    });
    openSessionStream(d, h.sessionId, h.after, (event) => send({ type: 'event', event }))
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
      .then((h) => {
        wss.handleUpgrade(req, socket, head, (ws) => serve(ws, h, requestId));
      })
      .catch((err: unknown) => {
        const e = err instanceof AppError ? err : new AppError('INTERNAL_ERROR', 'Upgrade failed');
        if (!(err instanceof AppError)) d.logger.warn('websocket upgrade failed', errorFields(err));
        if (!socket.destroyed) refuseUpgrade(socket, e, requestId);
      });
  };
}
