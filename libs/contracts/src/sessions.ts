import { z } from 'zod';
import { PageQuerySchema, pageOf } from './common';
import { NetworkPolicySchema } from './sandbox';

export const ProviderNameSchema = z.enum(['offline', 'anthropic', 'openai']);
export type ProviderName = z.infer<typeof ProviderNameSchema>;

export const PermissionModeSchema = z.enum(['default', 'accept_edits', 'bypass']);
export type PermissionMode = z.infer<typeof PermissionModeSchema>;

export const ToolNameSchema = z.enum(['list_files', 'read_file', 'write_file', 'search_files', 'shell']);
export type ToolName = z.infer<typeof ToolNameSchema>;

/**
 * An entry of `allowed_tools` / `disallowed_tools`: a tool name (the whole tool), or a command rule
 * for the shell tool by program and arguments: `shell(npm test)` is exactly that command,
 * `shell(npm test *)` (or Claude Code's `shell(npm test:*)`) any command starting with those words,
 * `shell(node *)` node with any arguments. A compound line (`a && b`, `a | b`, `a; b`) is allowed
 * only when each of its commands is; a deny rule matching any of them denies the whole line.
 */
export const ToolRuleSchema = z.union([
  ToolNameSchema,
  z
    .string()
    .max(500)
    .regex(/^shell\([^\n\r\0]+\)$/, 'a tool name or a command rule such as shell(npm test *)'),
]);
export type ToolRule = z.infer<typeof ToolRuleSchema>;

/** How a session's agent runs; template options merge under request options. */
export const SessionOptionsSchema = z.strictObject({
  provider: ProviderNameSchema.optional(),
  model: z.string().min(1).max(200).optional(),
  system_prompt: z.string().max(20_000).optional(),
  allowed_tools: z.array(ToolRuleSchema).max(50).optional(),
  disallowed_tools: z.array(ToolRuleSchema).max(50).optional(),
  permission_mode: PermissionModeSchema.optional(),
  max_turns: z.number().int().min(1).max(100).optional(),
  /** Where commands the session runs may connect (default: nowhere). */
  network: NetworkPolicySchema.optional(),
});
export type SessionOptions = z.infer<typeof SessionOptionsSchema>;

export const SessionModeSchema = z.enum(['interactive', 'background']);
export const SessionStatusSchema = z.enum(['active', 'archived']);
export type SessionStatus = z.infer<typeof SessionStatusSchema>;

export const SessionTotalsSchema = z.object({
  messages: z.number().int(),
  tool_calls: z.number().int(),
  input_tokens: z.number().int(),
  output_tokens: z.number().int(),
  cost_usd: z.number(),
});

/**
 * Where a finished run is announced (POST, signed with the owner's webhook secret). http(s) only;
 * sessions also refuses hosts that resolve to loopback, private, link-local or multicast addresses.
 */
export const WebhookUrlSchema = z.url({ protocol: /^https?$/, error: 'must be an http or https URL' }).max(2000);

export const SessionSchema = z.object({
  id: z.uuid(),
  name: z.string(),
  mode: SessionModeSchema,
  status: SessionStatusSchema,
  channel_id: z.uuid().nullable(),
  template_id: z.string().nullable(),
  options: SessionOptionsSchema,
  parent_session_id: z.uuid().nullable(),
  /** The session's own webhook (the owner's default from webhook settings applies when null). */
  webhook_url: z.string().nullable().default(null),
  created_at: z.string(),
  updated_at: z.string(),
  totals: SessionTotalsSchema,
});
export type Session = z.infer<typeof SessionSchema>;

export const SessionCreateRequestSchema = z.strictObject({
  name: z.string().trim().min(1).max(200),
  mode: SessionModeSchema.default('interactive'),
  channel_id: z.uuid().nullable().optional(),
  template_id: z.string().min(1).max(100).optional(),
  options: SessionOptionsSchema.default({}),
  webhook_url: WebhookUrlSchema.nullable().optional(),
});
export type SessionCreateRequest = z.input<typeof SessionCreateRequestSchema>;

export const SessionPatchRequestSchema = z
  .strictObject({
    name: z.string().trim().min(1).max(200).optional(),
    status: SessionStatusSchema.optional(),
    /** null removes the session's own webhook. */
    webhook_url: WebhookUrlSchema.nullable().optional(),
  })
  .refine((b) => b.name !== undefined || b.status !== undefined || b.webhook_url !== undefined, { message: 'nothing to update' })
  .meta({ minProperties: 1 }); // the refinement, for the generated OpenAPI document
