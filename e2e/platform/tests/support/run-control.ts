import {
  AuditListResponseSchema,
  PermissionRequestSchema,
  RunSchema,
  WebhookDeliveryListResponseSchema,
  WebhookSettingsSchema,
  type AuditEntry,
  type PermissionRequest,
  type Run,
  type SessionEvent,
  type WebhookDelivery,
  type WebhookSettings,
} from '@platform/contracts';
import type { JsonClient, SseStream } from '@platform/testing';
import { SESSIONS, nextEvent } from './sessions';
import { waitUntil } from './platform';

/** Where the gateway reaches the caller's webhook settings (sessions also serves /api/v1/webhook-settings). */
export const WEBHOOK_SETTINGS = `${SESSIONS}/webhook-settings`;

export async function getRun(as: JsonClient, sessionId: string, runId: string): Promise<Run> {
  return RunSchema.parse((await as.get(`${SESSIONS}/${sessionId}/runs/${runId}`)).body);
}

/** Polls the run until it has `status`. */
export async function runReaches(
  as: JsonClient,
  sessionId: string,
  runId: string,
  status: Run['status'],
  timeoutMs = 20_000,
): Promise<Run> {
  let run: Run | undefined;
  await waitUntil(
    `run ${runId} is ${status}`,
    async () => {
      run = await getRun(as, sessionId, runId);
      return run.status === status;
    },
    timeoutMs,
    100,
  );
  return run!;
}

/** Reads `stream` until an event of `type` (for `runId`, when given); returns it and what came before. */
export async function eventOf(
  stream: SseStream,
  type: string,
  runId?: string,
  timeoutMs = 20_000,
): Promise<{ event: SessionEvent; before: SessionEvent[] }> {
  const deadline = Date.now() + timeoutMs;
  const before: SessionEvent[] = [];
  for (;;) {
    const e = await nextEvent(stream, Math.max(1, deadline - Date.now()));
    if (e.type === type && (runId === undefined || e.run_id === runId)) return { event: e, before };
    before.push(e);
  }
}

export async function answer(
  as: JsonClient,
  sessionId: string,
  requestId: string,
  decision: 'allow' | 'deny',
  remember = false,
): Promise<PermissionRequest> {
  const res = await as.post(`${SESSIONS}/${sessionId}/permissions/${requestId}`, { decision, remember });
  if (res.status !== 200) throw new Error(`answering ${requestId} answered ${res.status}: ${res.text}`);
  return PermissionRequestSchema.parse(res.body);
}

export async function auditOf(as: JsonClient, sessionId: string): Promise<AuditEntry[]> {
  const res = await as.get(`${SESSIONS}/${sessionId}/audit`, { query: { limit: 100 } });
  if (res.status !== 200) throw new Error(`audit answered ${res.status}: ${res.text}`);
  return AuditListResponseSchema.parse(res.body).items.reverse();
}

export async function deliveriesOf(as: JsonClient, sessionId: string): Promise<WebhookDelivery[]> {
  const res = await as.get(`${SESSIONS}/${sessionId}/webhook-deliveries`, { query: { limit: 100 } });
  if (res.status !== 200) throw new Error(`webhook deliveries answered ${res.status}: ${res.text}`);
  return WebhookDeliveryListResponseSchema.parse(res.body).items.reverse();
}

/** PUT the caller's webhook settings; the answer carries the secret when one was created or rotated. */
export async function putWebhookSettings(as: JsonClient, body: Record<string, unknown>): Promise<WebhookSettings> {
  const res = await as.put(WEBHOOK_SETTINGS, body);
  if (res.status !== 200) throw new Error(`PUT webhook settings answered ${res.status}: ${res.text}`);
  return WebhookSettingsSchema.parse(res.body);
}

/** How many of `events` have each type. */
export const countTypes = (events: SessionEvent[]): Record<string, number> =>
  events.reduce<Record<string, number>>((acc, e) => ({ ...acc, [e.type]: (acc[e.type] ?? 0) + 1 }), {});
