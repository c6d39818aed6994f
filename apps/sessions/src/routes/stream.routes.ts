import { Router } from 'express';
import { IdParamsSchema, streamEndEvent } from '@platform/contracts';
import { errorFields, parseInput } from '@platform/service-kit';
import { authOf, authorize, watchToken, type TokenVerifier } from '@platform/auth-middleware';
import type { SessionsService } from '../services/sessions.service';
import type { EventHub } from '../services/event-hub';
import type { EventLogRepository } from '../repositories/event-log.repository';
import { openSessionStream } from '../services/session-stream';
import type { OpenStreams } from '../services/open-streams';
import { resumePosition } from './stream-position';
import { callerOf } from './caller';

/**
 * `GET /api/v1/sessions/{id}/stream` as server-sent events, resumable with Last-Event-ID. The stream
 * lives as long as its access token: when the token expires or is revoked it ends with a `stream_end`
 * event saying why.
 */
export function streamRoutes(d: {
  sessions: SessionsService;
  hub: EventHub;
  log: EventLogRepository;
  verifier: TokenVerifier;
  streams: OpenStreams;
  heartbeatMs: number;
}): Router {
  const r = Router();
  r.get('/api/v1/sessions/:id/stream', ...authorize(d.verifier, 'read'), async (req, res) => {
    const { id } = parseInput(IdParamsSchema, req.params, 'params');
    const after = resumePosition(req.headers['last-event-id'] as string | undefined, req.query);
    await d.sessions.visible(callerOf(req), id);
    res.status(200).set({
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-cache, no-transform',
      Connection: 'keep-alive',
      'X-Accel-Buffering': 'no',
    });
    res.flushHeaders();
    res.write('retry: 2000\n\n');
    const write = (chunk: string) => {
      if (!res.writableEnded) res.write(chunk);
    };
    let close: (() => void) | undefined;
    const end = () => {
      clearInterval(heartbeat);
      unwatch();
      close?.();
      forget();
      if (!res.writableEnded) res.end();
    };
    const heartbeat = setInterval(() => write(`event: heartbeat\ndata: {"ts":"${new Date().toISOString()}"}\n\n`), d.heartbeatMs);
    const forget = d.streams.add(end);
    const unwatch = watchToken(d.verifier, authOf(req).claims, (reason) => {
      write(`event: stream_end\ndata: ${JSON.stringify(streamEndEvent(reason))}\n\n`);
      end();
    });
    req.on('close', end);
    try {
      close = await openSessionStream(d, id, after, (e) => write(`id: ${e.seq}\nevent: ${e.type}\ndata: ${JSON.stringify(e)}\n\n`));
      if (res.writableEnded) close();
    } catch (err) {
      req.log.warn('stream failed', errorFields(err));
      end();
    }
  });
  return r;
}