export type SessionPatchRequest = z.infer<typeof SessionPatchRequestSchema>;

export const SessionListQuerySchema = PageQuerySchema.extend({
  status: SessionStatusSchema.optional(),
  channel_id: z.uuid().optional(),
});
export type SessionListQuery = z.infer<typeof SessionListQuerySchema>;
export const SessionListResponseSchema = pageOf(SessionSchema);

export const QueryRequestSchema = z.strictObject({
  message: z.string().min(1).max(100_000),
  /** `enqueue` runs the query after the session's active run instead of answering 409 RUN_IN_PROGRESS. */
  multitask: z.enum(['reject', 'enqueue']).default('reject'),
});
export type QueryRequest = z.infer<typeof QueryRequestSchema>;
export const QueryParamsSchema = z.object({ wait: z.enum(['true', 'false']).optional() });

export const RunStatusSchema = z.enum(['queued', 'running', 'requires_action', 'completed', 'failed', 'cancelled', 'timed_out']);
export type RunStatus = z.infer<typeof RunStatusSchema>;
export const TERMINAL_RUN_STATUSES: readonly RunStatus[] = ['completed', 'failed', 'cancelled', 'timed_out'];

export const UsageSchema = z.object({ input_tokens: z.number().int().min(0), output_tokens: z.number().int().min(0) });
export type Usage = z.infer<typeof UsageSchema>;

export const RunSchema = z.object({
  id: z.uuid(),
  session_id: z.uuid(),
  status: RunStatusSchema,
  provider: z.string(),
  model: z.string(),
  usage: UsageSchema,
  cost_usd: z.number(),
  error: z.string().nullable(),
  turns: z.number().int(),
  /** Why a completed run stopped: `end_turn`, `max_turns`, `budget_exceeded`, …; null until then (and for other ends). */
  stop_reason: z.string().nullable().default(null),
  created_at: z.string(),
  started_at: z.string().nullable(),
  finished_at: z.string().nullable(),
});
export type Run = z.infer<typeof RunSchema>;

export const QueryAcceptedResponseSchema = z.object({ run_id: z.uuid(), status: RunStatusSchema });
export type QueryAcceptedResponse = z.infer<typeof QueryAcceptedResponseSchema>;

/** Content blocks, in the Messages-API shape every provider is mapped to. */
export const TextBlockSchema = z.object({ type: z.literal('text'), text: z.string() });
export const ToolUseBlockSchema = z.object({
  type: z.literal('tool_use'),
  id: z.string(),
  name: z.string(),
  input: z.record(z.string(), z.unknown()),
});
export const ToolResultBlockSchema = z.object({
  type: z.literal('tool_result'),
  tool_use_id: z.string(),
  content: z.string(),
  is_error: z.boolean().default(false),
});
export const ContentBlockSchema = z.discriminatedUnion('type', [TextBlockSchema, ToolUseBlockSchema, ToolResultBlockSchema]);
export type ContentBlock = z.infer<typeof ContentBlockSchema>;
export type TextBlock = z.infer<typeof TextBlockSchema>;
export type ToolUseBlock = z.infer<typeof ToolUseBlockSchema>;
export type ToolResultBlock = z.infer<typeof ToolResultBlockSchema>;

export const MessageRoleSchema = z.enum(['user', 'assistant', 'tool']);
export const MessageSchema = z.object({
  id: z.uuid(),
  session_id: z.uuid(),
  run_id: z.uuid().nullable(),
  seq: z.number().int(),
  role: MessageRoleSchema,
  content: z.array(ContentBlockSchema),
  created_at: z.string(),
});
export type Message = z.infer<typeof MessageSchema>;
export const MessageListQuerySchema = PageQuerySchema.extend({
  limit: z.coerce.number().int().min(1).max(500).default(50),
  /** Messages page by sequence number, not by keyset. */
  cursor: z.string().min(1).max(512).optional(),
});
export const MessageListResponseSchema = pageOf(MessageSchema);

export const ToolCallStatusSchema = z.enum(['pending', 'denied', 'running', 'succeeded', 'failed', 'cancelled']);
export const ToolCallSchema = z.object({
  id: z.string(),
  session_id: z.uuid(),
  run_id: z.uuid(),
  tool: z.string(),
  input: z.record(z.string(), z.unknown()),
  status: ToolCallStatusSchema,
  decision: z.enum(['allow', 'deny']).nullable(),
  decision_reason: z.string().nullable(),
  /**
   * Who or what decided: `user:<id>`, `mode:<mode>`, `allowed_tools`, `disallowed_tools`, a command rule
   * (`allowed_tools:shell(npm test *)`), `timeout`; null while undecided. Absent from older sessions versions.
   */
  decided_by: z.string().nullable().optional(),
  output: z.string().nullable(),
  is_error: z.boolean(),
  created_at: z.string(),
  finished_at: z.string().nullable(),
});
export type ToolCall = z.infer<typeof ToolCallSchema>;
export const ToolCallListResponseSchema = pageOf(ToolCallSchema);
export const RunListResponseSchema = pageOf(RunSchema);

