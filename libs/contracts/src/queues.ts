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

export const AGENT_JOB_NAMES = { run: 'run', forkWorkspace: 'fork-workspace' } as const;

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
