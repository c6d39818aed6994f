import { z } from 'zod';
import { ErrorCodeSchema } from './errors';
import { SessionEventSchema } from './events';
import { QueryAcceptedResponseSchema, RunSchema, RunStatusSchema } from './sessions';

/**
 * `Idempotency-Key` on creating POSTs of sessions: a retry with the same key and body gets the first
 * answer again (`Idempotent-Replayed: true`); the same key with another body is 422.
 */
export const IdempotencyHeadersSchema = z.object({
  'idempotency-key': z
    .string()
    .regex(/^[\x21-\x7e]{1,255}$/, 'must be 1 to 255 visible ASCII characters')
    .optional(),
});

const StreamSeqSchema = z.coerce.number().int().min(0).max(Number.MAX_SAFE_INTEGER);

/** Where a session stream resumes: the SSE `Last-Event-ID` header (it wins over the query). */
export const StreamResumeHeadersSchema = z.object({ 'last-event-id': StreamSeqSchema.optional() });

/** `?last_event_id=` or `?since=` (0 replays everything); without any, the stream is live only. */
export const StreamResumeQuerySchema = z.object({
  last_event_id: StreamSeqSchema.optional(),
  since: StreamSeqSchema.optional(),
});

/** The WebSocket on the stream path also takes the access token as `?token=` (browsers cannot set headers). */
export const WsStreamQuerySchema = StreamResumeQuerySchema.extend({ token: z.string().min(1).optional() });

/** `POST /api/v1/sessions/{id}/query?wait=true` when the run ended within the wait. */
export const QueryWaitResponseSchema = z.object({ run_id: z.uuid(), status: RunStatusSchema, run: RunSchema });
export type QueryWaitResponse = z.infer<typeof QueryWaitResponseSchema>;

/** Messages the server sends on a session's WebSocket. */
export const WsServerMessageSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('event'), event: SessionEventSchema }),
  z.object({ type: z.literal('heartbeat'), ts: z.string() }),
  z.object({ type: z.literal('pong') }),
  QueryAcceptedResponseSchema.extend({ type: z.literal('query_accepted') }),
  z.object({ type: z.literal('error'), error_code: ErrorCodeSchema, error: z.string(), details: z.record(z.string(), z.unknown()).optional() }),
]);
export type WsServerMessage = z.infer<typeof WsServerMessageSchema>;