export const ForkRequestSchema = z.strictObject({ name: z.string().trim().min(1).max(200).optional() });
export type ForkRequest = z.infer<typeof ForkRequestSchema>;

/** What the runner needs to run a session: its messages in order and its current options (internal API). */
export const InternalHistoryResponseSchema = z.object({
  session_id: z.uuid(),
  messages: z.array(MessageSchema),
  /** Current options (a remembered permission adds to allowed_tools); absent from older sessions versions. */
  options: SessionOptionsSchema.optional(),
  /**
   * With `?run_id=`: that run's status and the highest runner `run_seq` sessions has persisted for it, so a
   * resumed attempt can wait until its earlier events are in the history before planning (null: none yet).
   */
  run: z.object({ id: z.uuid(), status: RunStatusSchema, last_run_seq: z.number().int().nullable() }).optional(),
});
export type InternalHistoryResponse = z.infer<typeof InternalHistoryResponseSchema>;
export const InternalHistoryQuerySchema = z.object({ run_id: z.uuid().optional() });

/** `POST /api/v1/sessions/{id}/permissions/{request_id}`. */
export const PermissionDecisionRequestSchema = z.strictObject({
  decision: z.enum(['allow', 'deny']),
  /** Allow this tool for the rest of the session (adds it to allowed_tools). */
  remember: z.boolean().default(false),
});
export type PermissionDecisionRequest = z.input<typeof PermissionDecisionRequestSchema>;

export const PermissionStatusSchema = z.enum(['pending', 'allowed', 'denied', 'expired', 'cancelled']);
export type PermissionStatus = z.infer<typeof PermissionStatusSchema>;

export const PermissionRequestSchema = z.object({
  id: z.uuid(),
  session_id: z.uuid(),
  run_id: z.uuid(),
  tool_use_id: z.string(),
  tool: z.string(),
  input: z.record(z.string(), z.unknown()),
  status: PermissionStatusSchema,
  decided_by: z.string().nullable(),
  remember: z.boolean(),
  created_at: z.string(),
  expires_at: z.string(),
  decided_at: z.string().nullable(),
});
export type PermissionRequest = z.infer<typeof PermissionRequestSchema>;

/** `GET /internal/sessions/{id}/permissions/{request_id}`: the runner reads the answer when it resumes. */
export const InternalPermissionResponseSchema = PermissionRequestSchema;

export const PermissionRequestListQuerySchema = PageQuerySchema.extend({ status: PermissionStatusSchema.optional() });
export const PermissionRequestListResponseSchema = pageOf(PermissionRequestSchema);

/** `POST /api/v1/sessions/{id}/runs/{run_id}/cancel` (body optional); answers with the cancelled run. */
export const RunCancelRequestSchema = z.strictObject({ reason: z.string().trim().min(1).max(500).optional() });
export type RunCancelRequest = z.infer<typeof RunCancelRequestSchema>;

export const WebhookDeliverySchema = z.object({
  id: z.uuid(),
  session_id: z.uuid(),
  run_id: z.uuid(),
  url: z.string(),
  attempt: z.number().int(),
  status: z.enum(['pending', 'succeeded', 'failed']),
  response_status: z.number().int().nullable(),
  error: z.string().nullable(),
  created_at: z.string(),
  /** `run.completed`, `run.failed`, `run.cancelled` or `run.timed_out`. */
  event: z.string().optional(),
  finished_at: z.string().nullable().optional(),
});
export type WebhookDelivery = z.infer<typeof WebhookDeliverySchema>;
export const WebhookDeliveryListResponseSchema = pageOf(WebhookDeliverySchema);

export const AuditEntrySchema = z.object({
  id: z.uuid(),
  session_id: z.uuid(),
  run_id: z.uuid().nullable(),
  action: z.string(),
  actor: z.string(),
  details: z.record(z.string(), z.unknown()),
  created_at: z.string(),
});
export type AuditEntry = z.infer<typeof AuditEntrySchema>;
export const AuditListQuerySchema = PageQuerySchema.extend({ action: z.string().min(1).max(64).optional() });
export const AuditListResponseSchema = pageOf(AuditEntrySchema);
