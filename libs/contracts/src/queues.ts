import { z } from 'zod';
import { SessionOptionsSchema } from './sessions';
import { EVENT_SCHEMA_VERSION } from './events';

/** BullMQ queue of agent runs: sessions enqueues, agent-runner consumes. */
export const AGENT_RUNS_QUEUE = 'agent-runs';

/** Job name `run`: execute one query of a session. */
export const AgentRunJobSchema = z.object({
  v: z.number().int().default(EVENT_SCHEMA_VERSION),
  run_id: z.uuid(),
  session_id: z.uuid(),
  user_id: z.uuid(),
  options: SessionOptionsSchema,
});
export type AgentRunJob = z.infer<typeof AgentRunJobSchema>;

/** Job name `fork-workspace`: copy a session's working directory to its fork. */
export const ForkWorkspaceJobSchema = z.object({
  v: z.number().int().default(EVENT_SCHEMA_VERSION),
  from_session_id: z.uuid(),
  to_session_id: z.uuid(),
});
export type ForkWorkspaceJob = z.infer<typeof ForkWorkspaceJobSchema>;

const UsageSchema = z.object({ bytes: z.number().int().nonnegative(), files: z.number().int().nonnegative() });

/**
 * What a fork-workspace job did: `copied` (a fresh copy), `merged` (missing files added to a target
 * that already existed), `no_source` (the session has no working directory), `over_quota` (nothing
 * copied: the source holds more than the workspace quota), `deleted` (the fork was deleted meanwhile).
 * `skipped` counts what is never copied: FIFOs, sockets and devices (`special`) and files with more
 * than one hard link (`hard_linked`). Older runners answered `{ result }` only.
 */
export const ForkWorkspaceResultSchema = z.object({
  result: z.enum(['copied', 'merged', 'no_source', 'over_quota', 'deleted']),
  /** The source's usage (over_quota) or what was copied. */
  usage: UsageSchema.optional(),
  /** The workspace quota it was held to. */
  limits: UsageSchema.optional(),
  skipped: z
    .object({ special: z.number().int().nonnegative(), hard_linked: z.number().int().nonnegative() })
    .optional(),
});
export type ForkWorkspaceResult = z.infer<typeof ForkWorkspaceResultSchema>;

/**
 * Job name `delete-workspace`: remove a deleted session's working directory. Sessions enqueues it
 * after cancelling the session's runs; the runner also makes sure no later job recreates it.
 */
export const DeleteWorkspaceJobSchema = z.object({
  v: z.number().int().default(EVENT_SCHEMA_VERSION),
  session_id: z.uuid(),
});
export type DeleteWorkspaceJob = z.infer<typeof DeleteWorkspaceJobSchema>;

export const DeleteWorkspaceResultSchema = z.object({ result: z.enum(['deleted', 'absent']) });
export type DeleteWorkspaceResult = z.infer<typeof DeleteWorkspaceResultSchema>;

export const AGENT_JOB_NAMES = {
  run: 'run',
  forkWorkspace: 'fork-workspace',
  deleteWorkspace: 'delete-workspace',
} as const;

/** BullMQ queue of webhook deliveries: sessions enqueues one job per finished run and delivers it itself. */
export const WEBHOOKS_QUEUE = 'webhooks';

export const WebhookEventTypeSchema = z.enum(['run.completed', 'run.failed', 'run.cancelled', 'run.timed_out']);
export type WebhookEventType = z.infer<typeof WebhookEventTypeSchema>;

/** Job name `deliver`: POST one run's end to `url`, retried with exponential backoff. */
export const WebhookJobSchema = z.object({
  v: z.number().int().default(EVENT_SCHEMA_VERSION),
  run_id: z.uuid(),
  session_id: z.uuid(),
  /** Whose secret signs the request. */
  user_id: z.uuid(),
  url: z.string().min(1),
  event: WebhookEventTypeSchema,
});
export type WebhookJob = z.infer<typeof WebhookJobSchema>;
export const WEBHOOK_JOB_NAME = 'deliver';
