import { z } from 'zod';
import { ErrorCodeSchema } from './errors';
import { SessionEventSchema } from './events';
import { StreamEndEventSchema } from './revocations';
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

/** A plain non-negative integer in decimal digits (no sign, exponent, fraction, hex or spaces: `1e3`, `0x10`, `5.0`, ` 5` are refused). */
export const StreamSeqSchema = z
  .string()
  .regex(/^[0-9]{1,16}$/, 'must be a non-negative integer in decimal digits')
  .transform(Number)
  .refine((n) => n <= Number.MAX_SAFE_INTEGER, 'is too large');

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
  /** The answer to `{"type":"auth"}`: the stream now lives on the new token, until `expires_at`. */
  z.object({ type: z.literal('auth_ok'), expires_at: z.string() }),
  /** The last message before the server closes the socket because its token expired or was revoked. */
  StreamEndEventSchema,
]);
export type WsServerMessage = z.infer<typeof WsServerMessageSchema>;
