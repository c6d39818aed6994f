import { z } from 'zod';

/**
 * Access-token revocations, written by auth and read by every service that verifies tokens (the
 * gateway included). The state lives in Redis under one prefix shared by the whole platform (config
 * `REVOCATIONS_PREFIX`); every change is also published on `channel`, so each instance applies it to
 * its in-memory copy within milliseconds, and reloads the whole state whenever its subscription
 * (re)starts. Keys share one hash tag, so the state can be written atomically in Redis Cluster.
 *
 * - `users` (hash): user id → the lowest token version (`tv` claim) still valid for that user.
 * - `usersAt` (sorted set): user id scored by when its entry was last raised (ms), for pruning.
 * - `sessions` (sorted set): revoked login ids (`sid` claim, a refresh-token family) scored by when (ms).
 *
 * Entries older than auth's access-token lifetime (plus a margin) are pruned: every token they could
 * refuse has expired by then.
 */
export const revocationKeys = (prefix: string) => ({
  users: `${prefix}{revocations}:users`,
  usersAt: `${prefix}{revocations}:users-at`,
  sessions: `${prefix}{revocations}:sessions`,
  channel: `${prefix}{revocations}:events`,
});
export type RevocationKeys = ReturnType<typeof revocationKeys>;

/** Every token of `user_id` with a `tv` below `min_version` is revoked (role, password, status change; deletion). */
export const UserRevocationEventSchema = z.object({
  v: z.literal(1),
  kind: z.literal('user'),
  user_id: z.string().min(1),
  min_version: z.number().int().min(0),
  at: z.number().int(),
});
/** Every token of one login (`sid`) is revoked (logout, refresh-token reuse). */
export const SessionRevocationEventSchema = z.object({
  v: z.literal(1),
  kind: z.literal('session'),
  session_id: z.string().min(1),
  user_id: z.string().min(1),
  at: z.number().int(),
});
export const RevocationEventSchema = z.discriminatedUnion('kind', [UserRevocationEventSchema, SessionRevocationEventSchema]);
export type RevocationEvent = z.infer<typeof RevocationEventSchema>;

/** Why a live stream (SSE or WebSocket) was ended by the server on account of its access token. */
export const StreamEndReasonSchema = z.enum(['token_expired', 'token_revoked', 'forbidden']);
export type StreamEndReason = z.infer<typeof StreamEndReasonSchema>;

/**
 * The last event of a stream the server ends because its token expired or was revoked: SSE sends it as
 * `event: stream_end`, a WebSocket as a `{"type":"stream_end",…}` message, then closes with
 * `STREAM_END_CLOSE_CODES[reason]`. Reconnect with a fresh token (a WebSocket can instead send
 * `{"type":"auth","token":…}` before the old token expires).
 */
export const StreamEndEventSchema = z.object({
  type: z.literal('stream_end'),
  reason: StreamEndReasonSchema,
  error_code: z.enum(['TOKEN_EXPIRED', 'TOKEN_REVOKED', 'FORBIDDEN']),
  message: z.string(),
});
export type StreamEndEvent = z.infer<typeof StreamEndEventSchema>;

/** WebSocket close codes (application range 4000-4999) for streams ended on account of the token. */
export const STREAM_END_CLOSE_CODES: Readonly<Record<StreamEndReason, number>> = {
  token_expired: 4401,
  token_revoked: 4403,
  forbidden: 4003,
};

/** The stream-end event for `reason`. */
export function streamEndEvent(reason: StreamEndReason): StreamEndEvent {
  switch (reason) {
    case 'token_expired':
      return { type: 'stream_end', reason, error_code: 'TOKEN_EXPIRED', message: 'The access token of this stream expired; reconnect with a fresh one' };
    case 'token_revoked':
      return { type: 'stream_end', reason, error_code: 'TOKEN_REVOKED', message: 'The access token of this stream was revoked (logout, password, role or account change)' };
    case 'forbidden':
      return { type: 'stream_end', reason, error_code: 'FORBIDDEN', message: 'Your role may no longer read this stream' };
  }
}
