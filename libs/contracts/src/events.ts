import { z } from 'zod';
import { ContentBlockSchema, UsageSchema } from './sessions';
import { BudgetStopSchema } from './budgets';

/** Version of the event and queue payload formats; readers ignore fields they do not know. */
export const EVENT_SCHEMA_VERSION = 1;

const base = { v: z.number().int().default(EVENT_SCHEMA_VERSION), session_id: z.uuid(), run_id: z.uuid(), run_seq: z.number().int().min(0) };

export const RunStartedEventSchema = z.object({ ...base, type: z.literal('run_started'), data: z.object({ provider: z.string(), model: z.string() }) });
export const TextDeltaEventSchema = z.object({ ...base, type: z.literal('text_delta'), data: z.object({ text: z.string() }) });
export const ToolUseEventSchema = z.object({
  ...base,
  type: z.literal('tool_use'),
  data: z.object({
    tool_use_id: z.string(),
    tool: z.string(),
    input: z.record(z.string(), z.unknown()),
    decision: z.enum(['allow', 'deny']),
    decided_by: z.string(),
    reason: z.string().nullable(),
  }),
});
export const ToolResultEventSchema = z.object({
  ...base,
  type: z.literal('tool_result'),
  data: z.object({ tool_use_id: z.string(), output: z.string(), is_error: z.boolean() }),
});
/**
 * A whole message is finished: assistant turns, and the tool results the runner feeds back.
 * `turn` (1-based model call of the run; the tool message answering turn n carries n too) makes
 * (run_id, turn, role) unique; `stop_reason` is why the model ended an assistant turn. Both are
 * optional: older runners do not send them.
 */
export const MessageCompleteEventSchema = z.object({
  ...base,
  type: z.literal('message_complete'),
  data: z.object({
    role: z.enum(['assistant', 'tool']),
    content: z.array(ContentBlockSchema),
    usage: UsageSchema.optional(),
    turn: z.number().int().min(1).optional(),
    stop_reason: z.string().optional(),
    /** Assistant turns: what the turn cost (the runner's price table) and when it ended; it is charged to the session's owner once. */
    cost_usd: z.number().min(0).optional(),
    ended_at: z.iso.datetime({ offset: true }).optional(),
  }),
});
export const RunCompletedEventSchema = z.object({
  ...base,
  type: z.literal('run_completed'),
  data: z.object({
    usage: UsageSchema,
    cost_usd: z.number(),
    turns: z.number().int(),
    /** `end_turn`, `max_turns`, `budget_exceeded` (then `budget` says which limit), … */
    stop_reason: z.string(),
    budget: BudgetStopSchema.optional(),
  }),
});
export const RunFailedEventSchema = z.object({
  ...base,
  type: z.literal('run_failed'),
  data: z.object({ error: z.string(), usage: UsageSchema, cost_usd: z.number(), turns: z.number().int() }),
});

/**
 * The runner needs a person's answer before running a tool: the run pauses (`requires_action`) until
 * `POST /api/v1/sessions/{id}/permissions/{request_id}` answers or `expires_at` passes (then: denied).
 */
export const PermissionRequestEventSchema = z.object({
  ...base,
  type: z.literal('permission_request'),
  data: z.object({
    request_id: z.uuid(),
    tool_use_id: z.string(),
    tool: z.string(),
    input: z.record(z.string(), z.unknown()),
    expires_at: z.string(),
  }),
});

export const RunEventSchema = z.discriminatedUnion('type', [
  RunStartedEventSchema,
  TextDeltaEventSchema,
  ToolUseEventSchema,
  ToolResultEventSchema,
  MessageCompleteEventSchema,
  PermissionRequestEventSchema,
  RunCompletedEventSchema,
  RunFailedEventSchema,
]);
/** An event as the runner emits it (before sessions gives it a per-session sequence). */
export type RunEvent = z.infer<typeof RunEventSchema>;
export type RunEventType = RunEvent['type'];
export const TERMINAL_EVENT_TYPES: readonly string[] = ['run_completed', 'run_failed', 'run_cancelled', 'run_timed_out'];

/**
 * Events sessions itself records (never emitted by a runner): `run_cancelled`, `run_timed_out`, and a
 * `run_failed` for a run whose job the runner gave up on without a terminal event. They take these
 * reserved run_seq values so each can exist at most once per run.
 */
export const CONTROL_RUN_SEQ = { run_cancelled: -1, run_timed_out: -2, run_failed: -3 } as const;

/** An event as clients see it on the stream: persisted, with its per-session sequence. */
export const SessionEventSchema = z.object({
  seq: z.number().int().min(1),
  type: z.string(),
  session_id: z.uuid(),
  run_id: z.uuid(),
  data: z.record(z.string(), z.unknown()),
  created_at: z.string(),
});
export type SessionEvent = z.infer<typeof SessionEventSchema>;

/** WebSocket messages a client may send on a session stream. */
export const WsClientMessageSchema = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('query'),
    message: z.string().min(1).max(100_000),
    multitask: z.enum(['reject', 'enqueue']).default('reject'),
  }),
  z.object({ type: z.literal('ping') }),
  /**
   * A fresh access token of the same user (from `POST /auth/refresh`), so a long-lived socket outlives
   * the token it was opened with; answered with `auth_ok` (or an `error`, the old token staying in force).
   */
  z.object({ type: z.literal('auth'), token: z.string().min(1).max(4096) }),
]);
export type WsClientMessage = z.infer<typeof WsClientMessageSchema>;

/**
 * Cancellation signal from sessions to runners: sessions sets `<prefix>cancel:<run_id>` (with a TTL)
 * and publishes the run id on `<prefix>cancel`; a runner aborts that run's model request and tools,
 * emits nothing more for it, and finishes the job. `<prefix>` is the runner's EVENTS_STREAM + ':'.
 */
export const cancelKeys = (eventsStream: string) => ({
  channel: `${eventsStream}:cancel`,
  key: (runId: string) => `${eventsStream}:cancel:${runId}`,
});

/** The Redis Stream the runners write events to and sessions consumes. */
export const RUN_EVENTS_STREAM = 'agent-events';
