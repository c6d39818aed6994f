import { Router } from 'express';
import { streamEndEvent, type StatusStreamEvent } from '@platform/contracts';
import { watchToken, type TokenVerifier } from '@platform/auth-middleware';
import type { LiveStatus } from '../services/live-status';
import type { OpenStreams } from '../services/open-streams';
import { isAdmin, optionalAuth } from './viewer';

/** A client this far behind is cut off; it reconnects and starts again from a snapshot. */
const MAX_BUFFERED_BYTES = 1024 * 1024;

/**
 * `GET /api/status/stream`: server-sent events. Every connection starts with a `snapshot`, then gets
 * each change as it happens (admins also get instance details and `metrics`), and a comment line
 * every heartbeat so proxies keep it open. A stream opened with a token lives as long as the token:
 * on expiry or revocation it ends with a `stream_end` event (reconnect with a fresh token, or none).
 */
export function streamRoutes(d: {
  live: LiveStatus;
  verifier: TokenVerifier;
  streams: OpenStreams;
  heartbeatMs: number;
}): Router {
  const r = Router();
  r.get('/api/status/stream', optionalAuth(d.verifier), (req, res) => {
    const admin = isAdmin(req);
    res.status(200).set({
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-cache, no-transform',
      Connection: 'keep-alive',
      'X-Accel-Buffering': 'no',
    });
    res.flushHeaders();
    let seq = 0;
    const write = (chunk: string) => {
      if (res.writableEnded) return;
      if (res.writableLength > MAX_BUFFERED_BYTES) return end();
      res.write(chunk);
    };
    const send = (e: StatusStreamEvent) => write(`id: ${++seq}\nevent: ${e.type}\ndata: ${JSON.stringify(e)}\n\n`);
    const end = () => {
      clearInterval(heartbeat);
      unwatch?.();
      unsubscribe();
      forget();
      if (!res.writableEnded) res.end();
    };
    const heartbeat = setInterval(() => write(': keep-alive\n\n'), d.heartbeatMs);
    const unsubscribe = d.live.subscribe((build) => {
      const e = build(admin);
      if (e) send(e);
    });
    const forget = d.streams.add(end);
    const unwatch = req.auth
      ? watchToken(d.verifier, req.auth.claims, (reason) => {
          write(`event: stream_end\ndata: ${JSON.stringify(streamEndEvent(reason))}\n\n`);
          end();
        })
      : undefined;
    req.on('close', end);
    write('retry: 2000\n\n');
    send(d.live.snapshot(admin));
  });
  return r;
}
